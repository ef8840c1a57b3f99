import type { BatchResult, KeyError } from '../../src-shared/contract';
import type { Out } from './output';

export function plural(n: number, word = 'object'): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function emptyBatch(): BatchResult {
  return { done: [], errors: [] };
}

export function addBatch(into: BatchResult, r: BatchResult): BatchResult {
  into.done.push(...r.done);
  into.errors.push(...r.errors);
  return into;
}

/**
 * Reports a batch (rm, cp, mv): the summary on stdout; each failed key on its own stderr
 * line and exit status 1 if any failed. With --json, one document with done and errors.
 */
export function reportBatch(
  out: Out,
  r: BatchResult,
  summary: string,
  failedVerb: string,
  data: Record<string, unknown> = {},
  /** The count when the keys done are not listed (a counted operation); `done` is then left out. */
  count?: number,
): void {
  const n = count ?? r.done.length;
  const done = count === undefined ? { done: r.done } : {};
  if (r.errors.length === 0) {
    out.print(summary, { ok: true, ...data, count: n, ...done, errors: [] });
    return;
  }
  const message = `${plural(r.errors.length)} could not be ${failedVerb}: ${firstError(r.errors)}`;
  if (out.json) {
    out.print('', {
      ok: false,
      ...data,
      count: n,
      ...done,
      errors: r.errors,
      error: { code: 'STORAGE', message },
    });
  } else {
    out.print(summary, null);
  }
  for (const e of r.errors) process.stderr.write(`cosdesk: ${e.key}: ${oneLine(e.message)}\n`);
  if (r.errors.length > 1 || out.json) process.stderr.write(`cosdesk: ${oneLine(message)}\n`);
  process.exitCode = 1;
}

function firstError(errors: KeyError[]): string {
  const e = errors[0];
  return `${e.key}: ${e.message}${errors.length > 1 ? ' (and more)' : ''}`;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}
