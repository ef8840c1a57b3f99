import type { Theme } from '../../../src-shared/contract';

const STORAGE_KEY = 'cosdesk.theme';
let current: Theme = 'system';
let query: MediaQueryList | undefined;

function isTheme(v: unknown): v is Theme {
  return v === 'system' || v === 'light' || v === 'dark';
}

function paint(): void {
  const dark = current === 'dark' || (current === 'system' && (query?.matches ?? false));
  // Element Plus dark mode is the `dark` class on <html>.
  document.documentElement.classList.toggle('dark', dark);
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
}

/** Element Plus dark mode: light, dark, or follow the system setting, live. */
export function applyTheme(theme: Theme): void {
  current = theme;
  localStorage.setItem(STORAGE_KEY, theme);
  paint();
}

/** Whether the page shows dark now (whatever the setting says). */
export function isDark(): boolean {
  return document.documentElement.classList.contains('dark');
}

/** At start: the last theme seen (main's setting arrives a moment later), following the system live. */
export function followColorScheme(): void {
  query = window.matchMedia('(prefers-color-scheme: dark)');
  const saved = localStorage.getItem(STORAGE_KEY);
  current = isTheme(saved) ? saved : 'system';
  paint();
  query.addEventListener('change', paint);
}
