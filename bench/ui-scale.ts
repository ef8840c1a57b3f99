// Issue 13 item 6, "UI at scale": the built web mode in real Chromium, driven like a person.
//
//   set -a; . /tmp/rgw-dev/env; set +a; npm run -s build && \
//     BENCH_ONLY=j BENCH_OUT=/tmp/ui.md node scripts/test-env.mjs npx tsx bench/run.ts
//
// - A folder of 100,000 objects (RGW, bucket cosdesk-e2e-big, prefix big/: the e2e one, seeded
//   when missing) and one of 1,000,000 (BENCH_UI_BIG, default 1,000,000): time to first rows,
//   p95 frame time while scrolling to the end (wheel, then End), the renderer's JS heap.
// - 100,000 downloads started from that listing (the big/ folder's Download): time until the
//   queue holds them all, the latency of key presses in the filter box while they run (key down
//   to the frame after the input), and the web mode process's memory (it runs the engine).
//
// Seeding 1,000,000 keys on this machine's RGW would take far too long (the rate is measured on
// the 100,000 seeding and printed), so the 1,000,000-key folder comes from a loopback listing
// server of the bench only: ListObjects pages made on the fly, any signature accepted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { addS3Account } from './lib';
import { launchChromium } from '../test/support/browser';
import { startListingServer } from '../test/support/listing-server';
import { bigKeys, createSeeder, rgwAccount } from '../test/support/seed';
import { startWebMode } from '../test/support/web-mode';

export interface UiScaleOptions {
  account: { endpoint: string; accessKey: string; secretKey: string };
  log: (m: string) => void;
}

interface FolderRun {
  label: string;
  rows: number;
  firstRowsMs: number;
  listedMs: number;
  heapMB: number;
  frames: number;
  p95FrameMs: number;
  /** Frames later than 1.5 vsyncs (one or more frames dropped), of `frames`. */
  dropped: number;
  /** The same page idle (no input, nothing moving) just before: p95 of its rAF deltas. */
  idleP95Ms: number;
  idleDropped: number;
  idleFrames: number;
  maxFrameMs: number;
  reachedEnd: boolean;
  /** End left the keyboard focus on the last row. */
  endFocused: boolean;
  /** Renderer main-thread time while scrolling (CDP Performance metrics), ms per frame. */
  scriptMsPerFrame: number;
  layoutMsPerFrame: number;
}

interface QueueRun {
  jobs: number;
  enqueueMs: number;
  inputP95Ms: number;
  inputMaxMs: number;
  presses: number;
  rssPeakMB: number;
  rssQueuedMB: number;
}

const BIG = 100_000;
const HUGE = Number(process.env.BENCH_UI_BIG ?? 1_000_000);
const BIG_BUCKET = 'cosdesk-e2e-big';
const HUGE_BUCKET = 'bench-huge';
const HUGE_PREFIX = 'm/';

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

function addAccount(home: string, name: string, endpoint: string, ak: string, sk: string): void {
  addS3Account(home, { name, endpoint, accessKey: ak, secretKey: sk, region: 'us-east-1' });
}

/** Resident memory of a process and its descendants, in bytes (Linux /proc). */
function treeRss(pid: number): number {
  let total = 0;
  const walk = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean))
        walk(Number(c));
    } catch {
      /* gone */
    }
  };
  walk(pid);
  return total;
}

async function heapMB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return usedSize / 2 ** 20;
}

async function openBucket(page: Page, account: string, bucket: string, folder: string): Promise<void> {
  await page.locator(`[data-testid=account-item][data-account-name="${account}"]`).click();
  await page.getByTestId('open-bucket-by-name').click();
  await page.getByTestId('bucket-name-input').fill(bucket);
  await page.getByTestId('confirm-ok').click();
  await page.locator(`[data-testid=object-row][data-key="${folder}"]`).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=listing-status][data-state=done]').waitFor({ timeout: 60_000 });
}

// In-page helpers (this file compiles without the DOM lib).
type G = {
  document: {
    querySelector(s: string): { getBoundingClientRect(): { top: number; bottom: number } } | null;
  };
  requestAnimationFrame(f: (t: number) => void): void;
  __frames?: number[];
  __stop?: boolean;
  __inputs?: number[];
  addEventListener(t: string, f: (e: { timeStamp: number }) => void, c: boolean): void;
  setTimeout(f: () => void, ms: number): void;
};

/** Chromium's frame period at 60 Hz. */
const VSYNC_MS = 1000 / 60;

async function folderRun(page: Page, label: string, folder: string, lastKey: string, rows: number) {
  const log = (m: string) => process.stderr.write(`  j ${label}: ${m}\n`);
  const t0 = performance.now();
  await page.locator(`[data-testid=object-row][data-key="${folder}"]`).dblclick();
  await page.waitForFunction(
    (prefix) =>
      !!(globalThis as unknown as G).document.querySelector(
        `[data-testid=object-row][data-key^="${prefix}"]`,
      ),
    folder,
    { polling: 'raf', timeout: 120_000 },
  );
  const firstRowsMs = performance.now() - t0;
  log(`first rows ${firstRowsMs.toFixed(0)} ms`);
  await page.locator('[data-testid=listing-status][data-state=done]').waitFor({ timeout: 1_800_000 });
  const listedMs = performance.now() - t0;
  log(`listed in ${(listedMs / 1000).toFixed(1)} s`);
  const heap = await heapMB(page);
  log(`renderer heap ${heap.toFixed(0)} MB`);

  // Scroll to the end like a person: a click on the first row, wheel flicks, then End.
  const first = page.locator('[data-testid=object-row]').first();
  await first.click();
  const box = await first.boundingBox();
  if (box) await page.mouse.move(box.x + box.width / 2, box.y + 200);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => {
    const { metrics: m } = (await cdp.send('Performance.getMetrics')) as {
      metrics: { name: string; value: number }[];
    };
    const v = (n: string) => m.find((x) => x.name === n)?.value ?? 0;
    return { script: v('ScriptDuration'), layout: v('LayoutDuration') + v('RecalcStyleDuration') };
  };
  // The same page idle for as many frames as a scroll takes (~2 s): the rAF timestamps' own
  // jitter, which a p95 of 16.8 ms against a 16.67 ms vsync is within.
  const idle = (await page.evaluate(`new Promise((done) => {
    const d = [];
    let last = 0;
    const tick = (t) => {
      if (last) d.push(t - last);
      last = t;
      if (d.length < 150) requestAnimationFrame(tick);
      else done(d);
    };
    requestAnimationFrame(tick);
  })`)) as number[];
  const before = await metrics();
  // Plain script text: tsx's helper names (__name) do not exist in the page.
  await page.evaluate(`(() => {
    const g = globalThis;
    g.__frames = [];
    g.__stop = false;
    let last = 0;
    const tick = (t) => {
      if (last) g.__frames.push(t - last);
      last = t;
      if (!g.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  for (let i = 0; i < 120; i++) {
    await page.mouse.wheel(0, 1200);
    await page.waitForTimeout(16);
  }
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('PageDown');
    await page.waitForTimeout(50);
  }
  await page.keyboard.press('End');
  const reachedEnd = await page
    .locator(`[data-testid=object-row][data-key="${lastKey}"]`)
    .waitFor({ state: 'visible', timeout: 20_000 })
    .then(
      () =>
        page.evaluate((k) => {
          const el = (globalThis as unknown as G).document.querySelector(
            `[data-testid=object-row][data-key="${k}"]`,
          );
          const r = el?.getBoundingClientRect();
          return !!r && r.top >= 0 && r.bottom <= 800;
        }, lastKey),
      () => false,
    );
  const endFocused = await page
    .waitForFunction(
      (k) =>
        (
          globalThis as unknown as {
            document: { activeElement: { getAttribute(n: string): string | null } | null };
          }
        ).document.activeElement?.getAttribute('data-key') === k,
      lastKey,
      { timeout: 5_000 },
    )
    .then(
      () => true,
      () => false,
    );
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('PageUp');
    await page.waitForTimeout(50);
  }
  await page.waitForTimeout(300);
  const frames = await page.evaluate(() => {
    const g = globalThis as unknown as G;
    g.__stop = true;
    return g.__frames ?? [];
  });
  const after = await metrics();
  await cdp.detach();
  const perFrame = (ms: number) => (frames.length ? (ms * 1000) / frames.length : 0);
  const run: FolderRun = {
    label,
    rows,
    firstRowsMs,
    listedMs,
    heapMB: heap,
    frames: frames.length,
    p95FrameMs: pct(frames, 95),
    dropped: frames.filter((f) => f > VSYNC_MS * 1.5).length,
    idleP95Ms: pct(idle, 95),
    idleDropped: idle.filter((f) => f > VSYNC_MS * 1.5).length,
    idleFrames: idle.length,
    maxFrameMs: Math.max(0, ...frames),
    reachedEnd,
    endFocused,
    scriptMsPerFrame: perFrame(after.script - before.script),
    layoutMsPerFrame: perFrame(after.layout - before.layout),
  };
  log(
    `scroll: ${frames.length} frames, p95 ${run.p95FrameMs.toFixed(1)} ms (idle page ${run.idleP95Ms.toFixed(1)} ms), dropped ${run.dropped} (idle ${run.idleDropped} of ${run.idleFrames}), max ${run.maxFrameMs.toFixed(0)} ms, end ${reachedEnd ? 'reached' : 'NOT reached'}${endFocused ? ' and focused' : ''}, main thread per frame: script ${run.scriptMsPerFrame.toFixed(2)} ms, style+layout ${run.layoutMsPerFrame.toFixed(2)} ms`,
  );
  return run;
}

async function queueRun(page: Page, webPid: number, jobs: number): Promise<QueueRun> {
  const log = (m: string) => process.stderr.write(`  j queue: ${m}\n`);
  let peak = treeRss(webPid);
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss(webPid))), 100);
  try {
    const folder = page.locator('[data-testid=object-row][data-key="big/"]');
    await folder.click({ button: 'right' });
    const t0 = performance.now();
    await page.getByTestId('menu-download').click();
    await page.waitForFunction(
      (n) => {
        const el = (globalThis as unknown as G).document.querySelector(
          '[data-testid=transfer-summary]',
        ) as unknown as {
          dataset: Record<string, string>;
        } | null;
        return Number(el?.dataset.total ?? 0) >= n;
      },
      jobs,
      { polling: 200, timeout: 600_000 },
    );
    const enqueueMs = performance.now() - t0;
    const rssQueued = treeRss(webPid);
    log(
      `${jobs} jobs queued in ${(enqueueMs / 1000).toFixed(1)} s, engine RSS ${(rssQueued / 2 ** 20).toFixed(0)} MB`,
    );

    // Key presses in the filter box while the queue runs: key down to the frame after its input.
    await page.evaluate(`(() => {
      const g = globalThis;
      g.__inputs = [];
      let down = 0;
      addEventListener('keydown', (e) => (down = e.timeStamp), true);
      addEventListener('input', () => {
        const at = down;
        requestAnimationFrame(() => setTimeout(() => g.__inputs.push(performance.now() - at), 0));
      }, true);
    })()`);
    const filter = page.locator('[data-testid=filter-input] input, input[data-testid=filter-input]').first();
    await filter.click();
    for (let round = 0; round < 3; round++) {
      for (const ch of 'obj-09') {
        await page.keyboard.press(ch);
        await page.waitForTimeout(150);
      }
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press('Backspace');
        await page.waitForTimeout(150);
      }
    }
    const inputs = await page.evaluate(() => (globalThis as unknown as G).__inputs ?? []);
    const run: QueueRun = {
      jobs,
      enqueueMs,
      inputP95Ms: pct(inputs, 95),
      inputMaxMs: Math.max(0, ...inputs),
      presses: inputs.length,
      rssPeakMB: 0,
      rssQueuedMB: rssQueued / 2 ** 20,
    };
    if ((await page.getByTestId('transfer-panel').getAttribute('data-open')) !== 'true')
      await page.getByTestId('transfer-toggle').click();
    await page.getByTestId('transfer-cancel-all').click();
    await page.waitForTimeout(1000);
    run.rssPeakMB = Math.max(peak, treeRss(webPid)) / 2 ** 20;
    log(
      `input latency p95 ${run.inputP95Ms.toFixed(0)} ms (max ${run.inputMaxMs.toFixed(0)}, ${inputs.length} presses), engine RSS peak ${run.rssPeakMB.toFixed(0)} MB`,
    );
    return run;
  } finally {
    clearInterval(sampler);
  }
}

/** Runs scenario (j) and returns its section of the results, in Markdown. */
export async function uiScale(o: UiScaleOptions): Promise<string[]> {
  const { account, log } = o;
  const seeder = createSeeder(rgwAccount(account.endpoint, account.accessKey, account.secretKey));
  let seedNote = `reused ${BIG_BUCKET}/big/`;
  try {
    if (!(await seeder.exists(BIG_BUCKET, bigKeys(BIG).at(-1) as string))) {
      await seeder.createBucket(BIG_BUCKET).catch(() => undefined);
      const t = performance.now();
      await seeder.putMany(BIG_BUCKET, bigKeys(BIG), { concurrency: 64 });
      const s = (performance.now() - t) / 1000;
      seedNote = `seeded ${BIG_BUCKET}/big/ in ${s.toFixed(0)} s (${Math.round(BIG / s)} keys/s: 1,000,000 would take ~${Math.round(1e6 / (BIG / s) / 60)} min)`;
    }
  } finally {
    await seeder.close();
  }
  log(`  j: ${seedNote}`);
  const home = mkdtempSync(join(tmpdir(), 'cosdesk-bench-ui-'));
  const downloads = join(home, 'downloads');
  const listing = await startListingServer(HUGE, HUGE_BUCKET, HUGE_PREFIX);
  addAccount(home, 'rgw', account.endpoint, account.accessKey, account.secretKey);
  addAccount(home, 'listing', listing.endpoint, 'bench', 'bench-secret');
  const web = await startWebMode({ COSDESK_HOME: home, COSDESK_DOWNLOAD_DIR: downloads });
  const browser = await launchChromium();
  const folders: FolderRun[] = [];
  let queue: QueueRun | undefined;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(web.url);
    const skip = (process.env.BENCH_UI_SKIP ?? '').split(',');
    if (!skip.includes('100k')) {
      await openBucket(page, 'rgw', BIG_BUCKET, 'big/');
      folders.push(await folderRun(page, '100,000 rows (RGW)', 'big/', bigKeys(BIG).at(-1) as string, BIG));
      await page.getByTestId('nav-up').click();
      await page.locator('[data-testid=listing-status][data-state=done]').waitFor({ timeout: 60_000 });
      if (!skip.includes('queue')) queue = await queueRun(page, web.process.pid as number, BIG);
    }
    if (!skip.includes('1m')) {
      await page.reload();
      const width = String(HUGE - 1).length;
      await openBucket(page, 'listing', HUGE_BUCKET, HUGE_PREFIX);
      folders.push(
        await folderRun(
          page,
          `${HUGE.toLocaleString('en')} rows (loopback listing server)`,
          HUGE_PREFIX,
          `${HUGE_PREFIX}obj-${String(HUGE - 1).padStart(width, '0')}`,
          HUGE,
        ),
      );
    }
  } finally {
    await browser.close();
    await web.stop();
    listing.server.close();
    rmSync(home, { recursive: true, force: true });
  }
  const ok = (v: boolean) => (v ? 'yes' : '**no**');
  const lines = [
    '## (j) UI at scale (web mode, Chromium)',
    '',
    `The built web mode (\`out/main/web.js\`) in headless Chromium 1280×800, driven like a person. ${seedNote}. The ${HUGE.toLocaleString('en')}-row folder is served by a loopback listing server of the bench (ListObjects pages made on the fly): seeding it on RGW takes too long on this machine. First rows: double-click on the folder to the first frame showing one of its rows. Frames: requestAnimationFrame deltas while scrolling to the end (120 wheel flicks, PageDown ×10, End, PageUp ×10); "idle p95" is the same page's deltas over 150 frames just before, with nothing moving (the timestamps' own jitter); "late" counts frames over 1.5 vsyncs (25 ms: at least one frame dropped). Heap: \`Runtime.getHeapUsage\` after a GC, listing done.`,
    '',
    '| folder | first rows | listed in | renderer heap | scroll p95 frame | idle p95 frame | late frames (idle) | max frame | frames | end reached | End focuses it | script / style+layout per frame |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|',
    ...folders.map(
      (f) =>
        `| ${f.label} | ${f.firstRowsMs.toFixed(0)} ms | ${(f.listedMs / 1000).toFixed(1)} s | ${f.heapMB.toFixed(0)} MB | ${f.p95FrameMs.toFixed(1)} ms | ${f.idleP95Ms.toFixed(1)} ms | ${f.dropped} (${f.idleDropped} of ${f.idleFrames}) | ${f.maxFrameMs.toFixed(0)} ms | ${f.frames} | ${ok(f.reachedEnd)} | ${ok(f.endFocused)} | ${f.scriptMsPerFrame.toFixed(2)} / ${f.layoutMsPerFrame.toFixed(2)} ms |`,
    ),
    '',
  ];
  if (queue)
    lines.push(
      `100,000 downloads started from the listing (Download on the folder big/): until the transfer summary counts them all; key presses in the filter box while they run (key down to the frame after the input, ${queue.presses} presses); memory of the web mode process tree (it runs the engine).`,
      '',
      '| jobs | time to enqueue | input latency p95 | max | engine RSS queued | engine RSS peak |',
      '|---:|---:|---:|---:|---:|---:|',
      `| ${queue.jobs.toLocaleString('en')} | ${(queue.enqueueMs / 1000).toFixed(1)} s | ${queue.inputP95Ms.toFixed(0)} ms | ${queue.inputMaxMs.toFixed(0)} ms | ${queue.rssQueuedMB.toFixed(0)} MB | ${queue.rssPeakMB.toFixed(0)} MB |`,
      '',
    );
  lines.push(
    'Targets: first rows ≤ 300 ms; p95 frame ≤ 16.7 ms; renderer heap ≤ 150 MB (100,000 rows), ≤ 600 MB (1,000,000); engine memory ≤ 250 MB for a 100,000-job queue.',
    '',
  );
  return lines;
}
