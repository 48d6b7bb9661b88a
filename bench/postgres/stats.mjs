/**
 * What the PostgreSQL bench scripts read around a run: CPU time from /proc, and the server's WAL and
 * commit counters. The CPU of every `postgres` process on the machine counts (a backend that ended is
 * counted through the postmaster's children), and the WAL is the whole cluster's: measure on a quiet
 * machine, with no other cluster busy.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second in /proc (USER_HZ). */
export const TICKS_PER_SECOND = 100;

/** CPU ticks of a process; with `children`, also those of its children that ended (reaped). */
export function ticks(pid, children = false) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime + stime, and cutime + cstime: the postmaster's count the backends and workers that exited.
    return Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  } catch {
    return 0; // the process ended meanwhile
  }
}

/** CPU ticks of every postgres process, including the backends that ended. */
export function postgresTicks() {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .reduce((sum, p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('postgres') ? sum + ticks(p, true) : sum;
      } catch {
        return sum;
      }
    }, 0);
}

/**
 * The cluster's WAL records, full-page images and bytes, and the commits of the client's database
 * (every transaction, read-only ones included). A backend reports these at most once a second, and when
 * it ends.
 */
export async function counters(client) {
  const { rows } = await client.query(
    `SELECT w.wal_records::bigint AS records, w.wal_fpi::bigint AS fpi, w.wal_bytes::bigint AS bytes,
       d.xact_commit::bigint AS commits
     FROM pg_stat_wal w, pg_stat_database d WHERE d.datname = current_database()`,
  );
  return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
}
