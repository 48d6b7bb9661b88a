/**
 * A small typed event emitter. Unlike Node's EventEmitter, a listener that throws (or rejects) never
 * propagates into the emitting code: a worker loop must not die because of a logging hook. Such
 * failures are reported to `onListenerError`.
 */

type Listener<T> = (event: T) => unknown;

export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Listener<never>[]>();

  constructor(private readonly onListenerError: (error: unknown, event: string) => void = () => {}) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(event, list);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (e) => {
      off();
      return listener(e);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const i = list.indexOf(listener as Listener<never>);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
  }

  /** True when someone listens: lets hot paths skip building event objects nobody reads. */
  has(event: keyof Events): boolean {
    return this.listeners.has(event);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const listener of list.slice()) {
      try {
        const out = (listener as Listener<Events[K]>)(payload);
        if (out && typeof (out as Promise<unknown>).then === 'function') {
          (out as Promise<unknown>).then(undefined, (e: unknown) => this.onListenerError(e, String(event)));
        }
      } catch (e) {
        this.onListenerError(e, String(event));
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
