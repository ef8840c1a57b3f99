import { randomUUID } from 'node:crypto';
import type {
  InterruptedOperationView,
  KeyError,
  OperationView,
  Services,
  StartOperationRequest,
} from '../../src-shared/contract';
import { startOperationRequest } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { EventHub } from '../ipc/events';
import type { StorageClient } from '../storage/client';
import type { StorageService } from '../storage/service';
import { deleteBatch, DELETE_BATCH, keyError as storageKeyError } from '../storage/ops/delete';
import { StorageError } from '../storage/errors';
import { listObjects } from '../storage/ops/list';
import type { BucketLoc } from '../storage/ops/types';
import { copyOne, planCopy, verifyCopy, type CopiedObject, type CopyTuning, type Side } from './copy';
import { headObjectDetail } from '../storage/ops/objects';
import { mapLimit } from '../storage/ops/pool';
import { rewriteObject } from './rewrite';
import { OperationsJournal, type InterruptedOperation } from './journal';

type Api = Services['operations'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];
type Start = ReturnType<typeof startOperationRequest.parse>;

/** Failures kept per operation (the count stays exact beyond it). */
const MAX_ERRORS = 200;
/** Finished operations remembered for the progress view. */
const KEEP_FINISHED = 50;
/** Multi-delete requests in flight at once. */
const DELETE_CONCURRENCY = 4;
/** Copies, moves and rewrites in flight at once. */
const OBJECT_CONCURRENCY = 8;

export interface OperationsServiceDeps {
  storage: StorageService;
  hub?: EventHub;
  tuning?: Partial<CopyTuning>;
  /** With a data dir, running operations are journaled there (see journal.ts). */
  dataDir?: string;
}

interface Op {
  view: OperationView;
  abort: AbortController;
  finished: Promise<void>;
}

/**
 * Bulk object operations as main-side jobs with counts: delete (DeleteObjects, 1000 keys a
 * request, a few requests at once, while the folder is still being listed), copy and move
 * (server-side within an account, streamed through main across accounts; a move deletes a
 * source only after its copy was verified), metadata edit and storage-class change (a copy
 * onto itself). Every change is reported as `operations.progress`.
 *
 * Main-side callers (the CLI's `rm -r`) may use `run(req)`, which resolves with the final view.
 * A delete removes current objects only (in a versioned bucket it leaves delete markers);
 * emptying a bucket of every version and upload is bucketSettings.empty's job (emptier.ts),
 * the one path the app, `rb --force` and `bucket rm --force` share.
 */
export class OperationsService implements Api {
  private readonly ops = new Map<string, Op>();
  private readonly tuning: CopyTuning;
  private readonly journal?: OperationsJournal;
  private readonly ready: Promise<void>;

  constructor(private readonly deps: OperationsServiceDeps) {
    this.journal = deps.dataDir === undefined ? undefined : new OperationsJournal(deps.dataDir);
    this.ready = this.journal?.load() ?? Promise.resolve();
    this.tuning = {
      multipartThreshold: 5 * 1024 ** 3,
      partSize: 512 * 1024 ** 2,
      streamPartSize: 16 * 1024 ** 2,
      deleteBatch: DELETE_BATCH,
      ...deps.tuning,
    };
  }

  async start(req: Req<'start'>): Promise<OperationView> {
    return { ...this.launch(req).view };
  }

  /** Starts an operation and resolves with its final view (for main-side callers and the CLI). */
  async run(req: StartOperationRequest, onProgress?: (v: OperationView) => void): Promise<OperationView> {
    const op = this.launch(startOperationRequest.parse(req), onProgress);
    await op.finished;
    return { ...op.view };
  }

  /** Operations a previous run was cut short in (crash, kill -9): "interrupted: N of M done". */
  async interrupted(): Promise<InterruptedOperation[]> {
    await this.ready;
    return this.journal?.interrupted() ?? [];
  }

  /**
   * Runs the rest of an interrupted operation: the same request again (a delete or a move
   * finds only what is left; a copy skips what is already there).
   */
  async resume(id: string, onProgress?: (v: OperationView) => void): Promise<OperationView> {
    return this.run(await this.takeInterrupted(id), onProgress);
  }

  /** The interrupted operations as the page sees them (the contract's listInterrupted). */
  async listInterrupted(): Promise<{ operations: InterruptedOperationView[] }> {
    return { operations: (await this.interrupted()).map(interruptedView) };
  }

  /** Starts the rest of an interrupted operation and answers at once (the page's Resume). */
  async resumeInterrupted(req: Req<'resumeInterrupted'>): Promise<OperationView> {
    const rest = startOperationRequest.parse(await this.takeInterrupted(req.id));
    return { ...this.launch(rest).view };
  }

  /** Forgets an interrupted operation without running it. */
  async dismissInterrupted(req: Req<'dismissInterrupted'>): Promise<{ dismissed: boolean }> {
    await this.ready;
    return { dismissed: (await this.journal?.dismiss(req.id)) !== undefined };
  }

  /** Takes an interrupted operation off the journal: its request, to run again. */
  private async takeInterrupted(id: string): Promise<StartOperationRequest> {
    await this.ready;
    const e = await this.journal?.dismiss(id);
    if (!e) {
      throw new AppError(
        'NOT_FOUND',
        `No interrupted operation "${id}" is known: it may have been resumed.`,
        {
          messageZh: `找不到中断的操作“${id}”：它可能已被继续执行。`,
        },
      );
    }
    const req = e.request;
    return req.kind === 'copy' ? { ...req, conflict: 'skip' } : req;
  }

  async cancel(req: Req<'cancel'>): Promise<OperationView> {
    const op = this.find(req.id);
    op.abort.abort();
    await op.finished;
    return { ...op.view };
  }

  async get(req: Req<'get'>): Promise<OperationView> {
    return { ...this.find(req.id).view };
  }

  async list(): Promise<{ operations: OperationView[] }> {
    return { operations: this.views() };
  }

  async clear(): Promise<{ cleared: number }> {
    let cleared = 0;
    for (const [id, op] of this.ops) {
      if (!isRunning(op.view)) {
        this.ops.delete(id);
        cleared++;
      }
    }
    this.emit();
    return { cleared };
  }

  async conflicts(req: Req<'conflicts'>): Promise<{ names: string[] }> {
    const dst = await this.side(req.target);
    const existing = await topLevelNames(dst, req.target.prefix);
    const names = req.keys.map(baseName).filter((n) => existing.has(n));
    return { names: [...new Set(names)] };
  }

  /** Stops every running operation (the app is closing). */
  async close(): Promise<void> {
    const running = [...this.ops.values()].filter((o) => isRunning(o.view));
    for (const o of running) o.abort.abort();
    await Promise.all(running.map((o) => o.finished));
  }

  private launch(req: Start, onProgress?: (v: OperationView) => void): Op {
    const view: OperationView = {
      id: randomUUID(),
      kind: req.kind,
      state: 'listing',
      accountId: req.source.accountId,
      bucket: req.source.bucket,
      ...('target' in req
        ? {
            target: {
              accountId: req.target.accountId,
              bucket: req.target.bucket,
              prefix: req.target.prefix,
            },
          }
        : {}),
      total: 0,
      done: 0,
      skipped: 0,
      failed: 0,
      errors: [],
      startedAt: new Date().toISOString(),
    };
    const abort = new AbortController();
    const op: Op = { view, abort, finished: Promise.resolve() };
    this.ops.set(view.id, op);
    this.trim();
    const ctx: RunCtx = {
      view,
      signal: abort.signal,
      changed: () => {
        this.emit();
        this.journal?.update(view);
        onProgress?.({ ...view });
      },
      fail: (errors: KeyError[]) => {
        view.failed += errors.length;
        for (const e of errors) if (view.errors.length < MAX_ERRORS) view.errors.push(e);
      },
    };
    const journal = this.journal;
    op.finished = (journal ? this.ready.then(() => journal.begin(view, req)) : Promise.resolve())
      .then(() => this.execute(req, ctx))
      .then(() => {
        view.state = abort.signal.aborted ? 'cancelled' : 'done';
      })
      .catch((e: unknown) => {
        if (abort.signal.aborted) view.state = 'cancelled';
        else {
          view.state = 'failed';
          view.message = e instanceof Error ? e.message : String(e);
        }
      })
      .finally(async () => {
        view.endedAt = new Date().toISOString();
        ctx.changed();
        await journal?.end(view.id);
      });
    ctx.changed();
    return op;
  }

  private async execute(req: Start, ctx: RunCtx): Promise<void> {
    const src = await this.side(req.source);
    switch (req.kind) {
      case 'delete':
        return runDelete(src, req.keys, ctx, Math.min(DELETE_BATCH, this.tuning.deleteBatch));
      case 'copy':
      case 'move': {
        const dst = await this.side(req.target);
        return runCopy(src, dst, req, ctx, this.tuning);
      }
      case 'metadata':
      case 'storageClass':
        return runRewrite(src, req, ctx, this.tuning);
    }
  }

  private async side(p: { accountId: string; bucket: string; region?: string }): Promise<Side> {
    const { client, loc } = await this.deps.storage.clientFor(p.accountId, p.bucket, p.region);
    return { accountId: p.accountId, client, loc };
  }

  private find(id: string): Op {
    const op = this.ops.get(id);
    if (!op) {
      throw new AppError('NOT_FOUND', `No operation "${id}" is known: it may have been cleared.`, {
        messageZh: `找不到操作“${id}”：它可能已被清除。`,
      });
    }
    return op;
  }

  private views(): OperationView[] {
    const all = [...this.ops.values()].map((o) => ({ ...o.view }));
    return all.reverse().sort((a, b) => Number(isRunning(b)) - Number(isRunning(a)));
  }

  private emit(): void {
    this.deps.hub?.emit('operations.progress', { operations: this.views() });
  }

  private trim(): void {
    const finished = [...this.ops.entries()].filter(([, o]) => !isRunning(o.view));
    for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.ops.delete(id);
  }
}

/** What the page is shown of an interrupted operation (not its whole key list). */
function interruptedView(e: InterruptedOperation): InterruptedOperationView {
  const r = e.request;
  return {
    id: e.id,
    kind: e.kind,
    accountId: r.source.accountId,
    bucket: e.bucket,
    ...('target' in r
      ? { target: { accountId: r.target.accountId, bucket: r.target.bucket, prefix: r.target.prefix } }
      : {}),
    keys: r.keys.slice(0, 5),
    keyCount: r.keys.length,
    total: e.total,
    done: e.done,
    failed: e.failed,
    startedAt: e.startedAt,
    updatedAt: e.updatedAt,
    summary: e.summary,
  };
}

/** A key's failure with the reason a person can act on. */
function keyError(key: string, e: unknown, bucket: string): KeyError {
  if (e instanceof AppError && !(e instanceof StorageError)) return { key, code: e.code, message: e.message };
  return storageKeyError(key, e, bucket);
}

function isRunning(v: OperationView): boolean {
  return v.state === 'listing' || v.state === 'running';
}

export interface RunCtx {
  view: OperationView;
  signal: AbortSignal;
  changed(): void;
  fail(errors: KeyError[]): void;
}

/** A bounded set of tasks in flight: `add` waits while `limit` run. */
class Lanes {
  private readonly running = new Set<Promise<void>>();
  constructor(private readonly limit: number) {}
  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const p: Promise<void> = task().finally(() => this.running.delete(p));
    this.running.add(p);
  }
  async drain(): Promise<void> {
    await Promise.all(this.running);
  }
}

/**
 * Walks every object a key list names (a key ending '/' names the folder and all under it),
 * page by page, calling `onPage` with each page's objects while the walk goes on.
 */
async function walk(
  side: Side,
  keys: readonly string[],
  ctx: RunCtx,
  onPage: (objs: { key: string; size: number; root: string }[]) => Promise<void>,
): Promise<void> {
  for (const key of keys) {
    if (ctx.signal.aborted) return;
    // A folder, or '' for every current object of the bucket.
    if (!key.endsWith('/') && key !== '') {
      ctx.view.total++;
      await onPage([{ key, size: -1, root: key }]);
      continue;
    }
    let marker: string | undefined;
    try {
      for (let page = 0; page < 100_000; page++) {
        if (ctx.signal.aborted) return;
        const p = await listObjects(side.client, side.loc, {
          prefix: key,
          marker,
          maxKeys: 1000,
          signal: ctx.signal,
        });
        ctx.view.total += p.objects.length;
        ctx.changed();
        await onPage(p.objects.map((o) => ({ key: o.key, size: o.size, root: key })));
        if (!p.isTruncated || p.nextMarker === undefined || p.nextMarker === marker) break;
        marker = p.nextMarker;
      }
    } catch (e) {
      if (ctx.signal.aborted) return;
      ctx.fail([keyError(key, e, side.loc.bucket)]);
    }
  }
}

async function runDelete(src: Side, keys: readonly string[], ctx: RunCtx, size: number): Promise<void> {
  const lanes = new Lanes(DELETE_CONCURRENCY);
  let batch: string[] = [];
  const send = async (): Promise<void> => {
    const these = batch;
    batch = [];
    if (these.length === 0 || ctx.signal.aborted) return;
    await lanes.add(async () => {
      // A batch already sent is let finish even when cancelled: the server may have deleted its
      // keys, and the count must say so. Cancel stops the batches not yet sent.
      const r = await deleteBatch(src.client, src.loc, these);
      ctx.view.done += r.done.length;
      ctx.fail(r.errors);
      ctx.changed();
    });
  };
  ctx.view.state = 'running';
  await walk(src, keys, ctx, async (objs) => {
    for (const o of objs) {
      batch.push(o.key);
      if (batch.length >= size) await send();
    }
  });
  await send();
  await lanes.drain();
}

async function runCopy(
  src: Side,
  dst: Side,
  req: Extract<Start, { kind: 'copy' | 'move' }>,
  ctx: RunCtx,
  tuning: CopyTuning,
): Promise<void> {
  const plan = await planCopy(src, dst, req, ctx);
  ctx.view.state = 'running';
  const lanes = new Lanes(OBJECT_CONCURRENCY);
  const copiedOnes: { key: string; toKey: string; copied: CopiedObject }[] = [];
  // A move deletes a source only once, right before the delete, its copy checks out against
  // what was copied (verifyCopy) and the source is still the object that was copied (same
  // ETag and size): a source changed since it was copied is kept, and the copy reported.
  const flushDeletes = async (force: boolean): Promise<void> => {
    while (copiedOnes.length >= DELETE_BATCH || (force && copiedOnes.length > 0)) {
      const these = copiedOnes.splice(0, DELETE_BATCH);
      const ok = await mapLimit(these, OBJECT_CONCURRENCY, async (c) => {
        try {
          await verifyCopy(dst, c.toKey, c.copied, ctx.signal);
          await sourceStillCopied(src, c.key, c.copied);
          return c.key;
        } catch (e) {
          ctx.fail([keyError(c.key, e, dst.loc.bucket)]);
          return undefined;
        }
      });
      const verified = ok.filter((k): k is string => k !== undefined);
      if (verified.length === 0) {
        ctx.changed();
        continue;
      }
      const r = await deleteBatch(src.client, src.loc, verified, {});
      for (const e of r.errors) {
        ctx.fail([{ ...e, message: `Copied, but the original could not be deleted: ${e.message}` }]);
      }
      ctx.view.done += r.done.length;
      ctx.changed();
    }
  };
  await walk(src, plan.roots, ctx, async (objs) => {
    for (const o of objs) {
      if (ctx.signal.aborted) return;
      const toKey = plan.destination(o.root, o.key);
      if (toKey === undefined) {
        ctx.view.skipped++;
        ctx.changed();
        continue;
      }
      await lanes.add(async () => {
        try {
          // A plain copy within the account needs no HEAD when the listing gave the size.
          const known = req.kind === 'copy' && o.size >= 0 ? o.size : undefined;
          const copied = await copyOne(src, o.key, dst, toKey, tuning, ctx.signal, known);
          if (req.kind === 'move') copiedOnes.push({ key: o.key, toKey, copied });
          else ctx.view.done++;
        } catch (e) {
          if (!ctx.signal.aborted) ctx.fail([keyError(o.key, e, dst.loc.bucket)]);
        }
        ctx.changed();
      });
    }
    await flushDeletes(false);
  });
  await lanes.drain();
  // A copy made before the cancel is still checked and its original deleted: a move never
  // leaves both when the copy is good.
  await flushDeletes(true);
}

/** The source is still the object that was copied: else deleting it would lose the change. */
async function sourceStillCopied(src: Side, key: string, copied: CopiedObject): Promise<void> {
  const now = (await headObjectDetail(src.client, src.loc, key)).props;
  if (now.size === copied.size && (!copied.etag || !now.etag || now.etag === copied.etag)) return;
  throw new AppError(
    'STORAGE',
    `"${key}" changed after it was copied, so it was not deleted: both the copy and the changed original are kept. Move it again to move the new content.`,
    {
      messageZh: `“${key}”在复制后被修改，因此未删除：副本和修改后的原对象都已保留。请再次移动以移动新内容。`,
    },
  );
}

async function runRewrite(
  src: Side,
  req: Extract<Start, { kind: 'metadata' | 'storageClass' }>,
  ctx: RunCtx,
  tuning: CopyTuning,
): Promise<void> {
  ctx.view.state = 'running';
  const lanes = new Lanes(OBJECT_CONCURRENCY);
  await walk(src, req.keys, ctx, async (objs) => {
    for (const o of objs) {
      if (ctx.signal.aborted) return;
      // A folder marker has no content to describe.
      if (o.key.endsWith('/')) {
        ctx.view.skipped++;
        continue;
      }
      await lanes.add(async () => {
        try {
          await rewriteObject(
            src,
            o.key,
            req.kind === 'metadata' ? { patch: req.patch } : { storageClass: req.storageClass },
            tuning,
            ctx.signal,
          );
          ctx.view.done++;
        } catch (e) {
          if (!ctx.signal.aborted) ctx.fail([keyError(o.key, e, src.loc.bucket)]);
        }
        ctx.changed();
      });
    }
  });
  await lanes.drain();
}

export function baseName(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) + (key.endsWith('/') ? '/' : '');
}

/** Names directly in a folder: files as `name`, sub-folders as `name/`. */
export async function topLevelNames(side: Side, prefix: string, signal?: AbortSignal): Promise<Set<string>> {
  const names = new Set<string>();
  let marker: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const p = await listObjects(side.client, side.loc, {
      prefix,
      delimiter: '/',
      marker,
      maxKeys: 1000,
      signal,
    });
    for (const o of p.objects) if (o.key !== prefix) names.add(o.key.slice(prefix.length));
    for (const f of p.prefixes) names.add(f.slice(prefix.length));
    if (!p.isTruncated || p.nextMarker === undefined || p.nextMarker === marker) break;
    marker = p.nextMarker;
  }
  return names;
}

export type { StorageClient, BucketLoc };
