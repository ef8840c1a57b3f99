import type { ObjectSummary } from '../../../src-shared/contract';
import { bridge } from '../bridge/store';

export interface ScanTarget {
  accountId: string;
  bucket: string;
  region?: string;
  prefix: string;
}

/** A stop switch shared by a scan and the Cancel button. */
export interface ScanControl {
  cancelled: boolean;
}

/**
 * Lists every key under a prefix (no delimiter), page by page, handing each page over as it
 * comes. Stops between pages when cancelled. Resolves 'done' or 'cancelled'; rejects on error.
 */
export async function scanPrefix(
  target: ScanTarget,
  onPage: (objects: readonly ObjectSummary[]) => void,
  control: ScanControl,
): Promise<'done' | 'cancelled'> {
  let marker: string | undefined;
  for (;;) {
    if (control.cancelled) return 'cancelled';
    const page = await bridge().storage.listObjects({
      accountId: target.accountId,
      bucket: target.bucket,
      ...(target.region ? { region: target.region } : {}),
      prefix: target.prefix,
      maxKeys: 1000,
      ...(marker !== undefined ? { marker } : {}),
    });
    if (control.cancelled) return 'cancelled';
    onPage(page.objects);
    const next = page.nextMarker ?? page.objects.at(-1)?.key;
    if (!page.isTruncated || !next || next === marker) return 'done';
    marker = next;
  }
}
