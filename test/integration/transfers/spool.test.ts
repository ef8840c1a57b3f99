import { mkdirSync, writeFileSync } from 'node:fs';
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObject } from '../../../src-main/storage/ops/objects';
import { TransfersService } from '../../../src-main/transfers/service';
import { transferStack, type TransferStack } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Web mode spools the page's bytes to disk before queueing them: those copies of the user's
// files live in a private folder, readable by the user only, under names nobody can guess.
describe('web-mode spool files', () => {
  let s: TransferStack;
  const services: TransfersService[] = [];
  beforeAll(async () => {
    s = await transferStack('s3');
  });
  afterAll(async () => {
    for (const x of services) await x.close().catch(() => undefined);
    await s?.close();
  });

  const service = (dataDir: string) => {
    const svc = new TransfersService({ dataDir, resolveAccount: async () => s.account });
    services.push(svc);
    return svc;
  };
  const body = async (key: string) => (await getObject(s.client, { bucket: s.bucket }, key)).body.text();
  const upload = (svc: TransfersService, prefix: string, files: Array<[string, number]>) =>
    svc.webUpload({
      accountId: 'x',
      bucket: s.bucket,
      prefix,
      files: files.map(([relativePath, size]) => ({ relativePath, size })),
      onConflict: 'overwrite',
    });
  /** The spool's names once the first copy has appeared there (10 s at most). */
  const spooled = async (spool: string) => {
    let names: string[] = [];
    for (let i = 0; i < 400 && names.length === 0; i++) {
      names = await readdir(spool).catch(() => []);
      if (names.length === 0) await sleep(25);
    }
    return names;
  };

  it('are 0600 in a 0700 folder, unguessably named, exactly as long as announced, and removed after use', async () => {
    const dataDir = join(s.dir, 'web1');
    const spool = join(dataDir, 'transfers', 'spool');
    const svc = service(dataDir);
    await svc.start();
    expect((await stat(spool)).mode & 0o777).toBe(0o700);
    const { token } = await upload(svc, 'web', [
      ['a.txt', 10],
      ['b.txt', 3],
    ]);

    const pipe = new PassThrough();
    const received = svc.receive(token, 0, pipe);
    pipe.write('hello');
    const names = await spooled(spool);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(names[0]).not.toContain(token);
    expect((await stat(join(spool, names[0]))).mode & 0o777).toBe(0o600);
    pipe.end('world');
    await received;

    // More bytes than announced: refused, nothing left behind, and the slot can be sent again.
    await expect(svc.receive(token, 1, Readable.from([Buffer.from('too long')]))).rejects.toThrow(
      /more bytes than the 3 it announced/,
    );
    await svc.receive(token, 1, Readable.from([Buffer.from('abc')]));
    await svc.idle();
    const e = await svc.engine();
    expect(e.list(0, 10).jobs.map((j) => j.state)).toEqual(['done', 'done']);
    expect(await body('web/a.txt')).toBe('helloworld');
    expect(await body('web/b.txt')).toBe('abc');
    expect(await readdir(spool)).toEqual([]);
  });

  it('sent side by side: a file still arriving when the last one is queued is queued too', async () => {
    const svc = service(join(s.dir, 'web3'));
    const { token } = await upload(svc, 'side', [
      ['long.txt', 8],
      ['short.txt', 5],
    ]);
    const long = new PassThrough();
    const longDone = svc.receive(token, 0, long);
    long.write('long');
    expect(await spooled(join(s.dir, 'web3', 'transfers', 'spool'))).toHaveLength(1);
    // Every slot is taken now; this one is queued before long.txt has all its bytes.
    await svc.receive(token, 1, Readable.from([Buffer.from('short')]));
    long.end('text');
    await longDone;
    await svc.idle();
    expect((await svc.engine()).list(0, 10).jobs.map((j) => [j.key, j.state])).toEqual([
      ['side/short.txt', 'done'],
      ['side/long.txt', 'done'],
    ]);
    expect(await body('side/long.txt')).toBe('longtext');
  });

  it('left by a crashed run: stray copies removed at start, copies of queued jobs kept and uploaded', async () => {
    const dataDir = join(s.dir, 'web2');
    const spool = join(dataDir, 'transfers', 'spool');
    // The first run crawls (1 byte/s) and stops before its upload is done: the job stays queued.
    const crashed = service(dataDir);
    (await crashed.engine()).setLimits({ uploadBps: 1, downloadBps: 0 });
    const { token } = await upload(crashed, 'crash', [['kept.txt', 4]]);
    await crashed.receive(token, 0, Readable.from([Buffer.from('kept')]));
    await crashed.close();
    // What a run that died mid-receive leaves: a partial copy no job reads, in a folder made loose.
    writeFileSync(join(spool, 'partial-from-a-crash'), 'half');
    mkdirSync(join(spool, 'odd-folder'));
    await chmod(spool, 0o755);
    expect(await readdir(spool)).toHaveLength(3);

    const next = service(dataDir);
    await next.start();
    expect((await stat(spool)).mode & 0o777).toBe(0o700);
    const left = await readdir(spool);
    expect(left).not.toContain('partial-from-a-crash');
    expect(left).not.toContain('odd-folder');
    await next.idle();
    expect(await body('crash/kept.txt')).toBe('kept');
    expect(await readdir(spool)).toEqual([]);
  });
});
