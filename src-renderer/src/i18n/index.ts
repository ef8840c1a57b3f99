import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN from './zh-CN';
import permissions from '../permissions/i18n';
import transfers from '../transfers/i18n';
import sharing from '../sharing/i18n';
import uploads from '../transfers/uploads-i18n';
import bucketSettings from '../browse/bucket-settings-i18n';
import places from '../browse/places-i18n';
import operations from '../browse/operations-i18n';
import uploadLinks from '../sharing/upload-link-i18n';
import versions from '../browse/versions-i18n';
import settings from '../settings/i18n';

const FEATURES = [
  permissions,
  transfers,
  sharing,
  uploads,
  bucketSettings,
  places,
  operations,
  uploadLinks,
  versions,
  settings,
];

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
  // One line per feature's strings file: each is { en, zhCN } merged under its own keys.
  messages: {
    en: Object.assign({}, en, ...FEATURES.map((f) => f.en)),
    'zh-CN': Object.assign({}, zhCN, ...FEATURES.map((f) => f.zhCN)),
  },
});

export function setLocale(next: Locale): void {
  i18n.global.locale.value = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}
