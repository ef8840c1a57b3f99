import type { StorageClient } from '../storage/client';
import { listObjects } from '../storage/ops/list';
import type { BucketLoc } from '../storage/ops/types';

/** Objects under `prefix`, counted page by page up to `cap` (a huge folder says "more than"). */
export async function countObjects(
  client: StorageClient,
  loc: BucketLoc,
  prefix: string,
  cap: number,
): Promise<{ count: number; more: boolean }> {
  let count = 0;
  let marker: string | undefined;
  for (;;) {
    const page = await listObjects(client, loc, { prefix, marker, maxKeys: 1000 });
    // The folder's own marker object ("folder/") exposes nothing.
    count += page.objects.filter((o) => !(o.key === prefix && o.size === 0)).length;
    if (count >= cap) return { count: cap, more: count > cap || page.isTruncated };
    if (!page.isTruncated || page.nextMarker === undefined || page.nextMarker === marker) {
      return { count, more: false };
    }
    marker = page.nextMarker;
  }
}
