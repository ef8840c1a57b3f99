import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationsService } from '../../../src-main/operations/service';
import { StorageClient } from '../../../src-main/storage/client';
import { StorageService } from '../../../src-main/storage/service';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { rgwEnv, s3Account, uniqueBucket } from '../storage/helpers';
import { dropBucket } from '../storage/stack';

// A move deletes a source only when, right before the delete, the copy checks out and the
// source is still what was copied. RGW behind a proxy that holds the answer of the copy's
// check for a few seconds; meanwhile someone overwrites the source straight on RGW.
const env = rgwEnv();
const BUCKET = uniqueBucket('s3');
const admin = new StorageClient(s3Account(env.endpoint, env.ak, env.sk));
let proxy: FaultProxy;
let storage: StorageService;

async function put(key: string, body: string) {
  await (await admin.request({ method: 'PUT', bucket: BUCKET, key, body })).body.dump();
}
async function read(key: string): Promise<string> {
  return (await admin.request({ method: 'GET', bucket: BUCKET, key })).body.text();
}

beforeAll(async () => {
  await (await admin.request({ method: 'PUT', bucket: BUCKET })).body.dump();
  proxy = await startFaultProxy(env.endpoint);
  storage = new StorageService({ resolveAccount: async () => s3Account(proxy.url, env.ak, env.sk) });
});
afterAll(async () => {
  await storage?.close();
  await proxy?.close();
  await dropBucket(env.endpoint, env.ak, env.sk, BUCKET);
  await admin.close();
});

describe('a move never loses a source that changed after it was copied', () => {
  it('keeps the changed original (and says so), deletes the unchanged one', async () => {
    await put('src/changed.txt', 'old');
    await put('src/same.txt', 'same');
    // The check of the copy of changed.txt is held 5 s: time for the overwrite below.
    proxy.add({ kind: 'stall', method: 'HEAD', path: /\/moved\/src\/changed\.txt$/, seconds: 5 });
    const ops = new OperationsService({ storage });
    const running = ops.run({
      kind: 'move',
      source: { accountId: 'a', bucket: BUCKET },
      keys: ['src/'],
      target: { accountId: 'a', bucket: BUCKET, prefix: 'moved/' },
      conflict: 'overwrite',
    });
    for (
      let i = 0;
      i < 400 && !proxy.seen.some((r) => r.method === 'HEAD' && r.url.endsWith('/moved/src/changed.txt'));
      i++
    )
      await new Promise((r) => setTimeout(r, 25));
    await put('src/changed.txt', 'new');
    const v = await running;
    expect(v).toMatchObject({ state: 'done', done: 1, failed: 1 });
    expect(v.errors[0]).toMatchObject({ key: 'src/changed.txt' });
    expect(v.errors[0].message).toMatch(/changed after it was copied, so it was not deleted/);
    expect(await read('src/changed.txt')).toBe('new');
    expect(await read('moved/src/changed.txt')).toBe('old');
    expect(await read('moved/src/same.txt')).toBe('same');
    const gone = await admin.request({ method: 'HEAD', bucket: BUCKET, key: 'src/same.txt' }).then(
      () => 'there',
      () => 'gone',
    );
    expect(gone).toBe('gone');
  }, 60_000);
});
