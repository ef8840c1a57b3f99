import { AppError, errorKindOf } from '../../src-shared/errors';

export interface Out {
  json: boolean;
  print(humanText: string, data: unknown): void;
  /** Human output only, written as it comes (listings stream page by page); a no-op with --json. */
  write(humanText: string): void;
}

export function makeOut(json: boolean): Out {
  return {
    json,
    print(humanText, data) {
      process.stdout.write(
        json ? JSON.stringify(data, null, 2) + '\n' : humanText.endsWith('\n') ? humanText : humanText + '\n',
      );
    },
    write(humanText) {
      if (!json && humanText) process.stdout.write(humanText.endsWith('\n') ? humanText : humanText + '\n');
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
  const kind = errorKindOf(e);
  const storageCode = typeof e.details?.storageCode === 'string' ? e.details.storageCode : undefined;
  if (json)
    process.stdout.write(
      JSON.stringify({
        ok: false,
        error: { code: e.code, message: line, ...(kind ? { kind, storageCode } : {}) },
      }) + '\n',
    );
  process.stderr.write(`cosdesk: ${line}\n`);
  process.exit(e.code === 'VALIDATION' ? 2 : 1);
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** 1536 -> "1.5 KiB"; whole bytes below 1 KiB. */
export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  if (u === 0) return `${bytes} B`;
  return `${n >= 100 ? Math.round(n) : n.toFixed(1).replace(/\.0$/, '')} ${units[u]}`;
}

/** An ISO date as local time, `YYYY-MM-DD HH:MM:SS`; the input unchanged if it is not a date. */
export function localTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
