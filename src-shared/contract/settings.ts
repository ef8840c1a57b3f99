import { z } from 'zod';
import { sealedSecret } from './accounts';
import { conflictPolicy } from './transfers';
import { APP_COMMANDS } from '../shortcuts';

export const THEMES = ['system', 'light', 'dark'] as const;
export const LANGUAGES = ['en', 'zh-CN'] as const;
/** `system`: the environment's HTTPS_PROXY/HTTP_PROXY/NO_PROXY (the OS's settings in the app). */
export const PROXY_MODES = ['system', 'none', 'http', 'socks5'] as const;
export type Theme = (typeof THEMES)[number];
export type Language = (typeof LANGUAGES)[number];
export type ProxyMode = (typeof PROXY_MODES)[number];

export const MIB = 1024 * 1024;

const proxyHost = z
  .string()
  .trim()
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]*$/, 'a proxy host is a host name or an IP address, like 127.0.0.1');

export const proxySettings = z
  .object({
    mode: z.enum(PROXY_MODES),
    host: proxyHost,
    port: z.number().int().min(1, 'a port is 1 to 65535').max(65535, 'a port is 1 to 65535').optional(),
    /** Optional; the password stays in the OS keychain. */
    username: z.string().max(256).optional(),
  })
  .strict();
export type ProxySettings = z.infer<typeof proxySettings>;

export const transferSettings = z
  .object({
    concurrency: z.number().int().min(1).max(64),
    /** Multipart part size and ranged-download piece, in MiB (5 MiB is the storage minimum). */
    partSizeMiB: z.number().int().min(5).max(1024),
    /** Bytes per second; 0 means unlimited. */
    uploadBps: z.number().int().min(0),
    downloadBps: z.number().int().min(0),
  })
  .strict();
export type TransferSettings = z.infer<typeof transferSettings>;

/** What the settings file holds (never a secret). */
export const settingsValues = z
  .object({
    transfers: transferSettings,
    /** Absolute path; empty: the default folder. */
    downloadDir: z.string().max(4096),
    /** What to do when a transfer's destination exists (`rename` keeps both). */
    conflictDefault: conflictPolicy,
    /** Empty: follow the system language. */
    language: z.enum(LANGUAGES).or(z.literal('')),
    theme: z.enum(THEMES),
    proxy: proxySettings,
  })
  .strict();
export type SettingsValues = z.infer<typeof settingsValues>;

export const settingsView = settingsValues.extend({
  proxy: proxySettings.extend({ hasPassword: z.boolean() }),
  /** Where downloads go when `downloadDir` is empty. */
  defaultDownloadDir: z.string(),
  /** Whether this front end can show a native folder dialog (the desktop app). */
  canPickFolder: z.boolean(),
});
export type SettingsView = z.infer<typeof settingsView>;

export const settingsPatch = z
  .object({
    transfers: transferSettings.partial().strict().optional(),
    downloadDir: z.string().max(4096).optional(),
    conflictDefault: conflictPolicy.optional(),
    language: z.enum(LANGUAGES).or(z.literal('')).optional(),
    theme: z.enum(THEMES).optional(),
    proxy: proxySettings
      .partial()
      .extend({
        /** The proxy password sealed like an account secret (`secretKey`); null forgets it. */
        password: sealedSecret.nullable().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatch>;

export const settingsContract = {
  get: { request: z.object({}).strict(), response: settingsView },
  set: { request: settingsPatch, response: settingsView },
  /** The desktop app: a native folder dialog for the download folder (no path when cancelled). */
  chooseDownloadDir: {
    request: z.object({}).strict(),
    response: z.object({ path: z.string().optional() }),
  },
} as const;

export const settingsEvents = {
  'settings.changed': z.object({ settings: settingsView }),
} as const;

/** An application-menu entry (or its accelerator) chosen in the desktop app: the page acts on it. */
export const appCommandEvents = {
  'app.command': z.object({ command: z.enum(APP_COMMANDS) }),
} as const;
