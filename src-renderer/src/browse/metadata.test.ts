import { describe, expect, it } from 'vitest';
import type { ObjectProperties } from '../../../src-shared/contract';
import { draftOf, draftProblem, patchOf } from './metadata';

const before: ObjectProperties = {
  key: 'a.txt',
  size: 1,
  contentType: 'text/plain',
  cacheControl: 'no-cache',
  metadata: { owner: 'ana', note: 'keep' },
};

describe('metadata editor rules', () => {
  it('sends only what changed: set, replaced and removed names, cleared headers', () => {
    const d = draftOf(before);
    d.cacheControl = '';
    d.contentDisposition = 'attachment';
    d.meta = [
      { name: 'owner', value: 'ana' },
      { name: 'Project', value: 'x' },
    ];
    expect(patchOf(before, d)).toEqual({
      cacheControl: null,
      contentDisposition: 'attachment',
      setMeta: { project: 'x' },
      removeMeta: ['note'],
    });
    expect(patchOf(before, draftOf(before))).toEqual({});
  });

  it('refuses bad names, duplicates, non-ASCII values, over 2 KB and a malformed Content-Type', () => {
    const d = draftOf(before);
    expect(draftProblem(d)).toBeUndefined();
    expect(draftProblem({ ...d, meta: [{ name: 'has space', value: '1' }] })).toMatchObject({
      kind: 'badName',
    });
    expect(
      draftProblem({
        ...d,
        meta: [
          { name: 'a', value: '1' },
          { name: 'A', value: '2' },
        ],
      }),
    ).toMatchObject({ kind: 'duplicate' });
    expect(draftProblem({ ...d, meta: [{ name: 'a', value: '雪' }] })).toMatchObject({ kind: 'badValue' });
    expect(draftProblem({ ...d, meta: [{ name: 'a', value: 'x'.repeat(2048) }] })).toMatchObject({
      kind: 'tooBig',
      bytes: 2049,
    });
    expect(draftProblem({ ...d, contentType: 'plain' })).toMatchObject({ kind: 'contentType' });
  });
});
