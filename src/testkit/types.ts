/** Types of the conformance suite's public API. */

/** One isolated store for one test. */
export interface StoreFixture {
  /** A store URL naming this store (temp file, schema, key prefix…); child processes open it too. */
  url: string;
  /** Deletes the store's data after the test. */
  cleanup?(): Promise<void>;
  /**
   * For a store written outside Fila: a module (file path or file: URL) that registers the URL's scheme
   * with registerStoreScheme. The suite's child processes import it before opening the store.
   */
  register?: string;
  /**
   * Opens an application transaction on this store's database, for stores with the `transactions`
   * capability: `tx` is what the application would pass to `enqueue(…, { tx })`.
   */
  openTransaction?(): Promise<AppTransaction>;
}

export interface AppTransaction {
  tx: unknown;
  /** Runs a statement of the application's own in the transaction (proves it is really open). */
  exec(sql: string): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  /** Shown in test names, e.g. `sqlite`. */
  name: string;
  /** Creates a fresh, isolated store for one test. */
  makeStore(): StoreFixture | Promise<StoreFixture>;
  /** Tests this store skips, by title, each with the reason. */
  skip?: Record<string, string>;
  /** Skips the whole suite, with this reason (e.g. the store's server is not running). */
  skipAll?: string;
}
