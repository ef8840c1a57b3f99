import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hashRange } from './hash';

/**
 * MD5 of byte ranges of a file, computed by worker threads that read the bytes back from the
 * file (the page cache holds what was just written): a download hashes its chunks while the
 * thread that serves IPC and the network keeps going. The same answers as `hashRange(path,
 * start, size, 'md5')`; when no worker can be started it falls back to that, on this thread.
 *
 * The worker is a small script run with `eval` (node:crypto and node:fs only), so it needs no
 * separate bundle entry and runs the same in Electron's main, the CLI, web mode and vitest.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.allocUnsafe(4 << 20);
parentPort.on('message', (m) => {
  let fd;
  try {
    const h = createHash('md5');
    fd = openSync(m.path, 'r');
    let pos = m.start;
    const end = m.start + m.size;
    while (pos < end) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n === 0) throw Object.assign(new Error('the file ended at byte ' + pos + ', before ' + end), { code: 'SHORT' });
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
    }
    parentPort.postMessage({ id: m.id, md5: h.digest('hex') });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e), code: e && e.code });
  } finally {
    if (fd !== undefined) try { closeSync(fd); } catch {}
  }
});
`;

interface Pending {
  resolve(md5: string): void;
  reject(e: Error): void;
}

class HashWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  dead = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // An idle worker never keeps the process (the CLI, a test) alive.
    this.worker.unref();
    this.worker.on('message', (m: { id: number; md5?: string; error?: string; code?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.md5 !== undefined) p.resolve(m.md5);
      else p.reject(Object.assign(new Error(m.error ?? 'hashing failed'), { code: m.code }));
    });
    const fail = (e: Error) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the hashing thread stopped (exit code ${code})`)));
  }

  get load(): number {
    return this.pending.size;
  }

  md5(path: string, start: number, size: number): Promise<string> {
    const id = this.seq++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, path, start, size });
    });
  }
}

/**
 * As many workers as cores (at least 2, at most 4): on two cores one worker alone is slower
 * than the network (MD5 runs at ~650 MB/s), and an idle worker costs nothing. The thread that
 * serves IPC is never blocked by them, only shares the cores.
 */
const POOL_SIZE = Math.max(2, Math.min(4, availableParallelism()));
const pool: HashWorker[] = [];
let unavailable = false;

function pick(): HashWorker | undefined {
  if (unavailable) return undefined;
  for (let i = pool.length - 1; i >= 0; i--) if (pool[i].dead) pool.splice(i, 1);
  const idle = pool.find((w) => w.load === 0);
  if (idle) return idle;
  if (pool.length < POOL_SIZE) {
    try {
      const w = new HashWorker();
      pool.push(w);
      return w;
    } catch {
      unavailable = true;
      return undefined;
    }
  }
  return pool.reduce((a, b) => (b.load < a.load ? b : a), pool[0]);
}

/** MD5 (hex) of `[start, start + size)` of the file at `path`, off this thread when it can be. */
export async function md5OfFileRange(path: string, start: number, size: number): Promise<string> {
  if (size === 0) return createHash('md5').digest('hex');
  const w = pick();
  if (!w) return hashRange(path, start, size, 'md5');
  return w.md5(path, start, size);
}
