import { computed, ref, shallowRef } from 'vue';
import { defineStore } from 'pinia';
import type {
  FinishedTransfer,
  TransferJob,
  TransferLimits,
  TransferSummary,
} from '../../../src-shared/contract';
import { bridge } from '../bridge/store';
import { useSettingsStore } from '../settings/store';

/** The settings page's answer for an existing destination (ask until main's settings arrive). */
const conflictDefault = () => useSettingsStore().settings?.conflictDefault ?? 'ask';

export type TransferFilter = 'all' | 'active' | 'done' | 'failed';

/** A file the user dropped, with its path below the dropped item (`folder/sub/a.txt`). */
export interface DroppedFile {
  file: File;
  relativePath: string;
}

export interface UploadTarget {
  accountId: string;
  bucket: string;
  region?: string;
  prefix: string;
}

interface PreloadFiles {
  pathsOf(files: File[]): string[];
  dragOut?(req: { accountId: string; bucket: string; region?: string; keys: string[] }): void;
}

function preloadFiles(): PreloadFiles | undefined {
  return (globalThis as { cosdesk?: { files?: PreloadFiles } }).cosdesk?.files;
}

const PAGE = 100;
const PASTE_NO_FILE =
  'What was pasted is not a file on disk (an image copied from a page, say): save it as a file first, then paste or drop that file.';

// Files picked from a folder input: the dropped folders' own paths, so main walks them itself.
function rootsOf(files: DroppedFile[], paths: string[]): string[] {
  const roots = new Set<string>();
  files.forEach((f, i) => {
    const p = paths[i]?.replace(/\\/g, '/');
    if (!p || !p.endsWith(f.relativePath)) return;
    roots.add(p.slice(0, p.length - f.relativePath.length) + f.relativePath.split('/')[0]);
  });
  return [...roots];
}
const EMPTY: TransferSummary = {
  total: 0,
  active: 0,
  queued: 0,
  done: 0,
  failed: 0,
  conflicts: 0,
  bytesTotal: 0,
  bytesDone: 0,
  speed: 0,
};
// The web server's one-time token, kept by the bridge for reloads; the upload endpoint wants it too.
const TOKEN_KEY = 'cosdesk.token';
// Dropped files sent to the server at once (web mode).
const SENDERS = 4;

/**
 * The transfer queue as the panel sees it: one page of jobs around what is on screen, the
 * queue's summary, and the limits. Main holds the queue; this store never asks for all of it.
 */
export const useTransfersStore = defineStore('transfers', () => {
  const jobs = shallowRef<TransferJob[]>([]);
  const offset = ref(0);
  const total = ref(0);
  const summary = ref<TransferSummary>(EMPTY);
  const filter = ref<TransferFilter>('all');
  const limits = ref<TransferLimits>({ uploadBps: 0, downloadBps: 0 });
  const conflict = ref<TransferJob | null>(null);
  const open = ref(false);
  const error = ref('');
  const sendErrors = ref<string[]>([]);
  /** Counts the times the queue ran dry: views holding a listing refresh on it. */
  const settled = ref(0);
  /**
   * Uploads finished since the last tick (bumped at most every 300 ms): a view listing a
   * folder asks `landedIn` whether one went into it, and refreshes.
   */
  const landed = ref(0);
  let landedJobs: FinishedTransfer[] = [];
  let landedGap = false;
  let pendingJobs: FinishedTransfer[] = [];
  let pendingGap = false;
  let lastSeq: number | undefined;
  let landTimer: ReturnType<typeof setTimeout> | undefined;
  /** A finished download's file, in web mode (no file manager to show it in). */
  const shownPath = ref<string | null>(null);

  let stops: Array<() => void> = [];
  let refetch: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  const hasWork = computed(() => summary.value.total > 0);

  async function load(): Promise<void> {
    const gen = ++generation;
    const r = await bridge().transfers.list({ offset: offset.value, limit: PAGE, filter: filter.value });
    if (gen !== generation) return;
    jobs.value = r.jobs;
    total.value = r.total;
    summary.value = r.summary;
    if (r.summary.conflicts > 0) await findConflict(r.jobs);
    else conflict.value = null;
  }

  // The job to ask about: on this page if one is, else among the first active ones.
  async function findConflict(page: TransferJob[]): Promise<void> {
    if (conflict.value && page.some((j) => j.id === conflict.value?.id && j.state === 'conflict')) return;
    let found = page.find((j) => j.state === 'conflict');
    if (!found) {
      const r = await bridge().transfers.list({ offset: 0, limit: 500, filter: 'active' });
      found = r.jobs.find((j) => j.state === 'conflict');
    }
    conflict.value = found ?? null;
  }

  /** Shows the page holding row `first` (the panel calls this as it scrolls). */
  function window(first: number): void {
    const want = Math.max(0, Math.floor(first / (PAGE / 2)) * (PAGE / 2) - PAGE / 4);
    const next = Math.max(0, Math.min(want, Math.max(0, total.value - PAGE)));
    if (next === offset.value) return;
    offset.value = next;
    void load().catch(report);
  }

  function setFilter(f: TransferFilter): void {
    filter.value = f;
    offset.value = 0;
    void load().catch(report);
  }

  function observe(next: TransferSummary): void {
    const before = summary.value;
    if (before.active + before.queued > 0 && next.active + next.queued === 0) settled.value++;
    summary.value = next;
  }

  function soon(): void {
    if (refetch) return;
    refetch = setTimeout(() => {
      refetch = undefined;
      void load().catch(report);
    }, 150);
  }

  function onFinished(seq: number, recent: FinishedTransfer[]): void {
    // Before the first event nothing is known: what it repeats may have finished before this
    // page opened, which costs one refresh too many at most.
    const base = lastSeq ?? 0;
    if (seq > base) {
      const fresh = recent.filter((j) => j.seq > base);
      if (fresh.length === 0 || fresh[0].seq > base + 1) pendingGap = lastSeq !== undefined;
      pendingJobs.push(...fresh.filter((j) => j.kind === 'upload'));
    } else if (seq < base) pendingGap = true; // main started again: its count did too
    lastSeq = seq;
    if ((pendingJobs.length || pendingGap) && !landTimer) {
      landTimer = setTimeout(() => {
        landTimer = undefined;
        landedJobs = pendingJobs;
        landedGap = pendingGap;
        pendingJobs = [];
        pendingGap = false;
        landed.value++;
      }, 300);
    }
  }

  /**
   * Whether uploads of the last tick went into this folder (or below it, making a subfolder
   * appear); true when some may have been missed.
   */
  function landedIn(place: { accountId: string; bucket: string; prefix: string }): boolean {
    if (landedGap) return true;
    return landedJobs.some(
      (j) => j.accountId === place.accountId && j.bucket === place.bucket && j.key.startsWith(place.prefix),
    );
  }

  function start(): void {
    if (stops.length) return;
    const b = bridge();
    stops = [
      b.events.on('transfers.finished', (p) => onFinished(p.seq, p.recent)),
      b.events.on('transfers.changed', (p) => {
        observe(p.summary);
        soon();
      }),
      b.events.on('transfers.progress', (p) => {
        observe(p.summary);
        if (p.jobs.length === 0) return;
        const byId = new Map(p.jobs.map((j) => [j.id, j]));
        let touched = false;
        const next = jobs.value.map((j) => {
          const u = byId.get(j.id);
          if (!u) return j;
          touched = true;
          return { ...j, transferred: u.transferred, speed: u.speed, etaSeconds: u.etaSeconds };
        });
        if (touched) jobs.value = next;
      }),
    ];
    void load().catch(report);
    void bridge()
      .transfers.getLimits({})
      .then((l) => (limits.value = l))
      .catch(report);
  }

  function stop(): void {
    for (const s of stops) s();
    stops = [];
  }

  function report(e: unknown): void {
    error.value = e instanceof Error ? e.message : String(e);
  }

  async function act(kind: 'pause' | 'resume' | 'cancel' | 'retry', ids?: string[]): Promise<void> {
    await bridge().transfers[kind](ids ? { ids } : {});
    await load();
  }

  async function clear(): Promise<void> {
    await bridge().transfers.clear({});
    await load();
  }

  async function resolve(action: 'overwrite' | 'skip' | 'rename', applyToBatch: boolean): Promise<void> {
    const job = conflict.value;
    if (!job) return;
    conflict.value = null;
    await bridge().transfers.resolveConflict({ id: job.id, action, applyToBatch });
    await load();
  }

  async function setLimits(next: Partial<TransferLimits>): Promise<void> {
    limits.value = await bridge().transfers.setLimits({
      uploadBps: next.uploadBps ?? limits.value.uploadBps,
      downloadBps: next.downloadBps ?? limits.value.downloadBps,
    });
  }

  function chooseFolder(): Promise<{ path?: string; fixed: boolean }> {
    return bridge().app.chooseDownloadFolder({});
  }

  /** Only the desktop app can hand files to the OS as a drag. */
  const canDragOut = !!preloadFiles()?.dragOut;

  /** Objects dragged to the desktop: main fetches them, then starts a native drag. */
  function dragOut(target: Omit<UploadTarget, 'prefix'>, keys: string[]): void {
    const files = keys.filter((k) => !k.endsWith('/')).slice(0, 100);
    if (files.length > 0) preloadFiles()?.dragOut?.({ ...target, keys: files });
  }

  async function download(
    target: Omit<UploadTarget, 'prefix'> & { prefix: string },
    keys: string[],
    localDir: string,
  ): Promise<void> {
    await bridge().transfers.download({ ...target, keys, localDir, onConflict: conflictDefault() });
    open.value = true;
  }

  /**
   * Web mode saves single files as browser downloads (the browser asks where, or uses its
   * download folder): each through a short-lived signed link whose answer is an attachment.
   */
  async function browserDownload(target: Omit<UploadTarget, 'prefix'>, keys: string[]): Promise<void> {
    for (const key of keys) {
      const { url, name } = await bridge().files.downloadLink({
        accountId: target.accountId,
        bucket: target.bucket,
        region: target.region,
        key,
      });
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.rel = 'noopener';
      a.style.display = 'none';
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
  }

  /** A finished download's file: in the file manager (desktop app), or its path shown (web mode). */
  async function showInFolder(job: TransferJob): Promise<void> {
    const r = await bridge().files.showInFolder({ jobId: job.id });
    if (!r.shown) shownPath.value = r.path;
  }

  /** Native upload dialog (desktop app); `native: false` when the page must use its own inputs. */
  function pickNative(kind: 'files' | 'folder'): Promise<{ native: boolean; paths: string[] }> {
    return bridge().files.pickUpload({ kind });
  }

  /** Local paths (files and folders, walked by main) into `target.prefix`. */
  async function uploadPaths(target: UploadTarget, paths: string[], contentType?: string): Promise<number> {
    if (paths.length === 0) return 0;
    open.value = true;
    await bridge().transfers.upload({
      accountId: target.accountId,
      bucket: target.bucket,
      region: target.region,
      paths,
      prefix: target.prefix,
      onConflict: 'ask',
      contentType,
    });
    return paths.length;
  }

  /**
   * Dropped files into `target.prefix`. The desktop app hands main the files' paths (the
   * top-level items: main walks folders itself); web mode streams each file to the server.
   */
  async function uploadDropped(
    target: UploadTarget,
    top: File[],
    files: DroppedFile[],
    contentType?: string,
  ): Promise<number> {
    open.value = true;
    const preload = (globalThis as { cosdesk?: { files?: PreloadFiles } }).cosdesk?.files;
    const base = { accountId: target.accountId, bucket: target.bucket, region: target.region };
    if (preload) {
      const paths = top.length
        ? preload.pathsOf(top)
        : rootsOf(files, preload.pathsOf(files.map((f) => f.file)));
      if (paths.length) {
        await bridge().transfers.upload({
          ...base,
          paths,
          prefix: target.prefix,
          onConflict: conflictDefault(),
          contentType,
        });
        return paths.length;
      }
    }
    if (files.length === 0) return 0;
    // The desktop app uploads files from disk only: pasted content that is no file has no path.
    if (preload) throw new Error(PASTE_NO_FILE);
    const { token } = await bridge().transfers.webUpload({
      ...base,
      prefix: target.prefix,
      files: files.map((f) => ({ relativePath: f.relativePath, size: f.file.size })),
      onConflict: conflictDefault(),
      contentType,
    });
    void sendAll(token, files);
    return files.length;
  }

  async function sendAll(token: string, files: DroppedFile[]): Promise<void> {
    const auth = sessionStorage.getItem(TOKEN_KEY) ?? '';
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const i = next++;
        try {
          const res = await fetch(`/upload/${token}/${i}`, {
            method: 'PUT',
            headers: { 'X-Cosdesk-Token': auth, 'Content-Type': 'application/octet-stream' },
            body: files[i].file,
          });
          if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
        } catch (e) {
          sendErrors.value = [...sendErrors.value.slice(-9), `${files[i].relativePath}: ${String(e)}`];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SENDERS, files.length) }, worker));
  }

  return {
    jobs,
    offset,
    total,
    summary,
    filter,
    limits,
    conflict,
    open,
    error,
    sendErrors,
    settled,
    landed,
    landedIn,
    shownPath,
    browserDownload,
    showInFolder,
    pickNative,
    uploadPaths,
    hasWork,
    load,
    window,
    setFilter,
    start,
    stop,
    act,
    clear,
    resolve,
    setLimits,
    canDragOut,
    dragOut,
    download,
    chooseFolder,
    uploadDropped,
  };
});
