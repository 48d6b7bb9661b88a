/**
 * Graceful shutdown on SIGINT and SIGTERM for every worker in the process that asked for it. The first
 * signal stops all of them (each waits its grace period), then the signal is raised again with Fila's
 * handlers removed, so the process ends the way it would have without Fila. A second signal during
 * shutdown skips the grace period.
 */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface Stoppable {
  stop(options?: { grace?: number }): Promise<void>;
}

const registered = new Set<Stoppable>();
let shuttingDown = false;

function onSignal(signal: NodeJS.Signals): void {
  if (shuttingDown) {
    for (const w of registered) void w.stop({ grace: 0 });
    return;
  }
  shuttingDown = true;
  void Promise.allSettled([...registered].map((w) => w.stop())).then(() => {
    uninstall();
    shuttingDown = false;
    process.kill(process.pid, signal);
  });
}

function uninstall(): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

export function handleSignalsFor(worker: Stoppable): void {
  if (registered.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  registered.add(worker);
}

export function releaseSignalsFor(worker: Stoppable): void {
  registered.delete(worker);
  if (registered.size === 0 && !shuttingDown) uninstall();
}
