/**
 * Many SSE clients on one job's stream, in one process: `node sse-clients.mjs <url> <token> <clients>`.
 * Prints `ready` once every client has its first event (the job snapshot), then, when every stream has
 * ended (or after the deadline), one JSON line: how many clients connected and finished, how many
 * progress events each got, whether they came in order, and every delivery latency (time of receipt
 * minus the time the worker reported the progress, which the message carries).
 */
import { Agent, request } from 'node:http';

const [url, token, rawClients, rawTimeout = '120000'] = process.argv.slice(2);
const clients = Number(rawClients);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const latencies = [];
const perClient = [];
let ready = 0;
let ended = 0;
let failed = 0;
let outOfOrder = 0;

function connect(index) {
  return new Promise((resolve) => {
    const state = { received: 0, last: -1, ready: false };
    perClient[index] = state;
    const req = request(
      url,
      { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          failed++;
          res.resume();
          return resolve();
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk) => {
          const now = Date.now();
          buffer += chunk;
          let at;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            let event = '';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (event === 'job' && !state.ready) {
              state.ready = true;
              if (++ready === clients) process.stdout.write('ready\n');
            } else if (event === 'job:progress') {
              const parsed = JSON.parse(data);
              const sent = Number(parsed.data.message);
              latencies.push(now - sent);
              if (parsed.data.percent < state.last) outOfOrder++;
              state.last = parsed.data.percent;
              state.received++;
            }
          }
        });
        res.on('end', () => {
          ended++;
          resolve();
        });
        res.on('error', () => {
          failed++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end();
  });
}

const deadline = setTimeout(() => finish(), Number(rawTimeout));
// Connect in waves, as a crowd of browsers would, not all in one tick.
const all = [];
for (let i = 0; i < clients; i++) {
  all.push(connect(i));
  if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
}
await Promise.all(all);
finish();

function finish() {
  clearTimeout(deadline);
  const counts = perClient.map((c) => c.received);
  process.stdout.write(
    `${JSON.stringify({
      clients,
      ready,
      ended,
      failed,
      outOfOrder,
      minPerClient: Math.min(...counts),
      maxPerClient: Math.max(...counts),
      latencies,
    })}\n`,
  );
  process.exit(0);
}
