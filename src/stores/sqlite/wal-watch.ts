/**
 * Cross-process wake-ups for SQLite. Every commit appends to the database's write-ahead log, so a
 * watch on the database's folder (inotify on Linux, FSEvents on macOS) hears every commit of every
 * process within a fraction of a millisecond. A burst of file events is coalesced into one check, and
 * `PRAGMA data_version` (which changes only when *another* connection commits) filters out this
 * connection's own writes, so a worker is not woken by its own completions.
 *
 * A file event is not yet a visible commit: the writer appends its commit frame to the WAL (the
 * event), syncs it when `synchronous=full` asks (a slow disk takes tens or hundreds of milliseconds),
 * and only then publishes it in the shared-memory WAL index (no event). A check that runs in between
 * sees no change, so when an event finds none, the watcher looks again 2, 15, 50, 150 and 400 ms after
 * the previous look (a check that fails, e.g. on a busy lock, counts as finding none). Each look is one
 * `PRAGMA data_version`, and a new event starts over, so a busy writer costs nothing more.
 *
 * Where the platform cannot watch the folder (network file systems, exhausted inotify watches), the
 * watcher reports it and the worker's poll remains the only wake-up. A watch that worked and then fails
 * (an error from the platform's watcher) is reported and set up again after 1 s, then 2, 4… up to 30 s
 * between tries until one delivers an event, each followed by one check for commits made while it was
 * down.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Delays of the follow-up checks after an event that found no commit yet. */
const RECHECK_MS = [2, 15, 50, 150, 400];
/** Delays before setting up a failed watch again: the first, and the longest. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;

export class WalWatcher {
  private watcher: FSWatcher | undefined;
  private scheduled = false;
  private recheck: NodeJS.Timeout | undefined;
  private closed = false;
  private restartDelayMs = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dbPath: string,
    /** True when another connection committed since the last call. */
    private readonly changed: () => boolean,
    private readonly onChange: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): boolean {
    const base = basename(this.dbPath);
    const wal = `${base}-wal`;
    try {
      const watcher = watch(dirname(this.dbPath), { persistent: false }, (_event, filename) => {
        this.restartDelayMs = 0; // the watch works: a later failure starts the backoff over
        if (filename === null || filename === wal || filename === base) this.schedule();
      });
      watcher.on('error', (e) => {
        this.onError(e);
        watcher.close();
        if (this.watcher === watcher) this.watcher = undefined;
        this.restartLater();
      });
      this.watcher = watcher;
      return true;
    } catch (e) {
      this.onError(e);
      return false;
    }
  }

  /** Sets the watch up again after a delay that doubles with each failure (see the module comment). */
  private restartLater(): void {
    if (this.closed || this.restartTimer) return;
    this.restartDelayMs = Math.min(
      this.restartDelayMs ? this.restartDelayMs * 2 : RESTART_FIRST_MS,
      RESTART_MAX_MS,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closed || this.watcher) return;
      if (this.start())
        this.schedule(); // commits made while the watch was down
      else this.restartLater();
    }, this.restartDelayMs);
    this.restartTimer.unref();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    clearTimeout(this.recheck);
    this.recheck = undefined;
    setImmediate(() => {
      this.scheduled = false;
      this.check(0);
    });
  }

  private check(round: number): void {
    if (this.closed) return;
    let changed = false;
    try {
      changed = this.changed();
    } catch (e) {
      this.onError(e); // and look again, as when nothing was seen yet
    }
    if (changed) {
      this.onChange();
    } else if (round < RECHECK_MS.length && !this.scheduled) {
      this.recheck = setTimeout(() => {
        this.recheck = undefined;
        this.check(round + 1);
      }, RECHECK_MS[round]);
      this.recheck.unref();
    }
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.recheck);
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }
}
