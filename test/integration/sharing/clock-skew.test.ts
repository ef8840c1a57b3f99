import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { EventHub } from '../../../src-main/ipc/events';
import { SharingService } from '../../../src-main/sharing/service';
import { StorageService } from '../../../src-main/storage/service';
import type { CosGateway } from '../../cos-gateway/server';
import { cosAccount, DIALECTS, rgwEnv, s3Account } from '../storage/helpers';
import { storageStack, type Stack } from '../storage/stack';
import { curl, makeBucket } from './helpers';

// Issue 10, Deliver 7: with this computer's clock far off, the app follows the server's clock
// (learned from its Date header): stat, download, upload and pre-signed links all work against
// servers that enforce a skew window (RGW checks SigV4 times; the COS gateway checks q-sign-time).
describe.each(DIALECTS)('a clock far off the server (%s)', (dialect) => {
  let s: Stack;
  let bucket: string;
  let gateway: CosGateway | undefined;
  const env = rgwEnv();
  const key = 'skew/hello.txt';
  const body = 'hello from the past';

  beforeAll(async () => {
    s = await storageStack(dialect);
    bucket = await makeBucket(s);
    await s.storage.putObject({ accountId: s.id, bucket, key }, body);
    gateway = s.gateway;
  });
  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  const account = (): ResolvedAccount =>
    gateway ? cosAccount(gateway.port, env.ak, env.sk) : s3Account(env.endpoint, env.ak, env.sk);

  /** Services whose every clock reads `offsetMs` off the real time; fresh, so the first call meets the skew. */
  function skewed(offsetMs: number) {
    const now = () => Date.now() + offsetMs;
    const a = { ...account(), id: 'skewed' } as ResolvedAccount;
    const storage = new StorageService({ resolveAccount: async () => a, clientOptions: { now } });
    const sharing = new SharingService({
      resolveAccount: async () => a,
      dataDir: mkdtempSync(join(tmpdir(), 'cosdesk-skew-')),
      hub: new EventHub(),
      clientOptions: { now },
      now,
    });
    const addr = { accountId: 'skewed', bucket, key };
    return { storage, sharing, addr, accountId: 'skewed' };
  }

  for (const [how, offsetMs] of [
    ['30 min behind', -30 * 60_000],
    ['30 min ahead', 30 * 60_000],
  ] as const) {
    it(`stat (HEAD) works with the clock ${how}`, async () => {
      const { storage, addr } = skewed(offsetMs);
      try {
        const props = await storage.headObject(addr);
        expect(props.size).toBe(body.length);
      } finally {
        await storage.close();
      }
    });

    it(`download (GET) works with the clock ${how}`, async () => {
      const { storage, addr } = skewed(offsetMs);
      try {
        expect(Buffer.from(await storage.getObjectBytes(addr)).toString()).toBe(body);
      } finally {
        await storage.close();
      }
    });

    it(`upload (PUT, 1 MiB) works with the clock ${how}`, async () => {
      const { storage, addr } = skewed(offsetMs);
      const big = Buffer.alloc(1024 * 1024, 0x5a);
      const upKey = `skew/up-${offsetMs > 0 ? 'ahead' : 'behind'}.bin`;
      try {
        await storage.putObject({ ...addr, key: upKey }, big);
        const back = await s.storage.getObjectBytes({ accountId: s.id, bucket, key: upKey });
        expect(Buffer.compare(Buffer.from(back), big)).toBe(0);
      } finally {
        await storage.close();
      }
    });
  }

  it('a link "valid 1 hour" made with the clock 2 hours behind counts from the server time', async () => {
    const offsetMs = -2 * 3600_000;
    const { sharing, accountId } = skewed(offsetMs);
    const r = await sharing.presign({
      accountId,
      bucket,
      keys: [key],
      method: 'GET',
      expiresSeconds: 3600,
      checkPublic: false,
      log: false,
    });
    const url = new URL(r.links[0].url);
    const realNowSec = Date.now() / 1000;
    const [start, end] = signedWindow(url, dialect);
    expect(Math.abs(start - realNowSec)).toBeLessThan(10);
    expect(Math.abs(end - (realNowSec + 3600))).toBeLessThan(10);
    // The page counts down in its own clock: one hour from what this computer reads now.
    expect(Math.abs(Date.parse(r.expiresAt) - (Date.now() + offsetMs + 3600_000))).toBeLessThan(10_000);
    expect(await curl(r.links[0].url)).toEqual({ status: 200, body });
  });

  for (const [how, offsetMs] of [
    ['30 min behind', -30 * 60_000],
    ['30 min ahead', 30 * 60_000],
  ] as const) {
    it(`download and upload links work with the clock ${how}`, async () => {
      const { sharing, accountId } = skewed(offsetMs);
      const get = await sharing.presign({
        accountId,
        bucket,
        keys: [key],
        method: 'GET',
        expiresSeconds: 600,
        checkPublic: false,
        log: false,
      });
      expect(await curl(get.links[0].url)).toEqual({ status: 200, body });
      const upKey = `skew/link-${offsetMs > 0 ? 'ahead' : 'behind'}.txt`;
      const put = await sharing.presign({
        accountId,
        bucket,
        keys: [upKey],
        method: 'PUT',
        expiresSeconds: 600,
        checkPublic: false,
        log: false,
      });
      expect((await curl(put.links[0].url, { method: 'PUT', body: 'via link' })).status).toBe(200);
      const back = await s.storage.getObjectBytes({ accountId: s.id, bucket, key: upKey });
      expect(Buffer.from(back).toString()).toBe('via link');
    });
  }
});

/** The [start, end] Unix seconds a link's signature covers. */
function signedWindow(url: URL, dialect: string): [number, number] {
  if (dialect === 'cos') {
    const [a, b] = (url.searchParams.get('q-key-time') ?? '').split(';').map(Number);
    return [a + 1, b];
  }
  const d = url.searchParams.get('X-Amz-Date') ?? '';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(d);
  if (!m) throw new Error(`no X-Amz-Date in ${url.href}`);
  const start = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  return [start, start + Number(url.searchParams.get('X-Amz-Expires'))];
}
