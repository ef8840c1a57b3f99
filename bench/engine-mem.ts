// Dev probe (h5): engine memory with a 100,000-job download queue, through the services as
// bench/ui-scale.ts's queue part does (Download of a folder). The dev RGW has no cosdesk-e2e-big
// (seeding 100,000 keys takes minutes), so the folder is served by a loopback server of this
// probe: ListObjects V1 pages made on the fly and 1,000-byte objects (GET/HEAD) with a true MD5
// ETag, so downloads verify. PROBE_RGW=1 lists big/ in cosdesk-e2e-big on the dev RGW instead.
//   node --expose-gc --import tsx bench/engine-mem.ts   (PROBE_RGW=1: the dev RGW env sourced)
// PROBE_JOBS (default 100000) stops waiting once that many are queued; PROBE_PREFIX (big/);
// PROBE_RUN_S (0): then let the queue run that long and report the RSS peak;
// PROBE_CONCURRENCY (0: engine default) caps the requests in flight while queueing
// (1: nearly nothing runs, so the figure is the queue's); PROBE_SNAPSHOT=file.heapsnapshot
// writes a heap snapshot after the queue is in. PROBE_GIB=1: one 1 GiB download instead
// (loopback object, 1 MiB pattern repeated, true MD5 ETag), RSS peak and CPU while it runs.
// PROBE_PHASES=cancel,close (h13): the steps after the queue is in, measured one by one (runPhases).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { createInProcessBridge } from '../src-main/ipc/in-process';
import { createMain } from '../src-main/services';
import type { ResolvedAccount } from '../src-main/accounts/types';

const want = Number(process.env.PROBE_JOBS ?? 100_000);
const prefix = process.env.PROBE_PREFIX ?? 'big/';
const rgw = process.env.PROBE_RGW === '1';
const BODY = Buffer.alloc(1000, 'x');
const ETAG = createHash('md5').update(BODY).digest('hex');
const GIB = 2 ** 30;
const PATTERN = Buffer.alloc(2 ** 20);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = (i * 2654435761) >>> 24;
let hugeEtag = '';
function hugeMd5(): string {
  const h = createHash('md5');
  for (let i = 0; i < GIB / PATTERN.length; i++) h.update(PATTERN);
  return h.digest('hex');
}

/** `n` keys <prefix>obj-000000 … as ListObjects V1 pages, and each a 1,000-byte object. */
async function folderServer(n: number): Promise<{ endpoint: string; close(): void }> {
  const key = (i: number) => `${prefix}obj-${String(i).padStart(6, '0')}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const objectKey = decodeURIComponent(rest.join('/'));
    res.setHeader('x-amz-request-id', 'probe');
    if (objectKey === 'huge.bin') {
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      const from = range ? Number(range[1]) : 0;
      const to = range && range[2] ? Math.min(GIB - 1, Number(range[2])) : GIB - 1;
      res.writeHead(range ? 206 : 200, {
        'content-length': to - from + 1,
        etag: `"${hugeEtag}"`,
        'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
        'content-type': 'application/octet-stream',
        ...(range ? { 'content-range': `bytes ${from}-${to}/${GIB}` } : {}),
      });
      if (req.method === 'HEAD') return res.end();
      let at = from;
      const more = () => {
        while (at <= to) {
          const off = at % PATTERN.length;
          const n = Math.min(PATTERN.length - off, to - at + 1);
          at += n;
          if (!res.write(PATTERN.subarray(off, off + n))) return void res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
    if (objectKey) {
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      const from = range ? Number(range[1]) : 0;
      const to = range && range[2] ? Math.min(BODY.length - 1, Number(range[2])) : BODY.length - 1;
      const body = BODY.subarray(from, to + 1);
      res.writeHead(range ? 206 : 200, {
        'content-length': body.length,
        etag: `"${ETAG}"`,
        'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
        'content-type': 'application/octet-stream',
        ...(range ? { 'content-range': `bytes ${from}-${to}/${BODY.length}` } : {}),
      });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    const p = url.searchParams.get('prefix') ?? '';
    const marker = url.searchParams.get('marker') ?? '';
    const max = Math.min(1000, Number(url.searchParams.get('max-keys') ?? 1000));
    let body = `<ListBucketResult><Name>${bucket}</Name><Prefix>${p}</Prefix><Marker>${marker}</Marker><MaxKeys>${max}</MaxKeys><EncodingType>url</EncodingType>`;
    if (p === prefix) {
      const from = marker.startsWith(`${prefix}obj-`) ? Number(marker.slice(prefix.length + 4)) + 1 : 0;
      const to = Math.min(n, from + max);
      const parts: string[] = [];
      for (let i = from; i < to; i++)
        parts.push(
          `<Contents><Key>${key(i)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"${ETAG}"</ETag><Size>${BODY.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        );
      body += `<IsTruncated>${to < n}</IsTruncated>${to < n ? `<NextMarker>${key(to - 1)}</NextMarker>` : ''}${parts.join('')}`;
    } else body += '<IsTruncated>false</IsTruncated>';
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}</ListBucketResult>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}
const runS = Number(process.env.PROBE_RUN_S ?? 0);
const phases = (process.env.PROBE_PHASES ?? '').split(',').filter(Boolean);
const concurrency = Number(process.env.PROBE_CONCURRENCY ?? 0);
const MB = 2 ** 20;
const quiet = { info() {}, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };
const gc = (globalThis as { gc?: () => void }).gc;

function mem(label: string): { rss: number; heap: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  console.log(
    `${label}: rss ${(m.rss / MB).toFixed(0)} MB heapUsed ${(m.heapUsed / MB).toFixed(1)} MB heapTotal ${(m.heapTotal / MB).toFixed(0)} MB external ${(m.external / MB).toFixed(0)} MB arrayBuffers ${(m.arrayBuffers / MB).toFixed(0)} MB`,
  );
  return { rss: m.rss, heap: m.heapUsed };
}

/** h18: where the process's RSS is (PROBE_SMAPS=1): the largest mappings by resident size. */
function smaps(): void {
  const rows: Array<{ what: string; kb: number; size: number }> = [];
  let cur: { what: string; kb: number; size: number } | undefined;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = {
        what: head[3] || '[anon]',
        kb: 0,
        size: (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024,
      };
      rows.push(cur);
    } else if (cur && line.startsWith('Rss:')) cur.kb = Number(line.split(/\s+/)[1]);
  }
  const by = new Map<string, number>();
  for (const r of rows) by.set(r.what, (by.get(r.what) ?? 0) + r.kb);
  console.log(
    'smaps by name (MB):',
    [...by]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`)
      .join(', '),
  );
  const anon = rows
    .filter((r) => r.what === '[anon]')
    .sort((a, b) => b.kb - a.kb)
    .slice(0, 25);
  console.log(
    'largest anon (rss MB / size MB):',
    anon.map((r) => `${(r.kb / 1024).toFixed(1)}/${(r.size / 1024).toFixed(0)}`).join(' '),
  );
}

async function main(): Promise<void> {
  if (process.env.PROBE_OPEN_DIR) return openOnly(process.env.PROBE_OPEN_DIR);
  // PROBE_KEEP=1: the data folder is kept (its path printed) for PROBE_OPEN_DIR.
  const work = await mkdtemp(join(tmpdir(), 'h5-mem-'));
  if (process.env.PROBE_KEEP === '1') console.log(`data kept in ${join(work, 'data')}`);
  const local = rgw ? undefined : await folderServer(want);
  const acct: ResolvedAccount = {
    kind: 's3',
    name: 'probe',
    endpoint: local?.endpoint ?? process.env.S3_ENDPOINT!,
    region: 'us-east-1',
    accessKeyId: local ? 'probe' : process.env.AK!,
    pathStyle: true,
    secret: { secretKey: local ? 'probe' : process.env.SK! },
  };
  const base = mem('start');
  const dbg = (m: string) => process.env.PROBE_DEBUG && console.log(m);
  const app = await createMain({
    mode: 'test',
    log: { info() {}, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) },
    dataDir: join(work, 'data'),
  });
  const bridge = createInProcessBridge(app.router, app.hub);
  const accountId = app.accounts.registerEphemeral(acct);
  dbg('main');
  await app.transfers.start();
  dbg('started');
  // Through the contract: the engine may be in the worker thread (COSDESK_TRANSFERS_THREAD).
  if (concurrency > 0) await bridge.transfers.setLimits({ uploadBps: 0, downloadBps: 0, concurrency });
  let peak = 0;
  if (process.env.PROBE_GIB === '1') {
    hugeEtag = hugeMd5();
    const s0 = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const c0 = process.cpuUsage();
    const t = performance.now();
    await bridge.transfers.download({
      accountId,
      bucket: 'probe',
      keys: ['huge.bin'],
      prefix: '',
      localDir: join(work, 'out'),
      onConflict: 'overwrite',
    });
    await app.transfers.idle();
    const c = process.cpuUsage(c0);
    clearInterval(s0);
    const j = (await bridge.transfers.list({ offset: 0, limit: 1 })).jobs[0];
    console.log(
      `1 GiB download: ${j?.state} ${j?.verified ?? ''} in ${((performance.now() - t) / 1000).toFixed(1)} s, cpu ${((c.user + c.system) / 1e6).toFixed(1)} s, rss peak ${(peak / MB).toFixed(0)} MB`,
    );
    mem('after (gc)');
    await app.close();
    local?.close();
    if (process.env.PROBE_KEEP !== '1') await rm(work, { recursive: true, force: true });
    return;
  }
  // h18: PROBE_ALLOC_PROFILE=file.heapprofile: every allocation while queueing, sampled (with
  // what scavenges and full GCs collected), this isolate only (COSDESK_TRANSFERS_THREAD=main).
  const profiling = process.env.PROBE_ALLOC_PROFILE;
  const { Session } = await import('node:inspector');
  const session = profiling ? new Session() : undefined;
  const post = (m: string, p?: object) =>
    new Promise<unknown>((res, rej) => session!.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
  if (session) {
    session.connect();
    await post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await bridge.transfers.download({
    accountId,
    bucket: 'cosdesk-e2e-big',
    keys: [prefix],
    prefix: '',
    localDir: join(work, 'out'),
    onConflict: 'overwrite',
  });
  dbg('download asked');
  let total = 0;
  for (let i = 0; i < 6000; i++) {
    total = (await bridge.transfers.list({ offset: 0, limit: 1 })).total;
    if (total >= want) break;
    if (i % 20 === 0) dbg(`total ${total}`);
    if (process.env.PROBE_TRACE && i % 5 === 0) {
      // h18: where the queueing peak is (jobs in, process RSS, the worker's heap used/reserved).
      const d = await (
        app.transfers as unknown as { diagnostics?: () => Promise<{ heapUsed: number; heapTotal: number }> }
      ).diagnostics
        ?.call(app.transfers)
        .catch(() => undefined);
      console.log(
        `trace ${total} jobs: rss ${(process.memoryUsage().rss / MB).toFixed(0)} MB${d ? `, worker heap ${(d.heapUsed / MB).toFixed(0)}/${(d.heapTotal / MB).toFixed(0)} MB` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${total} jobs queued in ${((performance.now() - t0) / 1000).toFixed(1)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, rss peak so far ${(peak / MB).toFixed(0)} MB`,
  );
  if (session && profiling) {
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    const { writeFileSync } = await import('node:fs');
    writeFileSync(profiling, JSON.stringify(profile));
    session.disconnect();
  }
  const q = mem('queued (after gc)');
  console.log(
    `per job: heap ${((q.heap - base.heap) / total).toFixed(0)} B, rss ${((q.rss - base.rss) / total).toFixed(0)} B`,
  );
  if (process.env.PROBE_SNAPSHOT) console.log('snapshot', writeHeapSnapshot(process.env.PROBE_SNAPSHOT));
  if (process.env.PROBE_SMAPS) smaps();
  const diag = (
    app.transfers as unknown as { diagnostics?: () => Promise<{ heapUsed: number; heapTotal: number }> }
  ).diagnostics;
  if (diag) {
    const d = await diag.call(app.transfers);
    console.log(
      `worker heap: used ${(d.heapUsed / MB).toFixed(0)} MB, total ${(d.heapTotal / MB).toFixed(0)} MB`,
    );
  }
  // h18: the worker's heap (the engine, its queue and journal) after the queue is in.
  const worker = (app.transfers as unknown as { worker?: import('node:worker_threads').Worker }).worker;
  if (process.env.PROBE_WORKER_SNAPSHOT && worker) {
    const { createWriteStream } = await import('node:fs');
    const { pipeline } = await import('node:stream/promises');
    await pipeline(await worker.getHeapSnapshot(), createWriteStream(process.env.PROBE_WORKER_SNAPSHOT));
    console.log('worker snapshot', process.env.PROBE_WORKER_SNAPSHOT);
  }
  if (runS > 0) {
    if (concurrency > 0) await bridge.transfers.setLimits({ uploadBps: 0, downloadBps: 0, concurrency: 8 });
    peak = 0;
    const c0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, runS * 1000));
    const s = (await bridge.transfers.list({ offset: 0, limit: 1 })).summary;
    const c = process.cpuUsage(c0);
    console.log(
      `ran ${runS} s: ${s.done} done, ${s.failed} failed, cpu ${((c.user + c.system) / 1e6).toFixed(1)} s, rss peak ${(peak / MB).toFixed(0)} MB`,
    );
    mem('running (after gc)');
  }
  clearInterval(sampler);
  if (process.env.PROBE_REOPEN === '1') {
    // A restart with the queue in the journal: what the journal's replay and the taken-back jobs hold.
    await bridge.transfers.pause({});
    await app.transfers.idle().catch(() => undefined);
    await app.close();
    let reopenPeak = 0;
    const s1 = setInterval(() => (reopenPeak = Math.max(reopenPeak, process.memoryUsage().rss)), 50);
    const c0 = process.cpuUsage();
    const t = performance.now();
    const again = await createMain({ mode: 'test', log: quiet, dataDir: join(work, 'data') });
    const n = (await createInProcessBridge(again.router, again.hub).transfers.list({ offset: 0, limit: 1 }))
      .total;
    const c = process.cpuUsage(c0);
    console.log(
      `reopened: ${n} jobs taken back in ${((performance.now() - t) / 1000).toFixed(1)} s, cpu ${((c.user + c.system) / 1e6).toFixed(1)} s, rss peak ${(reopenPeak / MB).toFixed(0)} MB`,
    );
    clearInterval(s1);
    mem('reopened (after gc)');
    await again.close();
    local?.close();
    if (process.env.PROBE_KEEP !== '1') await rm(work, { recursive: true, force: true });
    return;
  }
  if (phases.length > 0) {
    await runPhases(app, bridge, work);
    local?.close();
    if (process.env.PROBE_KEEP !== '1') await rm(work, { recursive: true, force: true });
    return;
  }
  await bridge.transfers.cancel({});
  await app.close();
  local?.close();
  if (process.env.PROBE_KEEP !== '1') await rm(work, { recursive: true, force: true });
}

/**
 * h18: PROBE_OPEN_DIR=<data folder a PROBE_KEEP=1 run left>: what a fresh process holds
 * opening a journal of 100,000 unfinished jobs (as after a restart), RSS sampled every 20 ms
 * from before the open until the jobs are listed. Run under /usr/bin/time for the whole figure.
 */
async function openOnly(dataDir: string): Promise<void> {
  mem('start');
  let peak = 0;
  const s = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const c0 = process.cpuUsage();
  const t = performance.now();
  const app = await createMain({ mode: 'test', log: quiet, dataDir });
  const b = createInProcessBridge(app.router, app.hub);
  const l = await b.transfers.list({ offset: 0, limit: 1, filter: 'active' });
  const c = process.cpuUsage(c0);
  clearInterval(s);
  console.log(
    `opened: ${l.total} active taken back in ${((performance.now() - t) / 1000).toFixed(1)} s, cpu ${((c.user + c.system) / 1e6).toFixed(1)} s, rss peak ${(peak / MB).toFixed(0)} MB`,
  );
  mem('opened (gc)');
  await app.close();
}

type App = Awaited<ReturnType<typeof createMain>>;
type Bridge = ReturnType<typeof createInProcessBridge>;

/**
 * PROBE_PHASES=cancel,close (or pause,resume,retry,clear,cancel,close,reopen in any order):
 * each step on its own, with the process's RSS sampled every 20 ms and, in worker mode, the
 * worker's heap (diagnostics, every 250 ms; late while the worker is busy) through the call,
 * then until the queue is idle (what the step left behind: clean-ups, journal records).
 * `reopen` opens the data folder afresh and counts the unfinished jobs it takes back.
 */
async function runPhases(app: App, bridge: Bridge, work: string): Promise<void> {
  const diag = (app.transfers as unknown as { diagnostics?: () => Promise<{ heapUsed: number }> })
    .diagnostics;
  for (const phase of phases) {
    let peak = process.memoryUsage().rss;
    let workerPeak = 0;
    const s = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    let polling = true;
    const poll = (async () => {
      while (polling && diag && phase !== 'close' && phase !== 'reopen') {
        const d = await diag.call(app.transfers).catch(() => undefined);
        if (d) workerPeak = Math.max(workerPeak, d.heapUsed);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const c0 = process.cpuUsage();
    const t = performance.now();
    let affected: number | string = '';
    if (phase === 'close') await app.close();
    else if (phase === 'reopen') {
      const again = await createMain({ mode: 'test', log: quiet, dataDir: join(work, 'data') });
      const b = createInProcessBridge(again.router, again.hub);
      const l = await b.transfers.list({ offset: 0, limit: 1, filter: 'active' });
      const f = await b.transfers.list({ offset: 0, limit: 1, filter: 'failed' });
      affected = `${l.total} active, ${f.total} failed taken back`;
      await again.close();
    } else {
      const call = { pause: 'pause', resume: 'resume', retry: 'retry', cancel: 'cancel' }[phase];
      affected =
        phase === 'clear'
          ? (await bridge.transfers.clear({})).affected
          : (await bridge.transfers[call as 'cancel']({})).affected;
    }
    const callMs = performance.now() - t;
    const callPeak = peak;
    if (phase !== 'close' && phase !== 'reopen' && phase !== 'resume')
      await app.transfers.idle().catch(() => undefined);
    const c = process.cpuUsage(c0);
    polling = false;
    await poll;
    clearInterval(s);
    console.log(
      `${phase}: ${affected} in ${(callMs / 1000).toFixed(1)} s (settled ${((performance.now() - t) / 1000).toFixed(1)} s), cpu ${((c.user + c.system) / 1e6).toFixed(1)} s, rss peak ${(callPeak / MB).toFixed(0)} MB in the call, ${(peak / MB).toFixed(0)} MB until settled${workerPeak ? `, worker heap peak ${(workerPeak / MB).toFixed(0)} MB` : ''}`,
    );
    mem(`after ${phase} (gc)`);
  }
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
