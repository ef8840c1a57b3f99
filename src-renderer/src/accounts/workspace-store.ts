import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { AppCommand } from '../../../src-shared/shortcuts';
import { useBrowserStore } from '../browse/store';
import { useSettingsStore } from '../settings/store';
import { useAccountsStore } from './store';

export type WorkspaceTab = 'buckets' | 'links' | 'settings';
export type LinksTab = 'log' | 'inspector';

/**
 * Which part of the selected account's workspace shows: its buckets (or the bucket being
 * browsed), its links (log or inspector), or its settings. Kept here rather than in the view so
 * that menu commands can set it even while the Settings page hides the workspace.
 */
export const useWorkspaceStore = defineStore('workspace', () => {
  const tab = ref<WorkspaceTab>('buckets');
  const linksTab = ref<LinksTab>('log');
  const accounts = useAccountsStore();

  // Another account opens on its bucket list.
  watch(
    () => accounts.selectedId,
    () => {
      tab.value = 'buckets';
      linksTab.value = 'log';
    },
  );

  /** Go > Buckets and Go > Signed-link inspector (menu entries and shortcuts). */
  function handle(command: AppCommand): boolean {
    if (command === 'go-buckets') {
      tab.value = 'buckets';
      const browser = useBrowserStore();
      if (browser.location) browser.close();
    } else if (command === 'link-inspector') {
      tab.value = 'links';
      linksTab.value = 'inspector';
    } else return false;
    // Both are places in the workspace: leave the Settings page that covers it.
    useSettingsStore().open = false;
    return true;
  }

  return { tab, linksTab, handle };
});
