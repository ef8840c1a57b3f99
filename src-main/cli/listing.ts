import type { ListObjectsPage } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { Session } from './resolve';

export interface ListQuery {
  bucket: string;
  prefix: string;
  /** '/' to browse one folder; undefined for every key under the prefix. */
  delimiter?: string;
  maxKeys?: number;
}

/** One listObjects call with the session's account and region. */
export function listPage(s: Session, q: ListQuery, marker?: string): Promise<ListObjectsPage> {
  return s.bridge.storage.listObjects({
    accountId: s.accountId,
    bucket: q.bucket,
    region: s.region,
    prefix: q.prefix,
    delimiter: q.delimiter,
    marker,
    maxKeys: q.maxKeys,
  });
}

/**
 * Every page of a listing, requested one at a time so a caller can print (or act on) each
 * page before the next is asked for. `first` is a page the caller already fetched.
 */
export async function* listPages(
  s: Session,
  q: ListQuery,
  first?: ListObjectsPage,
): AsyncGenerator<ListObjectsPage> {
  let marker: string | undefined;
  let page = first ?? (await listPage(s, q));
  for (;;) {
    yield page;
    if (!page.isTruncated) return;
    const next = page.nextMarker || lastName(page);
    if (!next || next === marker) {
      throw new AppError(
        'STORAGE',
        'The server said the listing goes on but gave no place to continue from; the list is incomplete.',
        { storageCode: 'MalformedResponse' },
      );
    }
    marker = next;
    page = await listPage(s, q, marker);
  }
}

/** S3 ListObjects (v1) sends NextMarker only with a delimiter: continue from the last name instead. */
function lastName(page: ListObjectsPage): string | undefined {
  // The server orders names by their UTF-8 bytes, which is not JavaScript's string order.
  let last: string | undefined;
  for (const name of [...page.objects.map((o) => o.key), ...page.prefixes]) {
    if (last === undefined || Buffer.compare(Buffer.from(name), Buffer.from(last)) > 0) last = name;
  }
  return last;
}
