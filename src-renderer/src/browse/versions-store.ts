import { defineStore } from 'pinia';
import type { BucketRef, VersioningStatus } from '../../../src-shared/contract';
import { bridge } from '../bridge/store';

export type BucketTarget = BucketRef;

/** 1 MiB of a text file is shown; more would make the page slow for no reader's benefit. */
export const TEXT_PREVIEW_BYTES = 1024 * 1024;

// Signed links are reused until a minute before they expire (thumbnails scroll in and out).
const REUSE_MARGIN_MS = 60_000;

/** Versions, delete markers and previews of the open bucket: thin calls to main, plus a link cache. */
export const useVersionsStore = defineStore('versions', () => {
  const links = new Map<string, { url: string; expiresAt: number }>();

  function linkKey(t: BucketTarget, key: string, versionId?: string): string {
    return JSON.stringify([t.accountId, t.bucket, t.region ?? '', key, versionId ?? '']);
  }

  async function previewUrl(t: BucketTarget, key: string, versionId?: string): Promise<string> {
    const k = linkKey(t, key, versionId);
    const hit = links.get(k);
    if (hit && hit.expiresAt - Date.now() > REUSE_MARGIN_MS) return hit.url;
    const r = await bridge().versions.previewUrl({ ...t, key, versionId });
    links.set(k, { url: r.url, expiresAt: Date.parse(r.expiresAt) });
    return r.url;
  }

  function previewText(t: BucketTarget, key: string, versionId?: string) {
    return bridge().versions.previewText({ ...t, key, versionId, maxBytes: TEXT_PREVIEW_BYTES });
  }

  async function status(t: BucketTarget): Promise<VersioningStatus> {
    return (await bridge().versions.getVersioning(t)).status;
  }

  async function setStatus(t: BucketTarget, s: 'Enabled' | 'Suspended'): Promise<VersioningStatus> {
    return (await bridge().versions.setVersioning({ ...t, status: s })).status;
  }

  function versionsOf(t: BucketTarget, key: string) {
    return bridge().versions.objectVersions({ ...t, key });
  }

  function restore(t: BucketTarget, key: string, versionId: string) {
    links.clear();
    return bridge().versions.restore({ ...t, key, versionId });
  }

  function deleteVersion(t: BucketTarget, key: string, versionId: string) {
    links.delete(linkKey(t, key, versionId));
    return bridge().versions.deleteVersion({ ...t, key, versionId });
  }

  function listDeleted(t: BucketTarget, prefix: string) {
    return bridge().versions.listDeleted({ ...t, prefix });
  }

  function undelete(t: BucketTarget, key: string) {
    return bridge().versions.undelete({ ...t, key });
  }

  /** One version into a local folder through the transfer queue (checked like any download). */
  async function download(
    t: BucketTarget,
    key: string,
    versionId: string,
  ): Promise<{ dir?: string; fixed: boolean }> {
    const dir = await bridge().app.chooseDownloadFolder({});
    if (!dir.path) return { fixed: dir.fixed };
    const prefix = key.slice(0, key.lastIndexOf('/') + 1);
    await bridge().transfers.download({
      ...t,
      keys: [key],
      prefix,
      localDir: dir.path,
      onConflict: 'rename',
      versionId,
    });
    return { dir: dir.path, fixed: dir.fixed };
  }

  return {
    previewUrl,
    previewText,
    status,
    setStatus,
    versionsOf,
    restore,
    deleteVersion,
    listDeleted,
    undelete,
    download,
  };
});
