/**
 * The hash pool's workers start with the first job that hashes in them, not when the engine
 * opens: a `cp` of a small file boots no worker isolate (its MD5 is taken on the main thread),
 * and a job of 1 MiB or more still gets every worker, started as it begins. Against a loopback
 * server that stores what it is sent and answers with its MD5, as S3 does.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StorageClient } from '../../../src-main/storage/client';
import { TransferEngine } from '../../../src-main/transfers/engine';
import { hashPool } from '../../../src-main/transfers/workers/pool';
import { fakeServer, s3Account, type FakeServer } from '../storage/helpers';
import { MiB, randomFile } from './harness';

let server: FakeServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosdesk-pool-warm-'));
  server = await fakeServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'HEAD') {
        res.statusCode = 404;
        return res.end();
      }
      res.setHeader('etag', `"${createHash('md5').update(Buffer.concat(chunks)).digest('hex')}"`);
      res.end();
    });
  });
});

afterAll(async () => {
  await server.close();
  await hashPool().close();
});

it('opens without workers, uploads a small file without one, and warms the pool for a big one', async () => {
  const client = new StorageClient(s3Account(server.url, 'AKIDwarm', 'secret'), { maxAttempts: 1 });
  const engine = await TransferEngine.open({
    dir: await mkdtemp(join(dir, 'data-')),
    clientFor: async () => client,
    autoRetries: 0,
  });
  const upload = async (name: string, size: number) => {
    const path = join(dir, name);
    await randomFile(path, size);
    const st = await stat(path);
    await engine.add([
      {
        kind: 'upload',
        accountId: 'a',
        bucket: 'b',
        key: name,
        localPath: path,
        size: st.size,
        mtimeMs: st.mtimeMs,
        onConflict: 'overwrite',
      },
    ]);
    await engine.idle();
  };
  try {
    expect(hashPool().workers()).toHaveLength(0);

    await upload('small.bin', 4096);
    expect(engine.list(0, 10).jobs.map((j) => [j.key, j.state])).toEqual([['small.bin', 'done']]);
    expect(hashPool().workers()).toHaveLength(0);

    await upload('big.bin', 2 * MiB);
    const states = Object.fromEntries(engine.list(0, 10).jobs.map((j) => [j.key, j.state]));
    expect(states['big.bin']).toBe('done');
    expect(hashPool().workers()).toHaveLength(hashPool().size);
  } finally {
    await engine.close();
    await client.close();
  }
});
