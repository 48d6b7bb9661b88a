/**
 * Command-line parsing on `node:util` parseArgs, in strict mode: an unknown flag, a missing value or a
 * stray argument is a UsageError (exit code 2) naming the problem.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '../core/duration.js';
import { FilaError } from '../core/errors.js';
import { checkName } from '../core/validate.js';
import { isJobState, JOB_STATES, type JobState } from '../core/job.js';

/** Bad command-line input: printed as one line, exit code 2, nothing changed. */
export class UsageError extends FilaError {
  constructor(message: string) {
    super('usage', message, { userError: true });
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: OptionSpec = {
  store: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parse(
  command: string,
  args: string[],
  options: OptionSpec,
  positionals: { min: number; max: number },
): Parsed {
  const spec = { ...GLOBAL_OPTIONS, ...options };
  // A negative number after a flag that takes a value is that value (`--priority -5`), not a flag.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = /^--([\w-]+)$/.exec(args[i]!)?.[1];
    if (flag && spec[flag]?.type === 'string' && /^-\d+(\.\d+)?$/.test(args[i + 1] ?? '')) {
      joined.push(`${args[i]}=${args[++i]}`);
    } else joined.push(args[i]!);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joined, options: spec, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    // Node's messages are long and mention parseArgs; keep the part that names the flag.
    const message = (e as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/^Unknown option/, 'unknown option');
    throw new UsageError(`${command}: ${message}`);
  }
  // parseArgs keeps the last of a repeated flag; saying so beats acting on half of what was asked.
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) {
      const hint = token.name === 'state' ? ' (several states: --state failed,cancelled)' : '';
      throw new UsageError(`${command}: --${token.name} given twice${hint}`);
    }
    seen.add(token.name);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min)
    throw new UsageError(`${command}: missing argument (see fila ${command} --help)`);
  if (count > positionals.max)
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[positionals.max]}"`);
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

export function str(values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A queue, task or tenant name given as `--<flag>` (or as an argument, with `flag` naming it), checked
 * here so that a bad one is refused before the store is opened.
 */
export function name(values: Parsed['values'], flag: string): string | undefined {
  const v = str(values, flag);
  return v === undefined ? undefined : checkedName(v, `--${flag}`);
}

export function checkedName(value: string, what: string): string {
  try {
    return checkName(value, what);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function int(values: Parsed['values'], name: string, min: number, max: number): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got "${v}"`);
  }
  return Number(v);
}

export function fraction(values: Parsed['values'], name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(v)) {
    throw new UsageError(`--${name}: expected a number from 0 to 1, got "${v}"`);
  }
  return Number(v);
}

export function duration(values: Parsed['values'], name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  try {
    return parseDuration(/^\d+$/.test(v) ? Number(v) : v, `--${name}`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function list(values: Parsed['values'], name: string): string[] | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${name}: expected a comma-separated list`);
  return items;
}

/**
 * --state: one state or a comma-separated list. A command that can act on some states only passes
 * them as `takes` (with how to name them), so a state that could never match is refused rather than
 * matching nothing.
 */
export function states(
  values: Parsed['values'],
  name: string,
  takes?: { states: readonly JobState[]; command: string; described: string },
): JobState | JobState[] | undefined {
  const items = list(values, name);
  if (items === undefined) return undefined;
  for (const s of items) {
    if (!isJobState(s)) throw new UsageError(`--${name}: unknown state "${s}" (${JOB_STATES.join(', ')})`);
    if (takes && !takes.states.includes(s))
      throw new UsageError(`--${name}: ${takes.command} takes ${takes.described}, got "${s}"`);
  }
  return items.length === 1 ? (items[0] as JobState) : (items as JobState[]);
}

export function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${what}: invalid JSON: ${(e as Error).message}`);
  }
}
