import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface ClipboardPlace {
  accountId: string;
  bucket: string;
  region?: string;
}

/** Objects copied or cut in the browser, to paste into another folder, bucket or account. */
export interface ClipboardContent {
  mode: 'copy' | 'cut';
  source: ClipboardPlace;
  keys: string[];
}

export const useClipboardStore = defineStore('object-clipboard', () => {
  const content = ref<ClipboardContent | null>(null);

  function set(mode: 'copy' | 'cut', source: ClipboardPlace, keys: readonly string[]): void {
    content.value = keys.length ? { mode, source: { ...source }, keys: [...keys] } : null;
  }

  function clear(): void {
    content.value = null;
  }

  return { content, set, clear };
});
