import { AppError } from '../../src-shared/errors';

export interface Out {
  json: boolean;
  print(humanText: string, data: unknown): void;
}

export function makeOut(json: boolean): Out {
  return {
    json,
    print(humanText, data) {
      process.stdout.write(json ? JSON.stringify(data, null, 2) + '\n' : humanText.endsWith('\n') ? humanText : humanText + '\n');
    },
  };
}

/** A command failed: one line on stderr (or a JSON error on stdout), and a non-zero exit. */
export function failAndExit(err: unknown, json: boolean): never {
  const e =
    err instanceof AppError
      ? err
      : new AppError('INTERNAL', err instanceof Error ? err.message : String(err));
  const line = e.message.replace(/\s*\n\s*/g, ' ');
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: { code: e.code, message: line } }) + '\n');
  process.stderr.write(`cosdesk: ${line}\n`);
  process.exit(e.code === 'VALIDATION' ? 2 : 1);
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}
