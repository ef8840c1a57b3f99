import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppCommand } from '../../../src-shared/shortcuts';
import type { SettingsPatch, SettingsView, Theme } from '../../../src-shared/contract';
import { bridge } from '../bridge/store';
import { useAppStore } from '../ui/app-store';
import { LOCALES, setLocale, type Locale } from '../i18n';
import { applyTheme, isDark } from './theme';

type ProxyInput = Omit<NonNullable<SettingsPatch['proxy']>, 'password'> & {
  /** What the user typed (sealed here); null forgets the saved one. */
  password?: string | null;
};

export type SettingsInput = Omit<SettingsPatch, 'proxy'> & { proxy?: ProxyInput };

/**
 * A cache of main's settings (main keeps them in its data folder); applies language and theme
 * to the page whenever they change, here or in another window.
 */
export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<SettingsView | null>(null);
  /** The settings page is showing. */
  const open = ref(false);
  /** The keyboard-shortcuts sheet is showing. */
  const shortcutsOpen = ref(false);
  let unsubscribe: (() => void) | undefined;

  function apply(next: SettingsView): void {
    settings.value = next;
    applyTheme(next.theme);
    if (next.language && LOCALES.some((l) => l.value === next.language)) setLocale(next.language as Locale);
  }

  async function load(): Promise<void> {
    unsubscribe ??= bridge().events.on('settings.changed', (p) => apply(p.settings));
    apply(await bridge().settings.get({}));
  }

  async function save(input: SettingsInput): Promise<SettingsView> {
    const { proxy, ...rest } = input;
    let next: SettingsView;
    if (proxy) {
      const { password, ...fields } = proxy;
      const app = useAppStore();
      next = await app.withSealed(
        typeof password === 'string' ? { secretKey: password } : undefined,
        (sealed) =>
          bridge().settings.set({
            ...rest,
            proxy: {
              ...fields,
              ...(password === null ? { password: null } : sealed ? { password: sealed } : {}),
            },
          }),
      );
    } else {
      next = await bridge().settings.set(rest);
    }
    apply(next);
    return next;
  }

  async function setTheme(theme: Theme): Promise<void> {
    applyTheme(theme);
    await save({ theme });
  }

  /** The in-app toggle: to light if the page shows dark now, else to dark. */
  function toggleTheme(): Promise<void> {
    return setTheme(isDark() ? 'light' : 'dark');
  }

  async function setLanguage(lang: Locale): Promise<void> {
    setLocale(lang);
    await save({ language: lang });
  }

  function chooseDownloadDir(): Promise<{ path?: string }> {
    return bridge().settings.chooseDownloadDir({});
  }

  /** App-level commands (menu entries and shortcuts) that this feature answers. */
  function handle(command: AppCommand): boolean {
    if (command === 'settings') open.value = true;
    else if (command === 'shortcuts') shortcutsOpen.value = true;
    else if (command === 'toggle-theme') void toggleTheme();
    else return false;
    return true;
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = undefined;
  }

  return {
    settings,
    open,
    shortcutsOpen,
    load,
    save,
    setTheme,
    toggleTheme,
    setLanguage,
    chooseDownloadDir,
    handle,
    stop,
  };
});
