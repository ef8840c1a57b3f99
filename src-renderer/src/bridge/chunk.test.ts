import { describe, expect, it } from 'vitest';
import { chunkedCall, CHUNK_BYTES, onChunkProgress, splitItems, utf8Length } from './chunk';

describe('chunked calls', () => {
  it('splits by count and by bytes, keeping order', () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
    const runs = splitItems(keys, 1000);
    expect(runs.map((r) => r.length)).toEqual([1000, 1000, 500]);
    expect(runs.flat()).toEqual(keys);
    const long = Array.from({ length: 100 }, (_, i) => `${'文'.repeat(3000)}${i}`);
    const byBytes = splitItems(long, 1000);
    expect(byBytes.length).toBeGreaterThan(1);
    for (const r of byBytes) expect(utf8Length(JSON.stringify(r))).toBeLessThanOrEqual(CHUNK_BYTES + 100);
    expect(byBytes.flat()).toEqual(long);
  });

  it('sends a long delete in pieces, merges the answers and reports progress', async () => {
    const keys = Array.from({ length: 2345 }, (_, i) => `a/${i}`);
    const sent: number[] = [];
    const seen: number[] = [];
    const stop = onChunkProgress((p) => seen.push(p.done));
    const r = (await chunkedCall('storage.deleteObjects', { bucket: 'b', keys }, async (req) => {
      const k = (req as { keys: string[] }).keys;
      sent.push(k.length);
      return { done: k.filter((x) => x !== 'a/7'), errors: k.includes('a/7') ? [{ key: 'a/7' }] : [] };
    })) as { done: string[]; errors: unknown[] };
    stop();
    expect(sent).toEqual([1000, 1000, 345]);
    expect(seen).toEqual([1000, 2000, 2345]);
    expect(r.done).toHaveLength(2344);
    expect(r.errors).toEqual([{ key: 'a/7' }]);
  });

  it('sums affected counts, and leaves short or list-less calls alone', async () => {
    const ids = Array.from({ length: 12_000 }, (_, i) => `job-${i}`);
    const calls: unknown[] = [];
    const r = await chunkedCall('transfers.cancel', { ids }, async (req) => {
      calls.push(req);
      return { affected: (req as { ids: string[] }).ids.length };
    });
    expect(r).toEqual({ affected: 12_000 });
    expect(calls).toHaveLength(3);
    const all = await chunkedCall('transfers.cancel', {}, async (req) => (calls.push(req), { affected: 5 }));
    expect(all).toEqual({ affected: 5 });
    expect(calls.at(-1)).toEqual({});
  });
});
