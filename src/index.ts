/**
 * Fila: background jobs for TypeScript. The public entry point.
 *
 *   import { createFila, defineTask } from 'fila';
 */
import './heap-at-import.js'; // first: see worker/heap.ts
export { createFila, Fila } from './client/fila.js';
export type { FilaOptions, EnqueueItem, ListJobsQuery, JobPage, CleanOptions } from './client/fila.js';
export type { EnqueueOptions } from './client/enqueue.js';
export { OutboxRelay } from './client/outbox.js';
export type { OutboxEntry, OutboxSource, OutboxRelayOptions } from './client/outbox.js';
export { defineTask, isTask, DEFAULT_QUEUE, DEFAULT_MAX_ATTEMPTS } from './core/task.js';
export type { Task, AnyTask, TaskContext, TaskHandler, TaskOptions, TaskInput } from './core/task.js';
export { Worker } from './worker/worker.js';
export type { WorkerOptions, RetentionOptions } from './worker/worker.js';
export {
  JOB_STATES,
  TERMINAL_STATES,
  UNFINISHED_STATES,
  PRIORITIES,
  isJobState,
  isTerminalState,
  jobToJSON,
  priorityLabel,
} from './core/job.js';
export type {
  Job,
  JobState,
  JobError,
  JobFilter,
  JobProgress,
  Priority,
  PriorityName,
  BackoffPolicy,
} from './core/job.js';
export type { BackoffInput, BackoffFunction } from './core/backoff.js';
export { backoffDelay, normalizeBackoff, DEFAULT_BACKOFF } from './core/backoff.js';
export { parseDuration, formatDuration } from './core/duration.js';
export type { Duration } from './core/duration.js';
export type { FilaEvents } from './core/event-map.js';
export * from './core/errors.js';
export type * from './core/store.js';
export { openStore, registerStoreScheme, DEFAULT_STORE_URL } from './stores/open.js';
export type { OpenStoreOptions, StoreOpener } from './stores/open.js';
export { SqliteStore } from './stores/sqlite/store.js';
export type { SqliteStoreOptions } from './stores/sqlite/store.js';
