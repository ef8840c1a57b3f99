import { basename } from 'node:path';
import type { Services } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { ResolvedAccount } from '../accounts/types';
import { createPresigner } from '../sharing/presign';
import type { Transfers } from './service';

type Api = Services['files'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];

/** What the desktop shell lends: native dialogs and the file manager (Electron only). */
export interface DesktopShell {
  /** Native open dialog; an empty list when the user cancels. */
  pickUpload?(kind: 'files' | 'folder'): Promise<string[]>;
  /** Reveals a file in the system file manager. */
  showItemInFolder?(path: string): void;
}

export interface FilesDeps extends DesktopShell {
  resolveAccount(id: string): Promise<ResolvedAccount>;
  transfers: Transfers;
  now?: () => number;
}

/** A browser download starts at once: the link need not outlive a few minutes. */
const LINK_SECONDS = 300;
const CLOCK_PROBE_MS = 3_000;

export class FilesService implements Api {
  constructor(private readonly deps: FilesDeps) {}

  async pickUpload(req: Req<'pickUpload'>) {
    if (!this.deps.pickUpload) return { native: false, paths: [] };
    return { native: true, paths: await this.deps.pickUpload(req.kind) };
  }

  async showInFolder(req: Req<'showInFolder'>) {
    const job = await this.deps.transfers.job(req.jobId);
    if (!job || job.kind !== 'download') {
      throw new AppError(
        'NOT_FOUND',
        'That download is no longer in the transfer list: download the object again to find its file.',
        { messageZh: '传输列表中已没有该下载：请重新下载对象以找到文件。' },
      );
    }
    if (job.state !== 'done') {
      throw new AppError('VALIDATION', 'The download has not finished yet: its file is not complete.', {
        messageZh: '下载尚未完成：文件还不完整。',
      });
    }
    if (!this.deps.showItemInFolder) return { shown: false, path: job.localPath };
    this.deps.showItemInFolder(job.localPath);
    return { shown: true, path: job.localPath };
  }

  async downloadLink(req: Req<'downloadLink'>) {
    const account = await this.deps.resolveAccount(req.accountId);
    const loc = { bucket: req.bucket, region: req.region };
    // Signed in the server's time, so a computer whose clock is off still gets a working link.
    const client = await this.deps.transfers.client(req.accountId);
    const offsetMs = (await client.syncClock(loc, AbortSignal.timeout(CLOCK_PROBE_MS))).offsetMs;
    const startSec = Math.floor(((this.deps.now ?? Date.now)() + offsetMs) / 1000);
    const name = basename(req.key) || 'download';
    const url = await createPresigner(account).sign({
      ...loc,
      key: req.key,
      method: 'GET',
      startSec,
      seconds: LINK_SECONDS,
      downloadName: name,
    });
    const expiresAt = new Date((startSec + LINK_SECONDS) * 1000 - offsetMs).toISOString();
    return { url, name, expiresAt };
  }
}
