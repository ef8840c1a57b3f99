import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { BucketSummary } from '../../../src-shared/contract';
import type { AppError } from '../../../src-shared/errors';
import { toAppError } from '../ui/app-error';
import { bridge } from '../bridge/store';
import { usePlacesStore } from './places-store';

/** The buckets of each account, and the ones opened by name this session (keys that may not list). */
export const useBucketsStore = defineStore('buckets', () => {
  const listed = ref<Record<string, BucketSummary[]>>({});
  /** Opened with "Open bucket by name", per account, for this session only. */
  const opened = ref<Record<string, BucketSummary[]>>({});
  const loadingIds = ref<string[]>([]);
  /** Why the last listBuckets of an account failed (AccessDenied for many sub-accounts). */
  const errors = shallowRef<Record<string, AppError | undefined>>({});

  function setError(accountId: string, err: AppError | undefined): void {
    errors.value = { ...errors.value, [accountId]: err };
  }

  /** Buckets opened by name in an earlier session, kept by main (places). */
  async function loadRemembered(accountId: string): Promise<void> {
    try {
      const { buckets } = await usePlacesStore().load(accountId);
      for (const b of buckets) remember(accountId, b);
    } catch {
      // Places are a convenience: the bucket list works without them.
    }
  }

  async function load(accountId: string): Promise<void> {
    loadingIds.value = [...loadingIds.value, accountId];
    await loadRemembered(accountId);
    try {
      const buckets = await bridge().storage.listBuckets({ accountId });
      listed.value = { ...listed.value, [accountId]: buckets };
      setError(accountId, undefined);
    } catch (e) {
      setError(accountId, toAppError(e));
    } finally {
      loadingIds.value = loadingIds.value.filter((id) => id !== accountId);
    }
  }

  function isLoading(accountId: string): boolean {
    return loadingIds.value.includes(accountId);
  }

  /** Listed buckets plus the ones opened by name that the list does not show. */
  function bucketsOf(accountId: string): BucketSummary[] {
    const list = listed.value[accountId] ?? [];
    const names = new Set(list.map((b) => b.name));
    return [...list, ...(opened.value[accountId] ?? []).filter((b) => !names.has(b.name))];
  }

  function remember(accountId: string, bucket: BucketSummary): void {
    const mine = (opened.value[accountId] ?? []).filter((b) => b.name !== bucket.name);
    opened.value = { ...opened.value, [accountId]: [...mine, bucket] };
  }

  function forget(accountId: string, name: string): void {
    const drop = (m: Record<string, BucketSummary[]>) => ({
      ...m,
      [accountId]: (m[accountId] ?? []).filter((b) => b.name !== name),
    });
    if ((opened.value[accountId] ?? []).some((b) => b.name === name)) {
      void usePlacesStore()
        .forgetBucket(accountId, name)
        .catch(() => undefined);
    }
    opened.value = drop(opened.value);
    listed.value = drop(listed.value);
  }

  /** HEAD the bucket; remembered for the session once the server says it exists and we may use it. */
  async function open(accountId: string, bucket: string, region?: string): Promise<BucketSummary> {
    const summary = await bridge().storage.openBucket({
      accountId,
      bucket,
      ...(region ? { region } : {}),
    });
    remember(accountId, summary);
    await usePlacesStore()
      .rememberBucket(accountId, summary.name, summary.region)
      .catch(() => undefined);
    return summary;
  }

  async function create(accountId: string, bucket: string, region?: string): Promise<BucketSummary> {
    const made = await bridge().storage.createBucket({ accountId, bucket, ...(region ? { region } : {}) });
    const summary: BucketSummary = {
      name: made.bucket,
      ...(made.region ? { region: made.region } : {}),
      createdAt: new Date().toISOString(),
    };
    await load(accountId);
    if (errors.value[accountId]) remember(accountId, summary);
    return summary;
  }

  async function remove(accountId: string, bucket: string, region?: string): Promise<void> {
    await bridge().storage.deleteBucket({ accountId, bucket, ...(region ? { region } : {}) });
    forget(accountId, bucket);
  }

  return {
    listed,
    opened,
    loadingIds,
    errors,
    load,
    isLoading,
    bucketsOf,
    open,
    create,
    remove,
    forget,
  };
});
