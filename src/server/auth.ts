/**
 * API tokens. A token reads `fila_<id>_<secret>`: the id finds the stored record, the secret (32 random
 * bytes) is checked against its SHA-256 hash in constant time. Only hashes are stored; a secret is
 * shown once, when the token is made. A fast hash is enough for random 256-bit secrets (a slow KDF
 * guards low-entropy passwords, which these are not).
 *
 * Verified tokens are cached for 5 s, so a busy API does not read the store on every request; a
 * revoked token therefore stops working within 5 s on every server.
 *
 * Roles: `reader` reads; `operator` also enqueues, retries, cancels, pauses and cleans; `admin` does
 * everything. A token may be scoped to one tenant: it then sees and acts on that tenant's jobs only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../core/ids.js';
import type { Role, Store, TokenRecord } from '../core/store.js';
import { ValidationError } from '../core/errors.js';
import { checkName } from '../core/validate.js';

export const ROLES: readonly Role[] = ['reader', 'operator', 'admin'];

/** Who is calling. */
export interface Principal {
  tokenId: string;
  role: Role;
  tenant: string | null;
}

const RANK: Record<Role, number> = { reader: 0, operator: 1, admin: 2 };

export function hasRole(principal: Principal, needed: Role): boolean {
  return RANK[principal.role] >= RANK[needed];
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

const TOKEN = /^fila_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Makes a token and stores its record; the returned `token` string is the only copy of its secret. */
export async function createToken(
  store: Store,
  options: { role: Role; tenant?: string | null; name?: string | null },
): Promise<{ record: TokenRecord; token: string }> {
  if (!ROLES.includes(options.role))
    throw new ValidationError(
      `role: expected admin, operator or reader, got ${JSON.stringify(options.role)}`,
    );
  const tenant = options.tenant == null ? null : checkName(options.tenant, 'tenant');
  const name = options.name == null ? null : String(options.name).slice(0, 200);
  const id = randomToken(8);
  const secret = Buffer.from(randomToken(32), 'hex').toString('base64url');
  const record = await store.tokenCreate({
    token: { id, role: options.role, tenant, name },
    secretHash: hashSecret(secret),
  });
  return { record, token: `fila_${id}_${secret}` };
}

const CACHE_MS = 5000;

interface CacheEntry {
  principal: Principal | null;
  /** The stored SHA-256 of the secret. */
  hash: Buffer | null;
  /** A secret that matched the hash while this entry lives, so repeat requests skip hashing. */
  verified: Buffer | null;
  until: number;
}

export class TokenVerifier {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly store: () => Promise<Store>) {}

  /** The principal a presented token stands for, or null (unknown, malformed, revoked, wrong secret). */
  async verify(presented: string): Promise<Principal | null> {
    const m = TOKEN.exec(presented);
    if (!m) return null;
    const [, id, secret] = m as unknown as [string, string, string];
    let entry = this.cache.get(id);
    if (!entry || entry.until < Date.now()) {
      const record = await (await this.store()).tokenGet({ id });
      entry = {
        principal: record ? { tokenId: record.id, role: record.role, tenant: record.tenant } : null,
        hash: record ? Buffer.from(record.secretHash, 'hex') : null,
        verified: null,
        until: Date.now() + CACHE_MS,
      };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(id, entry);
    }
    if (!entry.principal || !entry.hash) return null;
    // Both comparisons are constant-time; the secret's format fixes its length (43 characters).
    const presentedSecret = Buffer.from(secret, 'latin1');
    if (entry.verified && timingSafeEqual(entry.verified, presentedSecret)) return entry.principal;
    const actual = createHash('sha256').update(presentedSecret).digest();
    if (entry.hash.length !== actual.length || !timingSafeEqual(entry.hash, actual)) return null;
    entry.verified = presentedSecret;
    return entry.principal;
  }
}
