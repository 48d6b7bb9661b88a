/** Child processes for the PostgreSQL fault tests (see child.ts), with what they reported. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface Message {
  type: string;
  ids?: string[];
  code?: string;
  ms?: number;
  workerId?: string;
  message?: string;
}

export class Proc {
  readonly process: ChildProcess;
  readonly messages: Message[] = [];
  readonly exited: Promise<void>;
  /** Ids the child reported, by message type (`done`, `accepted`). */
  readonly ids = new Map<string, string[]>();
  starts = 0;

  constructor(mode: 'worker' | 'producer', url: string, args: Record<string, number> = {}) {
    this.process = fork(script, [mode, url, JSON.stringify(args)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (m: Message) => {
      if (m.type === 'start') {
        this.starts++;
        return;
      }
      if (m.type === 'error') console.error(`child ${mode} failed: ${m.message}`);
      if (m.ids) {
        const list = this.ids.get(m.type) ?? [];
        list.push(...m.ids);
        this.ids.set(m.type, list);
      }
      this.messages.push(m);
    });
    this.exited = new Promise((r) => this.process.on('exit', () => r()));
  }

  list(type: string): string[] {
    return this.ids.get(type) ?? [];
  }

  async next(type: string, timeoutMs = 30_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find((x) => x.type === type);
      if (m) return m;
      if (this.process.exitCode !== null || this.process.signalCode !== null)
        throw new Error(`child exited before sending "${type}"`);
      if (Date.now() > deadline) throw new Error(`child: no "${type}" within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
  }
}
