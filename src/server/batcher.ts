/**
 * Group commit for the enqueue endpoint: requests arriving in the same turn of the event loop are
 * inserted together with one `enqueueMany` (one transaction), and each request is answered when its
 * batch has committed, so durability is unchanged. With 50 concurrent connections a batch typically
 * holds 10-50 jobs, which spreads one commit over all of them.
 *
 * `enqueueMany` is all-or-nothing; if a batch is refused (one request's payload is invalid, or its key is
 * taken with dedup 'reject'), its requests are retried one by one, so each gets its own answer.
 */
import type { EnqueueItem, Fila } from '../client/fila.js';
import type { Job } from '../core/job.js';

interface Pending {
  item: EnqueueItem;
  resolve: (job: Job) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 500;

export class EnqueueBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly fila: Fila) {}

  enqueue(item: EnqueueItem): Promise<Job> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    if (batch.length === 1) {
      const { item, resolve, reject } = batch[0]!;
      this.fila.enqueue(item.task as string, item.payload, item.options).then(resolve, reject);
      return;
    }
    try {
      const jobs = await this.fila.enqueueMany(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(jobs[i]!));
    } catch {
      for (const { item, resolve, reject } of batch) {
        this.fila.enqueue(item.task as string, item.payload, item.options).then(resolve, reject);
      }
    }
  }
}
