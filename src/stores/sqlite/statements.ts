/**
 * Prepared statements, cached per connection (the store's own, or an application's for transactional
 * enqueue), and the few shapes of statement text the store builds from its SQL files: filled
 * `{slot}`s, literal LIMITs, repeated VALUES tuples.
 */
import type Database from 'better-sqlite3';

type DB = Database.Database;
type Statement = Database.Statement;

const caches = new WeakMap<DB, Map<string, Statement>>();

/** The statement for `text` on `db`, prepared once per connection. */
export function prepared(db: DB, text: string): Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = db.prepare(text)));
  return statement;
}

/** Splits an INSERT … VALUES (…) statement into its head and its VALUES tuple. */
export function splitValues(statement: string): [string, string] {
  const at = statement.lastIndexOf('VALUES');
  return [statement.slice(0, at + 'VALUES'.length), statement.slice(at + 'VALUES'.length).trim()];
}

/** Fills the `{slot}` markers of a statement template (every occurrence, header comment included). */
export function fill(template: string, slots: Record<string, string>): string {
  let text = template;
  for (const [slot, value] of Object.entries(slots)) text = text.split(`{${slot}}`).join(value);
  return text;
}

/** A statement with its `{limit}` slot filled with an integer literal (see claim.sql for why). */
const limitedStatements = new Map<string, string>();
export function limited(template: string, limit: number): string {
  const key = `${limit}:${template}`;
  let text = limitedStatements.get(key);
  if (!text) limitedStatements.set(key, (text = fill(template, { limit: String(Math.floor(limit)) })));
  return text;
}

const multiRowStatements = new Map<[string, string], Map<number, string>>();
/** A multi-row INSERT: the statement's VALUES tuple repeated `rows` times. */
export function multiRow(template: [string, string], rows: number): string {
  let bySize = multiRowStatements.get(template);
  if (!bySize) multiRowStatements.set(template, (bySize = new Map()));
  let text = bySize.get(rows);
  if (!text) bySize.set(rows, (text = `${template[0]} ${new Array(rows).fill(template[1]).join(', ')}`));
  return text;
}
