import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../../src-main/operations/copy';
import { baseName } from '../../../src-main/operations/service';
import { describingHeaders, metadataProblem, patchHeaders } from '../../../src-main/storage/ops/objects';

describe('operations helpers', () => {
  it('keeps both with "name (n)" for files and folders', () => {
    expect(uniqueName('photo.jpg', new Set(['photo.jpg']))).toBe('photo (1).jpg');
    expect(uniqueName('photo.jpg', new Set(['photo.jpg', 'photo (1).jpg']))).toBe('photo (2).jpg');
    expect(uniqueName('docs/', new Set(['docs/']))).toBe('docs (1)/');
    expect(uniqueName('.env', new Set(['.env']))).toBe('.env (1)');
    expect(baseName('a/b/c.txt')).toBe('c.txt');
    expect(baseName('a/b/')).toBe('b/');
  });

  it('carries headers across dialects and patches them without losing the rest', () => {
    const h = describingHeaders(
      { 'content-type': 'text/x', 'cache-control': 'no-cache', 'x-amz-meta-a': '1', etag: '"e"' },
      'x-amz-',
      'x-cos-',
    );
    expect(h).toEqual({ 'content-type': 'text/x', 'cache-control': 'no-cache', 'x-cos-meta-a': '1' });
    expect(patchHeaders(h, { cacheControl: null, setMeta: { B: '2' }, removeMeta: ['a'] }, 'x-cos-')).toEqual(
      { 'content-type': 'text/x', 'x-cos-meta-b': '2' },
    );
    expect(metadataProblem({ ok: 'v' })).toBeUndefined();
    expect(metadataProblem({ 'bad name': 'v' })).toMatch(/rename it/);
    expect(metadataProblem({ a: 'x'.repeat(2048) })).toMatch(/2 KB/);
  });
});
