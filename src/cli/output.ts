/**
 * How the CLI prints: aligned tables and job details for people, one JSON document for scripts
 * (`--json`).
 */
import { formatDuration } from '../core/duration.js';
import { jobToJSON, priorityLabel, type Job } from '../core/job.js';
import type { JobLogEntry, QueueInfo } from '../core/store.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

function ago(date: Date | null, now = Date.now()): string {
  if (!date) return '-';
  const ms = now - date.getTime();
  return ms >= 0 ? `${formatDuration(ms)} ago` : `in ${formatDuration(-ms)}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function jobsTable(jobs: Job[]): string {
  const rows = [['ID', 'TASK', 'QUEUE', 'STATE', 'ATTEMPT', 'PRIORITY', 'CREATED', 'NOTE']];
  for (const j of jobs) {
    const note =
      j.state === 'failed' || j.state === 'retrying'
        ? clip(j.error?.message ?? '', 50)
        : j.state === 'scheduled'
          ? `runs ${ago(j.runAt)}`
          : j.state === 'active' && j.progress
            ? `${j.progress.percent}%${j.progress.message ? ` ${clip(j.progress.message, 40)}` : ''}`
            : '';
    rows.push([
      j.id,
      j.task,
      j.queue,
      j.state,
      `${j.attempt}/${j.maxAttempts}`,
      priorityLabel(j.priority),
      ago(j.createdAt),
      note,
    ]);
  }
  return table(rows);
}

export function jobDetail(job: Job, logs: JobLogEntry[] = []): string {
  const lines: string[] = [];
  const field = (name: string, value: string) => lines.push(`${`${name}:`.padEnd(13)}${value}`);
  field('id', job.id);
  field('task', job.task);
  field('queue', job.queue);
  field('state', job.state + (job.cancelRequested && job.state === 'active' ? ' (cancel requested)' : ''));
  field(
    'attempt',
    `${job.attempt} of ${job.maxAttempts}${job.crashCount ? `, ${job.crashCount} crash(es)` : ''}`,
  );
  field('priority', priorityLabel(job.priority));
  if (job.tenant) field('tenant', job.tenant);
  if (job.key) field('key', job.key);
  field('created', `${job.createdAt.toISOString()} (${ago(job.createdAt)})`);
  field('run at', `${job.runAt.toISOString()} (${ago(job.runAt)})`);
  if (job.startedAt) field('started', `${job.startedAt.toISOString()} (${ago(job.startedAt)})`);
  if (job.finishedAt) field('finished', `${job.finishedAt.toISOString()} (${ago(job.finishedAt)})`);
  if (job.workerId) field('worker', job.workerId);
  if (job.progress)
    field('progress', `${job.progress.percent}%${job.progress.message ? ` ${job.progress.message}` : ''}`);
  field('payload', JSON.stringify(job.payload));
  if (job.metadata) field('metadata', JSON.stringify(job.metadata));
  if (job.result !== null) field('result', JSON.stringify(job.result));
  if (job.errors.length) {
    lines.push('errors:');
    for (const e of job.errors) {
      lines.push(
        `  attempt ${e.attempt} at ${e.at.toISOString()}: ${e.name}: ${e.message}${e.crash ? ' (crash)' : ''}`,
      );
    }
    const stack = job.error?.stack;
    if (stack)
      lines.push(
        'last stack:',
        ...stack
          .split('\n')
          .slice(0, 12)
          .map((l) => `  ${l}`),
      );
  }
  if (logs.length) {
    lines.push('logs:');
    for (const l of logs) lines.push(`  ${l.at.toISOString()} [attempt ${l.attempt}] ${l.message}`);
  }
  return lines.join('\n');
}

export function queuesTable(queues: QueueInfo[]): string {
  const rows = [
    [
      'QUEUE',
      'PAUSED',
      'SCHEDULED',
      'QUEUED',
      'ACTIVE',
      'RETRYING',
      'BLOCKED',
      'COMPLETED',
      'FAILED',
      'CANCELLED',
    ],
  ];
  for (const q of queues) {
    const c = q.counts;
    rows.push([
      q.name,
      q.paused ? 'yes' : 'no',
      ...[c.scheduled, c.queued, c.active, c.retrying, c.blocked, c.completed, c.failed, c.cancelled].map(
        String,
      ),
    ]);
  }
  return table(rows);
}

export function queuesJson(queues: QueueInfo[]): unknown {
  return queues.map((q) => ({ name: q.name, paused: q.paused, counts: q.counts }));
}

export { jobToJSON };
