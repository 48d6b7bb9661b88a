/**
 * Prints job events as they happen, one line each, for `fila dev` and `fila worker`:
 *
 *   12:00:01.130  started    normalize-appointment  <id>  attempt 1/3
 */
import { styleText } from 'node:util';
import { formatDuration } from '../core/duration.js';
import type { FilaEvents } from '../core/event-map.js';
import type { TypedEmitter } from '../core/events.js';

type Color = Parameters<typeof styleText>[0];

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (color: Color, text: string) => (useColor ? styleText(color, text) : text);

function time(): string {
  return new Date().toISOString().slice(11, 23);
}

function clip(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function attachEventLog(
  events: TypedEmitter<FilaEvents>,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): () => void {
  const line = (word: string, color: Color, task: string, id: string, detail = '') =>
    write(
      `${paint('gray', time())}  ${paint(color, word.padEnd(10))} ${task.padEnd(24)} ${paint('gray', id)}  ${detail}`,
    );
  const offs = [
    events.on('job:enqueue', ({ job, outcome }) =>
      line(
        outcome === 'inserted' ? 'enqueued' : 'deduped',
        'blue',
        job.task,
        job.id,
        `queue ${job.queue}${job.state === 'scheduled' ? `, runs at ${job.runAt.toISOString()}` : ''}`,
      ),
    ),
    events.on('job:start', ({ job }) =>
      line('started', 'cyan', job.task, job.id, `attempt ${job.attempt}/${job.maxAttempts}`),
    ),
    events.on('job:progress', ({ job, percent, message }) =>
      line('progress', 'gray', job.task, job.id, `${Math.round(percent)}%${message ? ` ${message}` : ''}`),
    ),
    events.on('job:log', ({ job, message }) => line('log', 'gray', job.task, job.id, clip(message))),
    events.on('job:complete', ({ job, result, durationMs }) =>
      line(
        'completed',
        'green',
        job.task,
        job.id,
        `in ${formatDuration(durationMs)}${result === undefined ? '' : ` → ${clip(JSON.stringify(result) ?? '')}`}`,
      ),
    ),
    events.on('job:retry', ({ job, error, delayMs }) =>
      line(
        'retrying',
        'yellow',
        job.task,
        job.id,
        `attempt ${job.attempt} failed: ${clip(error.message, 80)}; next try in ${formatDuration(delayMs)}`,
      ),
    ),
    events.on('job:fail', ({ job, error }) =>
      line(
        'failed',
        'red',
        job.task,
        job.id,
        `attempt ${job.attempt}/${job.maxAttempts}: ${clip(error.message, 80)}`,
      ),
    ),
    events.on('job:cancel', ({ jobId, job }) => line('cancelled', 'magenta', job?.task ?? '', jobId)),
    events.on('job:snooze', ({ job, delayMs }) =>
      line('snoozed', 'gray', job.task, job.id, `for ${formatDuration(delayMs)}`),
    ),
    events.on('job:lease-lost', ({ job }) =>
      line('lease lost', 'red', job.task, job.id, 'another worker took over'),
    ),
    events.on('job:rescue', ({ jobId, state }) =>
      line('rescued', 'yellow', '', jobId, `lease expired; now ${state}`),
    ),
    events.on('worker:error', ({ error, during }) =>
      write(
        `${paint('gray', time())}  ${paint('red', 'error'.padEnd(10))} ${during}: ${(error as Error)?.message ?? String(error)}`,
      ),
    ),
  ];
  return () => offs.forEach((off) => off());
}
