/**
 * Fila's typed events, `noun:verb`. The client emits what it does (enqueue, cancel, pause…); workers
 * emit what happens to the jobs they run. A worker's events are also re-emitted on the client that
 * created it, so one listener on the client sees everything in the process.
 */
import type { Job, JobState } from './job.js';

export interface FilaEvents {
  'job:enqueue': { job: Job; outcome: 'inserted' | 'existing' | 'replaced' };
  'job:start': { job: Job; workerId: string };
  'job:progress': { job: Job; percent: number; message: string | null };
  'job:log': { job: Job; message: string };
  'job:complete': { job: Job; result: unknown; durationMs: number };
  /** An attempt failed and the job will run again at `runAt`. */
  'job:retry': { job: Job; error: Error; delayMs: number; runAt: Date };
  /** The job failed for good (attempts exhausted or a permanent error). */
  'job:fail': { job: Job; error: Error };
  'job:cancel': { jobId: string; job?: Job };
  'job:snooze': { job: Job; delayMs: number };
  /** The worker lost the lease of a running job (it expired and was rescued, or the job was removed). */
  'job:lease-lost': { job: Job };
  /** A job whose worker stopped renewing its lease was recovered. */
  'job:rescue': { jobId: string; state: JobState };
  /** A failed or cancelled job was put back to the queue by `retry`. */
  'job:redrive': { jobId: string };
  'job:remove': { jobId: string };
  'queue:pause': { queue: string };
  'queue:resume': { queue: string };
  'worker:start': { workerId: string; queues: string[]; concurrency: number };
  'worker:stop': { workerId: string };
  /** Something failed inside a worker loop (claim, heartbeat, …); the loop carries on. */
  'worker:error': { workerId: string; error: unknown; during: string };
}
