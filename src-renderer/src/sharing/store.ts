import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type {
  LinkCheckResult,
  LinkEntry,
  MintedKeysRevealed,
  MintRequest,
  PresignRequest,
  PresignResponse,
  UploadLinkRequest,
  UploadLinkResponse,
  ValidityLimits,
} from '../../../src-shared/contract';
import type { AppError } from '../../../src-shared/errors';
import { toAppError } from '../ui/app-error';
import { bridge } from '../bridge/store';

/** The link log as main keeps it, plus the calls of the link dialog, inspector and mint dialog. */
export const useSharingStore = defineStore('sharing', () => {
  const entries = shallowRef<LinkEntry[]>([]);
  const loading = ref(false);
  const error = shallowRef<AppError | null>(null);
  /** Temporary keys that ran out while the app was open, by account id. */
  const expiredTokens = ref<Record<string, string>>({});
  let unsubscribe: (() => void) | undefined;

  async function loadLinks(): Promise<void> {
    loading.value = true;
    try {
      entries.value = (await bridge().sharing.listLinks({})).entries;
      error.value = null;
    } catch (e) {
      error.value = toAppError(e);
    } finally {
      loading.value = false;
    }
  }

  function start(): void {
    if (unsubscribe) return;
    const offLinks = bridge().events.on('sharing.linksChanged', () => void loadLinks());
    const offToken = bridge().events.on('accounts.tokenExpired', (p) => {
      expiredTokens.value = { ...expiredTokens.value, [p.accountId]: p.expiresAt };
    });
    unsubscribe = () => {
      offLinks();
      offToken();
    };
  }

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toAppError(e);
    }
  }

  const limits = (accountId: string): Promise<ValidityLimits> =>
    call(() => bridge().sharing.limits({ accountId }));

  const presign = (req: PresignRequest): Promise<PresignResponse> =>
    call(() => bridge().sharing.presign(req));

  const reissue = (id: string, expiresSeconds?: number): Promise<PresignResponse> =>
    call(() => bridge().sharing.reissue({ id, ...(expiresSeconds ? { expiresSeconds } : {}) }));

  async function clear(): Promise<number> {
    const { removed } = await call(() => bridge().sharing.clearLinks({}));
    entries.value = [];
    return removed;
  }

  const checkLink = (url: string): Promise<LinkCheckResult> =>
    call(() => bridge().sharing.checkLink({ url }));

  /** The keys come back to this one caller to be shown once; the store keeps no copy. */
  const mint = (req: MintRequest): Promise<MintedKeysRevealed> => call(() => bridge().sharing.mint(req));

  const uploadLink = (req: UploadLinkRequest): Promise<UploadLinkResponse> =>
    call(() => bridge().sharing.uploadLink(req));

  /** Whether an object with this key exists now (a HEAD that answers); unknown counts as no. */
  async function keyExists(loc: { accountId: string; bucket: string; region?: string }, key: string) {
    try {
      await bridge().storage.headObject({ ...loc, key });
      return true;
    } catch {
      return false;
    }
  }

  return {
    uploadLink,
    keyExists,
    entries,
    loading,
    error,
    expiredTokens,
    start,
    loadLinks,
    limits,
    presign,
    reissue,
    clear,
    checkLink,
    mint,
  };
});

/** Clipboard API where the page may use it, else the old select-and-copy (plain-http web mode). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** Saves `text` as a file the browser downloads. */
export function saveTextFile(name: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** `2024-05-01 14:03:09` in local time, and the same instant in UTC. */
export function localAndUtc(iso: string, locale: string): { local: string; utc: string } {
  const d = new Date(iso);
  return {
    local: d.toLocaleString(locale, { hour12: false }),
    utc: d.toISOString().replace('T', ' ').slice(0, 19),
  };
}
