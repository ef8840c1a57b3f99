import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  BOOKMARKS_MAX,
  placesState,
  RECENT_MAX,
  type Place,
  type PlacesState,
  type Services,
} from '../../src-shared/contract';
import { writeFileAtomic } from '../fs-atomic';

type Api = Services['places'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];

const FILE = 'places.json';
const fileSchema = z.object({
  version: z.literal(1),
  accounts: z.record(z.string(), placesState),
});
type PlacesFile = z.infer<typeof fileSchema>;

const empty = (): PlacesState => ({ bookmarks: [], recent: [], buckets: [] });
const same = (a: { bucket: string; prefix: string }, b: { bucket: string; prefix: string }) =>
  a.bucket === b.bucket && a.prefix === b.prefix;

/**
 * Bookmarks, recent places and buckets opened by name, per account, in `<dataDir>/places.json`
 * (written atomically; changes are applied one at a time). A file that cannot be read as ours
 * starts an empty list rather than failing the app: places are a convenience.
 */
export class PlacesService implements Api {
  private data: Promise<PlacesFile> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataDir: string) {}

  private get path(): string {
    return join(this.dataDir, FILE);
  }

  private load(): Promise<PlacesFile> {
    this.data ??= readFile(this.path, 'utf8').then(
      (text) => {
        const parsed = fileSchema.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : { version: 1 as const, accounts: {} };
      },
      () => ({ version: 1 as const, accounts: {} }),
    );
    return this.data;
  }

  /** Applies one change to an account's places and saves; changes never interleave. */
  private change(accountId: string, edit: (s: PlacesState) => PlacesState): Promise<PlacesState> {
    const run = this.chain.then(async () => {
      const file = await this.load();
      const next = edit(file.accounts[accountId] ?? empty());
      file.accounts[accountId] = next;
      await writeFileAtomic(this.path, JSON.stringify(file, null, 2) + '\n');
      return next;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async list(req: Req<'list'>): Promise<PlacesState> {
    const file = await this.load();
    return file.accounts[req.accountId] ?? empty();
  }

  addBookmark(req: Req<'addBookmark'>): Promise<PlacesState> {
    return this.change(req.accountId, (s) => ({
      ...s,
      bookmarks: [...s.bookmarks.filter((p) => !same(p, req)), placeOf(req)].slice(-BOOKMARKS_MAX),
    }));
  }

  removeBookmark(req: Req<'removeBookmark'>): Promise<PlacesState> {
    return this.change(req.accountId, (s) => ({ ...s, bookmarks: s.bookmarks.filter((p) => !same(p, req)) }));
  }

  visit(req: Req<'visit'>): Promise<PlacesState> {
    return this.change(req.accountId, (s) => ({
      ...s,
      recent: [placeOf(req), ...s.recent.filter((p) => !same(p, req))].slice(0, RECENT_MAX),
    }));
  }

  rememberBucket(req: Req<'rememberBucket'>): Promise<PlacesState> {
    return this.change(req.accountId, (s) => ({
      ...s,
      buckets: [
        ...s.buckets.filter((b) => b.name !== req.bucket),
        { name: req.bucket, ...(req.region ? { region: req.region } : {}) },
      ],
    }));
  }

  forgetBucket(req: Req<'forgetBucket'>): Promise<PlacesState> {
    return this.change(req.accountId, (s) => ({
      bookmarks: s.bookmarks.filter((p) => p.bucket !== req.bucket),
      recent: s.recent.filter((p) => p.bucket !== req.bucket),
      buckets: s.buckets.filter((b) => b.name !== req.bucket),
    }));
  }
}

function placeOf(r: { bucket: string; prefix: string; region?: string }): Place {
  return {
    bucket: r.bucket,
    prefix: r.prefix,
    ...(r.region ? { region: r.region } : {}),
    at: new Date().toISOString(),
  };
}
