import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProxy } from 'proxy';
import socks5 from 'simple-socks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMain, type Main } from '../../../src-main/services';
import { silentLogger } from '../../../src-main/log';
import { createInProcessBridge } from '../../../src-main/ipc/in-process';
import { rgwEnv } from '../storage/helpers';

// The proxy setting against real proxies on loopback: `proxy` (HTTP CONNECT, Basic auth) and
// `simple-socks` (SOCKS5, username/password), in front of the shared RGW.
const USER = 'cosdesk';
const PASS = `pw-${crypto.randomUUID()}`;
const rgw = rgwEnv();
const rgwHostPort = new URL(rgw.endpoint).host;

interface Seen {
  connects: string[];
}

async function httpProxy(): Promise<{ server: Server; port: number; seen: Seen }> {
  const seen: Seen = { connects: [] };
  const server = createProxy(createServer());
  server.authenticate = (req) => {
    const want = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
    return req.headers['proxy-authorization'] === want;
  };
  server.on('connect', (req) => seen.connects.push(String(req.url)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

async function socksProxy(): Promise<{ server: NetServer; port: number; seen: Seen }> {
  const seen: Seen = { connects: [] };
  const server = socks5.createServer({
    authenticate: (u, p, _s, cb) => (u === USER && p === PASS ? cb() : cb(new Error('bad credentials'))),
  });
  server.on('proxyConnect', (info: { address: string; port: number }) =>
    seen.connects.push(`${info.address}:${info.port}`),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function keychainLookup(id: string): string | undefined {
  const r = spawnSync('secret-tool', ['lookup', 'service', 'cosdesk', 'account', id], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

async function open(dataDir: string) {
  const main = await createMain({ mode: 'test', log: silentLogger, dataDir });
  return { main, bridge: createInProcessBridge(main.router, main.hub) };
}

async function addRgwAccount(main: Main) {
  const view = await main.services.accounts.add({
    fields: {
      kind: 's3',
      name: 'RGW through a proxy',
      endpoint: rgw.endpoint,
      region: 'us-east-1',
      accessKeyId: rgw.ak,
      pathStyle: true,
    },
    secret: await main.sealer.seal({ secretKey: rgw.sk }),
  });
  return view.id;
}

/** Upload a small file and download it again, through whatever route the settings say. */
async function roundTrip(main: Main, accountId: string, bucket: string, dir: string): Promise<string> {
  const src = join(dir, 'hello.txt');
  const body = `through the proxy ${crypto.randomUUID()}\n`;
  writeFileSync(src, body);
  await main.services.transfers.upload({
    accountId,
    bucket,
    paths: [src],
    prefix: '',
    onConflict: 'overwrite',
    symlinks: 'skip',
  });
  await main.transfers.start();
  // The service's idle waits for the upload's walk to queue its job, then for the engine.
  await main.transfers.idle();
  const out = mkdtempSync(join(tmpdir(), 'cosdesk-proxy-dl-'));
  await main.services.transfers.download({
    accountId,
    bucket,
    keys: ['hello.txt'],
    prefix: '',
    localDir: out,
    onConflict: 'overwrite',
  });
  await main.transfers.idle();
  const { jobs } = await main.services.transfers.list({ offset: 0, limit: 10, filter: 'all' });
  expect(
    jobs.every((j) => j.state === 'done'),
    JSON.stringify(jobs),
  ).toBe(true);
  expect(readFileSync(join(out, 'hello.txt'), 'utf8')).toBe(body);
  return body;
}

describe('proxy setting: every request of main goes through the chosen proxy', () => {
  let hp: Awaited<ReturnType<typeof httpProxy>>;
  let sp: Awaited<ReturnType<typeof socksProxy>>;
  const bucket = `proxy-${Date.now().toString(36)}`;

  beforeAll(async () => {
    hp = await httpProxy();
    sp = await socksProxy();
  });
  afterAll(async () => {
    hp.server.close();
    sp.server.close();
  });

  it('HTTP proxy with a password from the keychain: lists, uploads and downloads through it, and survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cosdesk-proxy-'));
    let { main, bridge } = await open(dataDir);
    const accountId = await addRgwAccount(main);
    const view = await bridge.settings.set({
      proxy: {
        mode: 'http',
        host: '127.0.0.1',
        port: hp.port,
        username: USER,
        password: await main.sealer.seal({ secretKey: PASS }),
      },
    });
    expect(view.proxy).toEqual({
      mode: 'http',
      host: '127.0.0.1',
      port: hp.port,
      username: USER,
      hasPassword: true,
    });
    expect(JSON.stringify(view)).not.toContain(PASS);
    // The password sits in the OS keychain, never in the settings file.
    expect(JSON.parse(keychainLookup('settings.proxy') ?? 'null')).toEqual({ secretKey: PASS });
    expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).not.toContain(PASS);

    const before = hp.seen.connects.length;
    await bridge.storage.createBucket({ accountId, bucket });
    expect((await bridge.storage.listBuckets({ accountId })).map((b) => b.name)).toContain(bucket);
    await roundTrip(main, accountId, bucket, dataDir);
    expect(hp.seen.connects.length).toBeGreaterThan(before);
    expect(new Set(hp.seen.connects.slice(before))).toEqual(new Set([rgwHostPort]));

    // Requests made outside the storage client (the sharing service's link check) go through it too.
    const k = hp.seen.connects.length;
    const link = await bridge.sharing.checkLink({ url: `${rgw.endpoint}/${bucket}/hello.txt` });
    expect(link.status).toBe(403);
    expect(hp.seen.connects.length).toBe(k + 1);

    // A new main on the same data folder: the setting and the keychain password are still there.
    await main.close();
    ({ main, bridge } = await open(dataDir));
    const again = await bridge.settings.get({});
    expect(again.proxy).toMatchObject({ mode: 'http', port: hp.port, username: USER, hasPassword: true });
    const n = hp.seen.connects.length;
    expect((await bridge.storage.listBuckets({ accountId })).map((b) => b.name)).toContain(bucket);
    expect(hp.seen.connects.length).toBeGreaterThan(n);

    // A wrong password: the request fails, saying so.
    await bridge.settings.set({ proxy: { password: await main.sealer.seal({ secretKey: 'wrong' }) } });
    await expect(bridge.storage.listBuckets({ accountId })).rejects.toThrow(
      /proxy .* refused the credentials/i,
    );

    // No proxy: applied to the next request without a restart; the proxy sees nothing.
    await bridge.settings.set({ proxy: { mode: 'none', password: null } });
    const m = hp.seen.connects.length;
    expect((await bridge.storage.listBuckets({ accountId })).map((b) => b.name)).toContain(bucket);
    expect(hp.seen.connects.length).toBe(m);
    expect(keychainLookup('settings.proxy')).toBeUndefined();
    await main.close();
  });

  it('SOCKS5 proxy with username and password: lists and transfers through it; a wrong password and a proxy that is down fail clearly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cosdesk-socks-'));
    const { main, bridge } = await open(dataDir);
    const accountId = await addRgwAccount(main);
    await bridge.settings.set({
      proxy: {
        mode: 'socks5',
        host: '127.0.0.1',
        port: sp.port,
        username: USER,
        password: await main.sealer.seal({ secretKey: PASS }),
      },
    });
    const before = sp.seen.connects.length;
    expect((await bridge.storage.listBuckets({ accountId })).map((b) => b.name)).toContain(bucket);
    await roundTrip(main, accountId, bucket, dataDir);
    expect(sp.seen.connects.length).toBeGreaterThan(before);
    expect(new Set(sp.seen.connects.slice(before))).toEqual(new Set([rgwHostPort]));

    await bridge.settings.set({ proxy: { password: await main.sealer.seal({ secretKey: 'wrong' }) } });
    await expect(bridge.storage.listBuckets({ accountId })).rejects.toThrow(
      /proxy .* refused the credentials/i,
    );

    // A proxy that is not running.
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    await bridge.settings.set({ proxy: { port: deadPort, password: null } });
    await expect(bridge.storage.listBuckets({ accountId })).rejects.toThrow(
      new RegExp(`Cannot reach the SOCKS5 proxy 127.0.0.1:${deadPort}`),
    );
    await bridge.settings.set({ proxy: { mode: 'http' } });
    await expect(bridge.storage.listBuckets({ accountId })).rejects.toThrow(
      new RegExp(`Cannot reach the HTTP proxy 127.0.0.1:${deadPort}`),
    );
    await bridge.settings.set({ proxy: { mode: 'none' } });
    await bridge.storage.deleteObjects({ accountId, bucket, keys: ['hello.txt'] }).catch(() => undefined);
    await bridge.storage.deleteBucket({ accountId, bucket }).catch(() => undefined);
    await main.close();
  });
});
