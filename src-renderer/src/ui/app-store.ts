import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo, SealedSecret, SecretPlain } from '../../../src-shared/contract';
import { sealSecret } from '../../../src-shared/crypto/seal';
import type { AppError } from '../../../src-shared/errors';
import { toAppError } from './app-error';
import { bridge } from '../bridge/store';

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const loading = ref(false);
  /** Why the last `load` failed: on startup, the page cannot reach main at all. */
  const error = ref<AppError | null>(null);

  const mode = computed(() => info.value?.mode);
  const version = computed(() => info.value?.version ?? '');
  // Until main says otherwise, assume a keychain: no banner flashes on startup.
  const keychainAvailable = computed(() => info.value?.keychain.available ?? true);
  const keychainReason = computed(() => info.value?.keychain.reason);
  const sealKey = computed(() => info.value?.sealKey ?? '');

  let pending: Promise<AppInfo> | undefined;

  function load(): Promise<AppInfo> {
    pending ??= (async () => {
      loading.value = true;
      try {
        const next = await bridge().app.info({});
        info.value = next;
        error.value = null;
        return next;
      } catch (e) {
        const err = toAppError(e);
        error.value = err;
        throw err;
      } finally {
        loading.value = false;
        pending = undefined;
      }
    })();
    return pending;
  }

  /** Seal what the user typed for main's public key; `refresh` fetches a new key first. */
  async function seal(plain: SecretPlain, opts: { refresh?: boolean } = {}): Promise<SealedSecret> {
    const current = opts.refresh || !info.value ? await load() : info.value;
    return sealSecret(current.sealKey, plain);
  }

  /**
   * Run a call that carries a sealed secret. Main's key changes when it restarts, so a
   * SEAL_INVALID answer means: fetch the new key, seal again, and try once more.
   */
  async function withSealed<T>(
    plain: SecretPlain | undefined,
    call: (secret: SealedSecret | undefined) => Promise<T>,
  ): Promise<T> {
    if (!plain) return call(undefined);
    try {
      return await call(await seal(plain));
    } catch (e) {
      if (toAppError(e).code !== 'SEAL_INVALID') throw e;
      return call(await seal(plain, { refresh: true }));
    }
  }

  return {
    info,
    loading,
    error,
    mode,
    version,
    keychainAvailable,
    keychainReason,
    sealKey,
    load,
    seal,
    withSealed,
  };
});
