import { checkedName, parse } from '../args.js';
import type { Command } from '../command.js';
import { printJson, queuesJson, queuesTable } from '../output.js';

export const queues: Command = {
  name: 'queues',
  summary: 'list queues with job counts per state',
  usage: `fila queues [--json]

Lists queues with their number of jobs in each state and whether they are paused.`,
  async run(args, ctx) {
    const { values } = parse('queues', args, { json: { type: 'boolean' } }, { min: 0, max: 0 });
    const list = await ctx.client().listQueues();
    if (values.json) printJson(queuesJson(list));
    else process.stdout.write(list.length ? `${queuesTable(list)}\n` : 'no queues\n');
  },
};

export const pause: Command = {
  name: 'pause',
  summary: 'pause a queue (running jobs finish; no new ones start)',
  usage: `fila pause QUEUE`,
  async run(args, ctx) {
    const { positionals } = parse('pause', args, {}, { min: 1, max: 1 });
    const queue = checkedName(positionals[0]!, 'QUEUE');
    await ctx.client().pauseQueue(queue);
    process.stdout.write(`paused ${queue}\n`);
  },
};

export const resume: Command = {
  name: 'resume',
  summary: 'resume a paused queue',
  usage: `fila resume QUEUE`,
  async run(args, ctx) {
    const { positionals } = parse('resume', args, {}, { min: 1, max: 1 });
    const queue = checkedName(positionals[0]!, 'QUEUE');
    await ctx.client().resumeQueue(queue);
    process.stdout.write(`resumed ${queue}\n`);
  },
};

export const forgetQueue: Command = {
  name: 'forget-queue',
  summary: 'drop a queue that holds no job from the listings',
  usage: `fila forget-queue QUEUE

Forgets a queue that holds no job in any state and is not paused (a queue no longer used; a paused
typo once resumed): it no longer appears in fila queues. Refused while the queue holds jobs (cancel,
remove or clean them first) or is paused. An enqueue or a pause makes the queue known again.`,
  async run(args, ctx) {
    const { positionals } = parse('forget-queue', args, {}, { min: 1, max: 1 });
    const queue = checkedName(positionals[0]!, 'QUEUE');
    await ctx.client().forgetQueue(queue);
    process.stdout.write(`forgot ${queue}\n`);
  },
};
