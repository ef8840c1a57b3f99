import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN from './zh-CN';
import permissions from '../permissions/i18n';
import transfers from '../transfers/i18n';
import sharing from '../sharing/i18n';
import uploads from '../transfers/uploads-i18n';
import settings from '../settings/i18n';

export const LOCALES = [
  { value: 'en', label: 'English' },
  { value: 'zh-CN', label: '简体中文' },
] as const;

export type Locale = (typeof LOCALES)[number]['value'];

const STORAGE_KEY = 'cosdesk.locale';

function isLocale(value: unknown): value is Locale {
  return LOCALES.some((l) => l.value === value);
}

/** The user's last choice, else the system language; any Chinese gets zh-CN, the rest en. */
function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (isLocale(saved)) return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

const locale = initialLocale();
document.documentElement.lang = locale;

export const i18n = createI18n({
  legacy: false,
  locale,
  fallbackLocale: 'en',
  messages: {
    en: { ...en, ...permissions.en, ...transfers.en, ...sharing.en, ...uploads.en, ...settings.en },
    'zh-CN': {
      ...zhCN,
      ...permissions.zhCN,
      ...transfers.zhCN,
      ...sharing.zhCN,
      ...uploads.zhCN,
      ...settings.zhCN,
    },
  },
});

export function setLocale(next: Locale): void {
  i18n.global.locale.value = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}
