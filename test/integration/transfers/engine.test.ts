import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../storage/helpers';
import {
  downloadOf,
  uploadOf,
  MiB,
  randomFile,
  sha256File,
  transferStack,
  type TransferStack,
} from './harness';

describe.each(DIALECTS)('transfer engine (%s)', (dialect) => {
  let s: TransferStack;
  beforeAll(async () => {
    s = await transferStack(dialect, { proxy: true });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('uploads and downloads a multipart file byte-identical, verified end to end', async () => {
    const src = join(s.dir, 'big.bin');
    await randomFile(src, 37 * MiB + 123, 7);
    const e = await s.engine();
    const st = await stat(src);
    await e.add([uploadOf(s, src, st, 'm/big.bin')]);
    await e.idle();
    expect(e.list(0, 10).jobs[0]).toMatchObject({ state: 'done', transferred: st.size });
    expect(s.proxy!.stats.partPuts).toBe(5);
    const dst = join(s.dir, 'out', 'big.bin');
    await e.add([downloadOf(s, 'm/big.bin', dst)]);
    await e.idle();
    expect(e.list(0, 10).jobs[1].state).toBe('done');
    expect(await sha256File(dst)).toBe(await sha256File(src));
    expect(await s.pendingUploads()).toEqual([]);
  });

  it('detects a part damaged in flight, sends it again, and the object is right', async () => {
    const src = join(s.dir, 'dmg.bin');
    await randomFile(src, 20 * MiB, 9);
    const st = await stat(src);
    s.proxy!.stats.partPuts = 0;
    s.proxy!.stats.corrupt = 1;
    s.proxy!.stats.corruptWhen = (url) => /partNumber=2\b/.test(url);
    const e = await s.engine({ dir: join(s.dir, 'data-dmg') });
    await e.add([uploadOf(s, src, st, 'dmg.bin')]);
    await e.idle();
    expect(e.list(0, 1).jobs[0].state).toBe('done');
    expect(s.proxy!.stats.corrupted).toBe(1);
    expect(s.proxy!.stats.partPuts).toBe(4); // 3 parts, part 2 twice
    const dst = join(s.dir, 'dmg-out.bin');
    await e.add([downloadOf(s, 'dmg.bin', dst)]);
    await e.idle();
    expect(await sha256File(dst)).toBe(await sha256File(src));
  });

  it('parts sent from reused buffers: a refused part resent from its buffer, a damaged one read again', async () => {
    // 7 parts of 5 MiB, one request at a time: at most 1 + 4 (hashed ahead) buffers, so parts
    // 6 and 7 are read into buffers that parts before them were sent from.
    const src = join(s.dir, 'reuse.bin');
    await randomFile(src, 31 * MiB + 5, 13);
    const st = await stat(src);
    const stats = s.proxy!.stats;
    stats.partPuts = 0;
    stats.answered = 0;
    stats.corrupted = 0;
    stats.corrupt = 1;
    stats.corruptWhen = (url) => /partNumber=6\b/.test(url);
    let refused = 0;
    // The first PUT of part 3 is answered 500 while its body is on the way: the HTTP layer sends
    // it again, from the same buffer.
    stats.respond = (m, url) =>
      m === 'PUT' && /partNumber=3\b/.test(url) && refused++ === 0
        ? { status: 500, body: '<Error><Code>InternalError</Code><Message>try again</Message></Error>' }
        : undefined;
    try {
      const e = await s.engine({ dir: join(s.dir, 'data-reuse'), partSize: 5 * MiB, concurrency: 1 });
      await e.add([uploadOf(s, src, st, 'reuse.bin')]);
      await e.idle();
      expect(e.list(0, 1).jobs[0]).toMatchObject({ state: 'done', transferred: st.size });
    } finally {
      stats.respond = undefined;
    }
    expect(stats.answered).toBe(1);
    expect(stats.corrupted).toBe(1);
    expect(stats.partPuts).toBe(8); // 7 parts, part 6 twice (part 3's refused PUT was answered here)
    const dst = join(s.dir, 'reuse-out.bin');
    const e2 = await s.engine({ dir: join(s.dir, 'data-reuse2') });
    await e2.add([downloadOf(s, 'reuse.bin', dst)]);
    await e2.idle();
    expect(e2.list(0, 1).jobs[0].state).toBe('done');
    expect(await sha256File(dst)).toBe(await sha256File(src));
  });

  it('a damaged single PUT is sent again too', async () => {
    const src = join(s.dir, 'small-dmg.bin');
    await randomFile(src, 300 * 1024, 3);
    const st = await stat(src);
    s.proxy!.stats.corrupt = 1;
    s.proxy!.stats.corrupted = 0;
    s.proxy!.stats.corruptWhen = () => true;
    const e = await s.engine({ dir: join(s.dir, 'data-dmg2') });
    await e.add([uploadOf(s, src, st, 'small-dmg.bin')]);
    await e.idle();
    expect(e.list(0, 1).jobs[0]).toMatchObject({ state: 'done' });
    expect(s.proxy!.stats.corrupted).toBe(1);
    const got = await readFile(join(s.dir, 'small-dmg.bin'));
    const back = Buffer.from(
      await (
        await s.client.request({ method: 'GET', bucket: s.bucket, key: 'small-dmg.bin' })
      ).body.arrayBuffer(),
    );
    expect(back.equals(got)).toBe(true);
  });

  it('keys with ../, absolute keys and Windows-illegal names stay inside the target folder', async () => {
    const keys = ['../escape.txt', 'a/../../b.txt', '/abs/c.txt', 'd/./e:f?.txt', 'CON', 'x/..', 'trail. '];
    for (const key of keys) {
      await (await s.client.request({ method: 'PUT', bucket: s.bucket, key, body: key })).body.dump();
    }
    const root = join(s.dir, 'sandbox');
    const target = join(root, 'target');
    await mkdir(target, { recursive: true });
    const { TransfersService } = await import('../../../src-main/transfers/service');
    const svc = new TransfersService({ dataDir: join(s.dir, 'svc'), resolveAccount: async () => s.account });
    await svc.download({
      accountId: 'x',
      bucket: s.bucket,
      keys,
      prefix: '',
      localDir: target,
      onConflict: 'overwrite',
    });
    await svc.idle();
    const e = await svc.engine();
    const jobs = e.list(0, 100).jobs;
    expect(jobs.every((j) => j.state === 'done')).toBe(true);
    const all = await walk(root);
    for (const f of all) expect(relative(target, f).startsWith('..')).toBe(false);
    expect(all.map((f) => relative(target, f)).sort()).toEqual(
      ['escape.txt', 'a/b.txt', 'abs/c.txt', 'd/e_f_.txt', '_CON', 'trail__', 'x'].sort(),
    );
    await svc.close();
  });

  it('asks on a conflict, and the answer can apply to the rest of the batch', async () => {
    const local = join(s.dir, 'conf');
    await mkdir(local, { recursive: true });
    for (const n of ['1', '2', '3']) {
      await writeFile(join(local, `${n}.txt`), `new ${n}`);
      await (
        await s.client.request({ method: 'PUT', bucket: s.bucket, key: `conf/${n}.txt`, body: 'old' })
      ).body.dump();
    }
    const { TransfersService } = await import('../../../src-main/transfers/service');
    const svc = new TransfersService({ dataDir: join(s.dir, 'svc2'), resolveAccount: async () => s.account });
    await svc.upload({ accountId: 'x', bucket: s.bucket, paths: [local], prefix: '', onConflict: 'ask' });
    await svc.idle();
    const e = await svc.engine();
    expect(e.list(0, 10).jobs.map((j) => j.state)).toEqual(['conflict', 'conflict', 'conflict']);
    const [first] = e.list(0, 1).jobs;
    e.resolveConflict(first.id, 'rename', true);
    await svc.idle();
    expect(e.list(0, 10).jobs.map((j) => j.state)).toEqual(['done', 'done', 'done']);
    expect(
      e
        .list(0, 10)
        .jobs.map((j) => j.key)
        .sort(),
    ).toEqual(['conf/1 (1).txt', 'conf/2 (1).txt', 'conf/3 (1).txt']);
    await svc.close();
  });
});

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}
