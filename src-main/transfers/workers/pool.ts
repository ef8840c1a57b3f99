/**
 * Hashing off the thread that serves IPC: a small pool of worker threads (hash-worker.ts)
 * that read file ranges and compute MD5, CRC-64 and multipart ETags, and that digest byte
 * streams the engine hands over (copied into 1 MiB transferable buffers). The main thread only
 * moves buffers. A worker that dies fails the tasks it held with a WorkerCrashed error (not
 * retried: the job fails with that reason) and the next task starts a fresh worker.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerEntry } from './entry';
import type { Algos, Digests, ErrorInfo, Reply, Request } from './protocol';

export type { Algos, Digests } from './protocol';

/** The worker that held a task stopped (a crash, out of memory, killed). */
export class WorkerCrashed extends Error {
  constructor(detail: string) {
    super(
      `the hashing worker stopped unexpectedly (${detail}) while checking this transfer's bytes: retry it; if it keeps happening, restart cosdesk`,
    );
    this.name = 'WorkerCrashed';
  }
}

interface Waiter {
  resolve: (r: Extract<Reply, { ok: true }>) => void;
  reject: (e: Error) => void;
}

let entry: { file: string; eval?: boolean } | undefined;

class Slot {
  readonly worker: Worker;
  readonly waiters = new Map<number, Waiter>();
  /** Tasks sent and not answered: the worker keeps the process alive only while there are some. */
  private busy = 0;
  load = 0;
  dead: Error | undefined;

  constructor(onGone: (s: Slot) => void) {
    entry ??= workerEntry('hash-worker', import.meta.url);
    this.worker = new Worker(entry.file, { eval: entry.eval, name: 'cosdesk-hash' });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const w = this.waiters.get(r.id);
      if (!w) return;
      this.waiters.delete(r.id);
      this.done();
      if (r.ok) w.resolve(r);
      else w.reject(rebuild(r.error));
    });
    const gone = (detail: string) => {
      if (this.dead) return;
      this.dead = new WorkerCrashed(detail);
      onGone(this);
      const ws = [...this.waiters.values()];
      this.waiters.clear();
      for (const w of ws) w.reject(this.dead);
      this.busy = 0;
      this.worker.unref();
    };
    this.worker.on('error', (e) => gone(e.message));
    this.worker.on('exit', (code) => gone(`exit code ${code}`));
  }

  /** Sends `req`; the reply (matched by id) settles the promise. */
  ask(req: Request, transfer: ArrayBuffer[] = []): Promise<Extract<Reply, { ok: true }>> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.waiters.set(req.id, { resolve, reject });
      if (this.busy++ === 0) this.worker.ref();
      this.worker.postMessage(req, transfer);
    });
  }

  tell(req: Request, transfer: ArrayBuffer[] = []): void {
    if (!this.dead) this.worker.postMessage(req, transfer);
  }

  private done(): void {
    if (--this.busy <= 0) {
      this.busy = 0;
      this.worker.unref();
    }
  }
}

function rebuild(e: ErrorInfo): Error {
  // fs errors keep their code/syscall/path: the engine words them (permission denied, …).
  return Object.assign(new Error(e.message), {
    code: e.code,
    errno: e.errno,
    syscall: e.syscall,
    path: e.path,
  });
}

const STAGE = 1 << 20;
/** What an open stream counts for when tasks are spread over the workers (bytes, roughly). */
const STREAM_WEIGHT = 8 << 20;

/** Bytes fed in order, digested in a worker; `update` copies, so the caller keeps its buffer. */
export class StreamHash {
  private stage: Uint8Array | undefined;
  private fill = 0;
  private ended = false;

  constructor(
    private readonly slot: Slot,
    private readonly id: number,
  ) {
    slot.load += STREAM_WEIGHT;
  }

  private finish(): void {
    this.ended = true;
    this.slot.load -= STREAM_WEIGHT;
  }

  update(b: Uint8Array): this {
    let off = 0;
    while (off < b.length) {
      this.stage ??= new Uint8Array(STAGE);
      const n = Math.min(STAGE - this.fill, b.length - off);
      this.stage.set(b.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === STAGE) this.post();
    }
    return this;
  }

  private post(): void {
    if (!this.stage || this.fill === 0) return;
    const buf = this.stage.buffer as ArrayBuffer;
    this.slot.tell({ op: 'data', id: this.id, buf, len: this.fill }, [buf]);
    this.stage = undefined;
    this.fill = 0;
  }

  /** The digests of everything fed; the stream is finished after. */
  async digest(): Promise<Digests> {
    if (this.ended) throw new Error('StreamHash.digest called twice');
    this.post();
    this.finish();
    return (await this.slot.ask({ op: 'end', id: this.id })).digests;
  }

  /** Forget the stream (an error path): the worker drops its state. */
  drop(): void {
    if (this.ended) return;
    this.finish();
    this.stage = undefined;
    this.slot.tell({ op: 'drop', id: this.id });
  }
}

export class HashPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;

  // One core stays for the thread that serves IPC (and the network).
  constructor(readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  private pick(weight: number): Slot {
    let best: Slot | undefined;
    for (const s of this.slots) if (!best || s.load < best.load) best = s;
    if (!best || (best.load > 0 && this.slots.length < this.size)) best = this.spawn();
    best.load += weight;
    return best;
  }

  private spawn(): Slot {
    const s = new Slot((gone) => {
      const i = this.slots.indexOf(gone);
      if (i >= 0) this.slots.splice(i, 1);
    });
    this.slots.push(s);
    return s;
  }

  private async run<T>(weight: number, f: (s: Slot, id: number) => Promise<T>): Promise<T> {
    const s = this.pick(weight);
    try {
      return await f(s, this.nextId++);
    } finally {
      s.load -= weight;
    }
  }

  /** Digests of `[start, start + size)` of a file, read in a worker. */
  hashFile(path: string, start: number, size: number, algos: Algos): Promise<Digests> {
    return this.run(size, async (s, id) => {
      const r = await s.ask({ op: 'file', id, path, start, size, algos, keep: false });
      return r.digests;
    });
  }

  /** `[start, start + size)` of a file read into memory in a worker, with its digests. */
  readFile(
    path: string,
    start: number,
    size: number,
    algos: Algos,
  ): Promise<{ buf: Buffer; digests: Digests }> {
    return this.run(size, async (s, id) => {
      const r = await s.ask({ op: 'file', id, path, start, size, algos, keep: true });
      return { buf: Buffer.from(r.buf ?? new ArrayBuffer(0)), digests: r.digests };
    });
  }

  /**
   * `[start, start + size)` of a file read into `buf` in a worker, with its digests. `buf` is
   * transferred there and back (not copied): the caller's views of it are empty until this
   * resolves with it, and it is not given back on an error. `len` < size: the file is shorter.
   */
  readInto(
    path: string,
    start: number,
    size: number,
    algos: Algos,
    buf: ArrayBuffer,
  ): Promise<{ buf: ArrayBuffer; len: number; digests: Digests }> {
    return this.run(size, async (s, id) => {
      const r = await s.ask({ op: 'read', id, path, start, size, algos, buf }, [buf]);
      return { buf: r.buf ?? new ArrayBuffer(0), len: r.len ?? 0, digests: r.digests };
    });
  }

  /** A stream hash on one worker (streams are spread over the pool). */
  stream(algos: Algos): StreamHash {
    const s = this.pick(0);
    const id = this.nextId++;
    // StreamHash's constructor adds the stream's weight to the slot's load.
    s.tell({ op: 'open', id, algos });
    return new StreamHash(s, id);
  }

  /** Starts the workers ahead of the first task (their start-up is then off any transfer's path). */
  warm(): void {
    while (this.slots.length < this.size) this.spawn();
  }

  /** The live workers (tests kill one mid-job to see the jobs fail cleanly). */
  workers(): Worker[] {
    return this.slots.filter((s) => !s.dead).map((s) => s.worker);
  }

  /** Tasks waiting for an answer. */
  pending(): number {
    return this.slots.reduce((n, s) => n + s.waiters.size, 0);
  }

  async close(): Promise<void> {
    const ws = this.slots.splice(0).map((s) => s.worker);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

let shared: HashPool | undefined;

/** The process's pool, started on first use (its idle workers do not keep the process alive). */
export function hashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
