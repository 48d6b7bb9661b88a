/**
 * The PostgreSQL store: entry points used by openStore. (Being built: issue 3.)
 */
import { UnsupportedError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { OpenStoreOptions } from '../open.js';

export async function openPostgresStore(_url: string, _options: OpenStoreOptions): Promise<Store> {
  throw new UnsupportedError('the PostgreSQL store is not available in this version yet');
}

export async function dropPostgresNamespace(_url: string): Promise<void> {
  throw new UnsupportedError('the PostgreSQL store is not available in this version yet');
}
