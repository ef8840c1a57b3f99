import { randomUUID } from 'node:crypto';
import type {
  BucketSettingsView,
  EmptyJobView,
  Section,
  SectionState,
  Services,
} from '../../src-shared/contract';
import { validateSection, type Dialect, type SectionValues } from '../../src-shared/bucket-settings/model';
import { AppError } from '../../src-shared/errors';
import type { ResolvedAccount } from '../accounts/types';
import type { EventHub } from '../ipc/events';
import { StorageClient, type StorageClientOptions } from '../storage/client';
import { StorageError } from '../storage/errors';
import { deleteBucket } from '../storage/ops/buckets';
import { bodyHeaders } from '../storage/ops/body';
import type { BucketLoc } from '../storage/ops/types';
import type { XmlNode } from '../storage/xml';
import { getVersioning, setVersioning } from '../versions/ops';
import { countLeft, describeLeft, emptyBucket } from './emptier';
import * as x from './xml';

type Api = Services['bucketSettings'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];

export interface BucketSettingsDeps {
  resolveAccount: (id: string) => Promise<ResolvedAccount>;
  hub?: EventHub;
  clientOptions?: StorageClientOptions;
  /** Called when an empty-and-delete removed a bucket (so listings can forget it). */
  onBucketDeleted?: (accountId: string, bucket: string) => void;
}

const LABEL: Record<Section, { en: string; zh: string }> = {
  versioning: { en: 'versioning', zh: '版本控制' },
  cors: { en: 'CORS rules', zh: '跨域访问（CORS）规则' },
  lifecycle: { en: 'lifecycle rules', zh: '生命周期规则' },
  website: { en: 'the static website', zh: '静态网站' },
  logging: { en: 'logging', zh: '日志记录' },
};

/** What the server answers when a configuration is simply not set. */
const NONE: Partial<Record<Section, string>> = {
  cors: 'NoSuchCORSConfiguration',
  lifecycle: 'NoSuchLifecycleConfiguration',
  website: 'NoSuchWebsiteConfiguration',
};

/** The server lacks the operation: RGW answers 405 MethodNotAllowed (website, logging PUT), others 501 NotImplemented. */
export function isUnsupported(e: unknown): e is StorageError {
  return (
    e instanceof StorageError &&
    (e.status === 501 ||
      e.status === 405 ||
      e.storageCode === 'NotImplemented' ||
      e.storageCode === 'MethodNotAllowed')
  );
}

function unsupportedText(section: Section) {
  return {
    en: `Not supported by this server: it answered that ${LABEL[section].en} is not implemented for this bucket.`,
    zh: `此服务器不支持：服务器答复该存储桶未实现${LABEL[section].zh}。`,
  };
}

interface Job {
  view: EmptyJobView;
  abort: AbortController;
  done: Promise<void>;
}

/** Versioning, CORS, lifecycle, static website and logging of a bucket; empty-and-delete. */
export class BucketSettingsService implements Api {
  /** Sections a server refused as not implemented, by account: shown as unsupported from then on. */
  private readonly unsupported = new Map<string, Set<Section>>();
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly deps: BucketSettingsDeps) {}

  async get(req: Req<'get'>): Promise<BucketSettingsView> {
    return this.with(req, (c, loc, dialect) => this.readAll(req.accountId, c, loc, dialect));
  }

  async set(req: Req<'set'>): Promise<BucketSettingsView> {
    return this.with(req, async (c, loc, dialect) => {
      const problems = validateSection(req.section, req.value as SectionValues[typeof req.section], dialect);
      if (problems.length) {
        throw new AppError('VALIDATION', problems.map((p) => p.en).join(' '), {
          problems,
          messageZh: problems.map((p) => p.zh).join(' '),
        });
      }
      try {
        await this.write(c, loc, dialect, req);
      } catch (e) {
        if (isUnsupported(e)) {
          this.markUnsupported(req.accountId, req.section);
          throw e.restate(unsupportedText(req.section));
        }
        if (
          e instanceof StorageError &&
          e.status !== undefined &&
          e.status >= 400 &&
          e.status < 500 &&
          e.status !== 403
        ) {
          const why = e.details.serverMessage ? ` ${e.details.serverMessage}` : '';
          throw e.restate({
            en: `The server refused ${LABEL[req.section].en} (${e.storageCode}):${why || ' the configuration is not valid for it.'} Change it and save again.`,
            zh: `服务器拒绝了${LABEL[req.section].zh}（${e.storageCode}）：${why.trim() || '该配置对其无效。'}请修改后重新保存。`,
          });
        }
        throw e;
      }
      return this.readAll(req.accountId, c, loc, dialect);
    });
  }

  async empty(req: Req<'empty'>): Promise<EmptyJobView> {
    if (req.confirm !== req.bucket) {
      throw new AppError(
        'VALIDATION',
        `To empty${req.deleteBucket ? ' and delete' : ''} the bucket, type its name exactly: ${req.bucket}`,
        {
          field: 'confirm',
          messageZh: `要清空${req.deleteBucket ? '并删除' : ''}存储桶，请准确输入其名称：${req.bucket}`,
        },
      );
    }
    const account = await this.deps.resolveAccount(req.accountId);
    const client = new StorageClient(account, this.deps.clientOptions);
    const loc: BucketLoc =
      req.region === undefined ? { bucket: req.bucket } : { bucket: req.bucket, region: req.region };
    const view: EmptyJobView = {
      id: randomUUID(),
      accountId: req.accountId,
      bucket: req.bucket,
      deleteBucket: req.deleteBucket,
      state: 'running',
      counts: { objects: 0, versions: 0, deleteMarkers: 0, uploads: 0, failed: 0 },
      bucketDeleted: false,
    };
    const abort = new AbortController();
    const emit = () =>
      this.deps.hub?.emit('bucketSettings.emptyProgress', { job: { ...view, counts: { ...view.counts } } });
    /** After a refusal or an error: count what is still there, so the message can say it. */
    const left = async (): Promise<string> => {
      try {
        view.left = await countLeft(client, loc, AbortSignal.timeout(60_000));
        return ` Left in the bucket: ${describeLeft(view.left).en}.`;
      } catch {
        return '';
      }
    };
    const run = async () => {
      try {
        const r = await emptyBucket(client, loc, {
          signal: abort.signal,
          onProgress: (counts, firstError) => {
            view.counts = counts;
            if (firstError) view.message = firstError;
            emit();
          },
        });
        view.counts = r.counts;
        if (r.counts.failed > 0) {
          view.state = 'failed';
          view.message = `${r.counts.failed} item(s) could not be deleted (${r.firstError ?? 'refused'}), so the bucket is kept.${await left()} What was deleted stays deleted: remove the cause (a policy, a retention rule) and run it again for the rest.`;
        } else {
          if (req.deleteBucket) {
            await deleteBucket(client, loc, { signal: abort.signal });
            view.bucketDeleted = true;
            this.deps.onBucketDeleted?.(req.accountId, req.bucket);
          }
          view.state = 'done';
        }
      } catch (e) {
        if (abort.signal.aborted) {
          view.state = 'cancelled';
          view.message = 'Cancelled: what was deleted so far stays deleted; the bucket is kept.';
        } else {
          view.state = 'failed';
          const why = e instanceof Error ? e.message : String(e);
          view.message = `${why}${/[.!?]$/.test(why) ? '' : '.'} The bucket is kept.${await left()}`;
        }
      } finally {
        await client.close().catch(() => undefined);
        emit();
      }
    };
    const job: Job = { view, abort, done: Promise.resolve() };
    this.jobs.set(view.id, job);
    job.done = run();
    emit();
    return { ...view };
  }

  async emptyJob(req: Req<'emptyJob'>): Promise<EmptyJobView> {
    return { ...this.job(req.id).view };
  }

  async cancelEmpty(req: Req<'cancelEmpty'>): Promise<EmptyJobView> {
    const job = this.job(req.id);
    if (job.view.state === 'running') {
      job.abort.abort();
      await job.done;
    }
    return { ...job.view };
  }

  /** Main-side (CLI, tests): wait for a job to end. */
  async waitEmpty(id: string): Promise<EmptyJobView> {
    const job = this.job(id);
    await job.done;
    return { ...job.view };
  }

  async close(): Promise<void> {
    for (const j of this.jobs.values()) j.abort.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  private job(id: string): Job {
    const j = this.jobs.get(id);
    if (!j)
      throw new AppError('NOT_FOUND', 'That empty-bucket job is not known here (the app was restarted?).');
    return j;
  }

  private markUnsupported(accountId: string, s: Section) {
    const set = this.unsupported.get(accountId) ?? new Set<Section>();
    set.add(s);
    this.unsupported.set(accountId, set);
  }

  private async readAll(
    accountId: string,
    c: StorageClient,
    loc: BucketLoc,
    dialect: Dialect,
  ): Promise<BucketSettingsView> {
    const doc = async (section: Section): Promise<XmlNode> =>
      (
        await c.requestXml({
          method: 'GET',
          bucket: loc.bucket,
          region: loc.region,
          query: { [section]: '' },
        })
      ).doc;
    const read = async <S extends Section>(
      section: S,
      fetch: () => Promise<SectionValues[S]>,
      none: SectionValues[S],
    ): Promise<SectionState> => {
      if (this.unsupported.get(accountId)?.has(section))
        return { state: 'unsupported', message: unsupportedText(section).en };
      try {
        return { state: 'ok', value: await fetch() } as SectionState;
      } catch (e) {
        if (e instanceof StorageError && NONE[section] === e.storageCode)
          return { state: 'ok', value: none } as SectionState;
        if (isUnsupported(e)) {
          this.markUnsupported(accountId, section);
          return { state: 'unsupported', message: unsupportedText(section).en };
        }
        if (e instanceof AppError) {
          return {
            state: 'error',
            message: e.message,
            code: e instanceof StorageError ? e.storageCode : e.code,
          };
        }
        throw e;
      }
    };
    const [versioning, cors, lifecycle, website, logging] = await Promise.all([
      // Versioning is read where the versions service reads it (versions/ops.ts).
      read('versioning', async () => ({ status: await getVersioning(c, loc) }), { status: 'Off' }),
      read('cors', () => doc('cors').then(x.parseCors), []),
      read('lifecycle', () => doc('lifecycle').then(x.parseLifecycle), []),
      read('website', () => doc('website').then(x.parseWebsite), null),
      read('logging', () => doc('logging').then(x.parseLogging), null),
    ]);
    return { dialect, versioning, cors, lifecycle, website, logging } as BucketSettingsView;
  }

  private async write(c: StorageClient, loc: BucketLoc, d: Dialect, req: Req<'set'>): Promise<void> {
    const send = async (method: 'PUT' | 'DELETE', body?: string) => {
      const res = await c.request({
        method,
        bucket: loc.bucket,
        region: loc.region,
        query: { [req.section]: '' },
        ...(body === undefined ? {} : { headers: bodyHeaders(body), body }),
      });
      await res.body.dump();
    };
    switch (req.section) {
      case 'versioning':
        // validateSection refused 'Off' (a bucket never goes back to it); written where the
        // versions service writes it (versions/ops.ts).
        if (req.value.status === 'Off') throw new AppError('VALIDATION', 'Versioning cannot be turned off.');
        return setVersioning(c, loc, req.value.status);
      case 'cors':
        return req.value.length ? send('PUT', x.corsXml(d, req.value)) : send('DELETE');
      case 'lifecycle':
        return req.value.length ? send('PUT', x.lifecycleXml(d, req.value)) : send('DELETE');
      case 'website':
        return req.value ? send('PUT', x.websiteXml(d, req.value)) : send('DELETE');
      case 'logging':
        return send('PUT', x.loggingXml(d, req.value));
    }
  }

  private async with<T>(
    req: { accountId: string; bucket: string; region?: string },
    fn: (c: StorageClient, loc: BucketLoc, d: Dialect) => Promise<T>,
  ): Promise<T> {
    const account = await this.deps.resolveAccount(req.accountId);
    const client = new StorageClient(account, this.deps.clientOptions);
    const loc: BucketLoc =
      req.region === undefined ? { bucket: req.bucket } : { bucket: req.bucket, region: req.region };
    try {
      return await fn(client, loc, account.kind);
    } finally {
      await client.close();
    }
  }
}
