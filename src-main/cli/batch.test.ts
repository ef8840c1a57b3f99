import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportBatch } from './batch';
import type { Out } from './output';

function fakeOut(json: boolean) {
  const printed: { text: string; data: unknown }[] = [];
  const out: Out = { json, print: (text, data) => printed.push({ text, data }), write: () => undefined };
  return { out, printed };
}

describe('reportBatch', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('prints the summary and exits 0 when every key succeeded', () => {
    const { out, printed } = fakeOut(false);
    reportBatch(out, { done: ['a', 'b'], errors: [] }, 'Deleted 2 objects.', 'deleted');
    expect(printed).toEqual([
      { text: 'Deleted 2 objects.', data: expect.objectContaining({ ok: true, count: 2 }) },
    ]);
    expect(process.exitCode).toBeUndefined();
  });

  it('reports each failed key on stderr and sets exit status 1', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { out, printed } = fakeOut(false);
    const errors = [
      { key: 'x', code: 'AccessDenied', message: 'Access denied.' },
      { key: 'y z', code: 'InternalError', message: 'Server\nerror.' },
    ];
    reportBatch(out, { done: ['a'], errors }, 'Deleted 1 object.', 'deleted');
    expect(printed[0].text).toBe('Deleted 1 object.');
    expect(err.mock.calls.map((c) => c[0])).toEqual([
      'cosdesk: x: Access denied.\n',
      'cosdesk: y z: Server error.\n',
      'cosdesk: 2 objects could not be deleted: x: Access denied. (and more)\n',
    ]);
    expect(process.exitCode).toBe(1);
  });

  it('puts done and errors in one JSON document with ok: false', () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { out, printed } = fakeOut(true);
    reportBatch(out, { done: [], errors: [{ key: 'k', code: 'X', message: 'm' }] }, '', 'copied', {
      bucket: 'b',
    });
    expect(printed[0].data).toMatchObject({
      ok: false,
      bucket: 'b',
      count: 0,
      errors: [{ key: 'k' }],
      error: { code: 'STORAGE', message: '1 object could not be copied: k: m' },
    });
    expect(process.exitCode).toBe(1);
  });
});
