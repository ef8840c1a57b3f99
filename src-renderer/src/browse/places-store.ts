import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { PlacesState } from '../../../src-shared/contract';
import { bridge } from '../bridge/store';

export interface PlaceLocation {
  accountId: string;
  bucket: string;
  prefix: string;
  region?: string;
}

const EMPTY: PlacesState = { bookmarks: [], recent: [], buckets: [] };

/** Bookmarks, recent places and buckets opened by name of each account, as main keeps them. */
export const usePlacesStore = defineStore('places', () => {
  const byAccount = ref<Record<string, PlacesState>>({});

  function set(accountId: string, s: PlacesState): PlacesState {
    byAccount.value = { ...byAccount.value, [accountId]: s };
    return s;
  }

  async function load(accountId: string): Promise<PlacesState> {
    return set(accountId, await bridge().places.list({ accountId }));
  }

  function of(accountId: string): PlacesState {
    return byAccount.value[accountId] ?? EMPTY;
  }

  function req(l: PlaceLocation) {
    return {
      accountId: l.accountId,
      bucket: l.bucket,
      prefix: l.prefix,
      ...(l.region ? { region: l.region } : {}),
    };
  }

  function isBookmarked(l: PlaceLocation): boolean {
    return of(l.accountId).bookmarks.some((p) => p.bucket === l.bucket && p.prefix === l.prefix);
  }

  async function toggleBookmark(l: PlaceLocation): Promise<void> {
    const call = isBookmarked(l) ? bridge().places.removeBookmark : bridge().places.addBookmark;
    set(l.accountId, await call(req(l)));
  }

  async function visit(l: PlaceLocation): Promise<void> {
    set(l.accountId, await bridge().places.visit(req(l)));
  }

  async function rememberBucket(accountId: string, bucket: string, region?: string): Promise<void> {
    set(
      accountId,
      await bridge().places.rememberBucket({ accountId, bucket, ...(region ? { region } : {}) }),
    );
  }

  async function forgetBucket(accountId: string, bucket: string): Promise<void> {
    set(accountId, await bridge().places.forgetBucket({ accountId, bucket }));
  }

  return { byAccount, load, of, isBookmarked, toggleBookmark, visit, rememberBucket, forgetBucket };
});
