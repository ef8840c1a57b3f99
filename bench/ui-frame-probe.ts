// What one scrolling frame of the object list costs, split by thread and by kind of work
// (script, style, layout, paint, raster, composite), from a Chromium trace; next to a trivial
// page scrolled the same way (the machine's floor). A/B: run it for two builds back to back.
//
//   set -a; . /tmp/rgw-dev/env; set +a; COSDESK_TEST_RGW=none \
//     PROBE_OUT=/tmp/h14-A/out PROBE_ROWS=100000 PROBE_RUNS=2 \
//     node scripts/test-env.mjs npx tsx bench/ui-frame-probe.ts
//
// PROBE_OUT: a built `out/` (default ./out). PROBE_ROWS: folder size (loopback listing server).
// PROBE_TRIVIAL=0 leaves the trivial page out. Prints one JSON line per run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addS3Account } from './lib';
import { launchChromium } from '../test/support/browser';
import { startListingServer } from '../test/support/listing-server';

const OUT = resolve(process.env.PROBE_OUT ?? 'out');
const ROWS = Number(process.env.PROBE_ROWS ?? 100_000);
const RUNS = Number(process.env.PROBE_RUNS ?? 1);
const FLICKS = Number(process.env.PROBE_FLICKS ?? 120);

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  /** Thread (CPU) time of the event, where the trace has it: wall time under load is mostly waiting. */
  tdur?: number;
  cat?: string;
  args?: { name?: string };
}

const SCRIPT = new Set([
  'FunctionCall',
  'EvaluateScript',
  'v8.compile',
  'V8.Execute',
  'RunMicrotasks',
  'TimerFire',
  'FireAnimationFrame',
  'EventDispatch',
  'HitTest',
]);
const STYLE = new Set(['UpdateLayoutTree', 'RecalculateStyles', 'ScheduleStyleRecalculation']);
const LAYOUT = new Set(['Layout']);
const PAINT = new Set([
  'PrePaint',
  'Paint',
  'PaintImage',
  'Layerize',
  'UpdateLayer',
  'UpdateLayerTree',
  'Commit',
  'CompositeLayers',
]);

/** Per-thread busy time (top-level events) and main-thread time per kind (outermost of each kind). */
function summarize(events: TraceEvent[], frames: number) {
  const names = new Map<string, string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || !e.dur) continue;
    const k = `${e.pid}:${e.tid}`;
    let l = byThread.get(k);
    if (!l) byThread.set(k, (l = []));
    l.push(e);
  }
  const busy: Record<string, number> = {};
  const busyCpu: Record<string, number> = {};
  const kinds = { script: 0, style: 0, layout: 0, paint: 0 };
  const kindsCpu = { script: 0, style: 0, layout: 0, paint: 0 };
  let raster = 0;
  // The renderer's main thread: the one that ran the page's script.
  let mainKey = '';
  let mainScript = -1;
  for (const [k, l] of byThread) {
    if (names.get(k) !== 'CrRendererMain') continue;
    const s = l.filter((e) => SCRIPT.has(e.name)).reduce((a, e) => a + (e.dur ?? 0), 0);
    if (s > mainScript) {
      mainScript = s;
      mainKey = k;
    }
  }
  for (const [k, l] of byThread) {
    l.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const name = (names.get(k) ?? 'unnamed').replace(/\d+$/, '');
    let endTop = -1;
    const openKind: Record<string, number> = { script: -1, style: -1, layout: -1, paint: -1 };
    for (const e of l) {
      const d = e.dur ?? 0;
      if (e.ts >= endTop) {
        busy[name] = (busy[name] ?? 0) + d;
        busyCpu[name] = (busyCpu[name] ?? 0) + (e.tdur ?? 0);
        endTop = e.ts + d;
      }
      if (name.startsWith('CompositorTileWorker') && e.name === 'RasterTask') raster += d;
      if (k !== mainKey) continue;
      const kind = SCRIPT.has(e.name)
        ? 'script'
        : STYLE.has(e.name)
          ? 'style'
          : LAYOUT.has(e.name)
            ? 'layout'
            : PAINT.has(e.name)
              ? 'paint'
              : '';
      if (kind && e.ts >= openKind[kind]) {
        kinds[kind as keyof typeof kinds] += d;
        kindsCpu[kind as keyof typeof kinds] += e.tdur ?? 0;
        openKind[kind] = e.ts + d;
      }
    }
  }
  const per = (us: number) => +(us / 1000 / Math.max(1, frames)).toFixed(2);
  return {
    perFrameMs: {
      main: per(busy.CrRendererMain ?? 0),
      script: per(kinds.script),
      style: per(kinds.style),
      layout: per(kinds.layout),
      paintCommit: per(kinds.paint),
      rasterTasks: per(raster),
      tileWorkers: per(busy.CompositorTileWorker ?? 0),
      compositor: per(busy.Compositor ?? 0),
      viz: per((busy.VizCompositorThread ?? 0) + (busy.CrGpuMain ?? 0)),
      browserMain: per(busy.CrBrowserMain ?? 0),
    },
    /** The same from thread time (CPU actually used), per frame. */
    cpuPerFrameMs: {
      main: per(busyCpu.CrRendererMain ?? 0),
      script: per(kindsCpu.script),
      style: per(kindsCpu.style),
      layout: per(kindsCpu.layout),
      paintCommit: per(kindsCpu.paint),
    },
    /** The renderer main thread's events by name, CPU per frame (nested events counted in each). */
    topMain: Object.fromEntries(
      [
        ...(byThread.get(mainKey) ?? [])
          .reduce((m, e) => m.set(e.name, (m.get(e.name) ?? 0) + (e.tdur ?? 0)), new Map<string, number>())
          .entries(),
      ]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 25)
        .map(([k, v]) => [k, per(v)]),
    ),
    /** Every thread's busy time per frame (wall / CPU), the busiest first. */
    threads: Object.fromEntries(
      Object.entries(busy)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([k, v]) => [k, `${per(v)} / ${per(busyCpu[k] ?? 0)}`]),
    ),
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0;
};

async function scrollTraced(browser: Browser, page: Page, label: string) {
  await page.evaluate(`(() => {
    const g = globalThis; g.__frames = []; g.__stop = false; let last = 0;
    const tick = (t) => { if (last) g.__frames.push(t - last); last = t; if (!g.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  await browser.startTracing(page, {
    categories: [
      'toplevel',
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'cc',
      'viz',
      '__metadata',
    ],
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < FLICKS; i++) {
    await page.mouse.wheel(0, 1200);
    await page.waitForTimeout(16);
  }
  await page.waitForTimeout(300);
  const wall = performance.now() - t0;
  const frames = (await page.evaluate(
    '(() => { globalThis.__stop = true; return globalThis.__frames; })()',
  )) as number[];
  const buf = await browser.stopTracing();
  const { traceEvents } = JSON.parse(buf.toString('utf8')) as { traceEvents: TraceEvent[] };
  const s = summarize(traceEvents, frames.length);
  const driverCpu = process.cpuUsage(cpu0);
  const scrollTop = await page.evaluate(
    `(() => { const el = document.querySelector('.scroller') ?? document.scrollingElement; return el.scrollTop; })()`,
  );
  const rows = await page.evaluate(`document.querySelectorAll('[data-testid=object-row], .trow').length`);
  const domNodes = await page.evaluate(`document.getElementsByTagName('*').length`);
  return {
    label,
    frames: frames.length,
    p50: +pct(frames, 50).toFixed(1),
    p95: +pct(frames, 95).toFixed(1),
    wallMs: Math.round(wall),
    scrollTop,
    rowsInDom: rows,
    domNodes,
    driverCpuMs: Math.round((driverCpu.user + driverCpu.system) / 1000),
    ...s,
  };
}

/** The floor: a scroller of the same size and scroll height whose rows never change (a sticky block of text). */
async function trivial(browser: Browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const lines: string[] = [];
  for (let i = 0; i < 22; i++)
    lines.push(
      `<div class="trow"><span>m/obj-${String(i).padStart(6, '0')}</span><span>${i} B</span><span>File</span><span>1/1/2026, 12:00:00 AM</span><span>STANDARD</span></div>`,
    );
  await page.setContent(
    `<style>body{margin:0;font:14px sans-serif}.s{position:absolute;inset:40px 20px 20px 200px;overflow:auto}.t{position:sticky;top:0}.trow{display:grid;grid-template-columns:1fr 100px 120px 190px 140px;height:36px;align-items:center;border-bottom:1px solid #eee}</style><div class="s scroller"><div class="t">${lines.join('')}</div><div style="height:${ROWS * 36}px"></div></div>`,
  );
  await page.mouse.move(700, 400);
  const r = await scrollTraced(browser, page, 'trivial page (same scroll height, content fixed)');
  await page.close();
  return r;
}

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'h14-probe-'));
  const listing = await startListingServer(ROWS, 'bench-huge', 'm/');
  addS3Account(home, {
    name: 'listing',
    endpoint: listing.endpoint,
    accessKey: 'bench',
    secretKey: 'bench-secret',
    region: 'us-east-1',
  });
  const child = spawn(process.execPath, [join(OUT, 'main/web.js'), '--port', '0'], {
    env: { ...process.env, COSDESK_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) done(m[1]);
    });
  });
  const browser = await launchChromium();
  try {
    for (let run = 0; run < RUNS; run++) {
      if (process.env.PROBE_TRIVIAL !== '0') console.log(JSON.stringify(await trivial(browser)));
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(url, { timeout: 180_000 });
      await page.locator('[data-testid=account-item][data-account-name="listing"]').click();
      await page.getByTestId('open-bucket-by-name').click();
      await page.getByTestId('bucket-name-input').fill('bench-huge');
      await page.getByTestId('confirm-ok').click();
      await page.locator('[data-testid=object-row][data-key="m/"]').waitFor({ timeout: 60_000 });
      // In the page: the dblclick event, the first WebSocket message sent after it (the listing
      // request), the first row of the folder in the DOM, and the frame after it.
      await page.evaluate(`(() => {
        const g = globalThis; g.__fr = {};
        addEventListener('dblclick', (e) => { g.__fr.input = e.timeStamp; g.__fr.handled = performance.now(); }, true);
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (d) { if (g.__fr.input && !g.__fr.sent) g.__fr.sent = performance.now(); return send.call(this, d); };
        new MutationObserver((_, o) => {
          if (g.__fr.rows || !document.querySelector('[data-testid=object-row][data-key^="m/obj"]')) return;
          g.__fr.rows = performance.now();
          o.disconnect();
          requestAnimationFrame(() => setTimeout(() => (g.__fr.frame = performance.now()), 0));
        }).observe(document.body, { childList: true, subtree: true });
      })()`);
      const t0 = performance.now();
      await page.locator('[data-testid=object-row][data-key="m/"]').dblclick();
      await page.waitForFunction(
        () =>
          !!(
            globalThis as unknown as { document: { querySelector(s: string): unknown } }
          ).document.querySelector('[data-testid=object-row][data-key^="m/obj"]'),
        undefined,
        { polling: 'raf', timeout: 120_000 },
      );
      const firstRows = performance.now() - t0;
      await page.waitForFunction(
        () => (globalThis as unknown as { __fr: { frame?: number } }).__fr.frame !== undefined,
        undefined,
        { timeout: 60_000 },
      );
      const fr = (await page.evaluate('globalThis.__fr')) as Record<string, number>;
      const inPage = {
        inputToSent: Math.round(fr.sent - fr.input),
        sentToRows: Math.round(fr.rows - fr.sent),
        rowsToFrame: Math.round(fr.frame - fr.rows),
        inputToFrame: Math.round(fr.frame - fr.input),
      };
      await page.locator('[data-testid=listing-status][data-state=done]').waitFor({ timeout: 1_800_000 });
      const listed = performance.now() - t0;
      if (process.env.PROBE_SHOT) await page.screenshot({ path: process.env.PROBE_SHOT });
      const first = page.locator('[data-testid=object-row]').first();
      await first.click();
      const box = await first.boundingBox();
      if (box) await page.mouse.move(box.x + box.width / 2, box.y + 200);
      await page.waitForTimeout(500);
      if (process.env.PROBE_SCROLL === '0') {
        console.log(
          JSON.stringify({
            label: OUT,
            firstRowsMs: Math.round(firstRows),
            firstRowsInPage: inPage,
            listedMs: Math.round(listed),
          }),
        );
        await page.close();
        continue;
      }
      const r = await scrollTraced(browser, page, `object list (${ROWS} rows) ${OUT}`);
      console.log(
        JSON.stringify({
          ...r,
          firstRowsMs: Math.round(firstRows),
          firstRowsInPage: inPage,
          listedMs: Math.round(listed),
        }),
      );
      await page.close();
    }
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    listing.server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
