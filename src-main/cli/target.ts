import { AppError } from '../../src-shared/errors';

export interface Target {
  dialect: 'cos' | 's3';
  bucket: string;
  key: string;
}

/** `cos://bucket/key` or `s3://bucket/key`; the key keeps every character after the bucket's slash. */
export function parseTarget(text: string): Target {
  const m = /^(cos|s3):\/\/([^/]*)(?:\/(.*))?$/s.exec(text);
  if (!m) {
    throw new AppError(
      'VALIDATION',
      `"${text}" is not a target: write cos://<bucket>/<key> or s3://<bucket>/<key>.`,
    );
  }
  return { dialect: m[1] as 'cos' | 's3', bucket: m[2], key: m[3] ?? '' };
}

export function isTarget(text: string): boolean {
  return /^(cos|s3):\/\//.test(text);
}
