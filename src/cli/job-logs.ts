/**
 * A job's log lines, read page by page: the client returns at most 10,000 lines a call, and a job can
 * log more than that. Pages of 1,000 keep each read short and let `fila logs` print as it reads.
 */
import type { Fila } from '../client/fila.js';
import type { JobLogEntry } from '../core/store.js';

const PAGE = 1000;

/** Every log line of a job, in order, one page at a time. */
export async function* logPages(fila: Fila, id: string): AsyncGenerator<JobLogEntry[]> {
  let after = 0;
  for (;;) {
    const page = await fila.getLogs(id, { after, limit: PAGE });
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.seq;
  }
}

/** Every log line of a job. */
export async function allLogs(fila: Fila, id: string): Promise<JobLogEntry[]> {
  const lines: JobLogEntry[] = [];
  for await (const page of logPages(fila, id)) lines.push(...page);
  return lines;
}
