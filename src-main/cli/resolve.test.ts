import { describe, expect, it } from 'vitest';
import { humanSize, localTime } from './output';
import { asFolder, baseName, destinationKey, inferDialect } from './resolve';
import { parseTarget } from './target';

describe('cli target helpers', () => {
  it('keeps keys literally after the bucket', () => {
    for (const key of ['ü ñ/文件.txt', 'a+b', '100%', '#x', 'what?', 'a//b', ' lead']) {
      expect(parseTarget(`s3://bkt/${key}`)).toEqual({ dialect: 's3', bucket: 'bkt', key });
    }
    expect(parseTarget('cos://b-1250000000')).toEqual({ dialect: 'cos', bucket: 'b-1250000000', key: '' });
  });

  it('names a folder with a trailing slash', () => {
    expect(asFolder('')).toBe('');
    expect(asFolder('a')).toBe('a/');
    expect(asFolder('a/')).toBe('a/');
    expect(baseName('a/b.txt')).toBe('b.txt');
    expect(baseName('a/b/')).toBe('b/');
    expect(baseName('top')).toBe('top');
  });

  it('puts a source into a folder destination, or renames it', () => {
    expect(destinationKey('a/b.txt', '')).toBe('b.txt');
    expect(destinationKey('a/b.txt', 'c/')).toBe('c/b.txt');
    expect(destinationKey('a/b.txt', 'c/d.txt')).toBe('c/d.txt');
    expect(destinationKey('a/b/', 'c/')).toBe('c/b/');
    expect(destinationKey('a/b/', 'c')).toBe('c/');
    expect(destinationKey('a/b/', '')).toBe('b/');
  });

  it('guesses the dialect from the endpoint when nothing names it', () => {
    expect(inferDialect({})).toBe('cos');
    expect(inferDialect({ endpoint: 'http://127.0.0.1:7480' })).toBe('s3');
    expect(inferDialect({ endpoint: 'https://{bucket}.cos.{region}.myqcloud.com' })).toBe('cos');
  });

  it('formats sizes and times for people', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1023)).toBe('1023 B');
    expect(humanSize(1024)).toBe('1 KiB');
    expect(humanSize(1536)).toBe('1.5 KiB');
    expect(humanSize(150 * 1024 * 1024)).toBe('150 MiB');
    expect(humanSize(5 * 1024 ** 4)).toBe('5 TiB');
    expect(localTime('not a date')).toBe('not a date');
    expect(localTime('2024-05-06T07:08:09.000Z')).toMatch(/^2024-05-0\d \d\d:\d\d:09$/);
  });
});
