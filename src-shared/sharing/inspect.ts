/** Reads a pre-signed COS or S3 URL: who signed it, what it covers, and when it works. Pure parsing. */

export interface InspectedLink {
  dialect: 'cos' | 's3';
  origin: string;
  /** The decoded object path, with its leading slash. */
  path: string;
  algorithm: string;
  keyId: string;
  /** S3: date/region/service of the credential scope. */
  scope?: { date: string; region: string; service: string };
  signedHeaders: string[];
  /** COS: `q-url-param-list`; S3: every query parameter but the signature (SigV4 signs them all). */
  signedParams: string[];
  /** Query parameters besides the signature fields, decoded (e.g. response-content-disposition). */
  params: Array<[string, string]>;
  startsAt: string;
  expiresAt: string;
  validitySeconds: number;
  /** Carries a temporary key's token (the link also dies with the token). */
  hasToken: boolean;
}

export type InspectResult =
  | { ok: true; link: InspectedLink }
  | { ok: false; reason: 'not-a-url' | 'not-signed' | 'malformed'; detail?: string };

export type LinkState = 'not-yet' | 'valid' | 'expired';

const COS_FIELDS = new Set([
  'q-sign-algorithm',
  'q-ak',
  'q-sign-time',
  'q-key-time',
  'q-header-list',
  'q-url-param-list',
  'q-signature',
]);

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Query pairs as sent: `+` stays a plus (COS and S3 encode a space as %20). */
function queryPairs(search: string): Array<[string, string]> {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return [];
  return raw
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
    });
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const list = (v: string | undefined) => (v ? v.split(';').filter(Boolean) : []);

export function inspectSignedUrl(text: string): InspectResult {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, reason: 'not-a-url' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'not-a-url' };
  const pairs = queryPairs(url.search);
  const get = (name: string) => pairs.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const path = decode(url.pathname);

  if (get('q-signature') !== undefined || get('q-ak') !== undefined) {
    const keyTime = get('q-key-time') ?? get('q-sign-time') ?? '';
    const m = /^(\d+);(\d+)$/.exec(keyTime);
    if (!m) return { ok: false, reason: 'malformed', detail: 'q-key-time' };
    const start = Number(m[1]);
    const end = Number(m[2]);
    return {
      ok: true,
      link: {
        dialect: 'cos',
        origin: url.origin,
        path,
        algorithm: get('q-sign-algorithm') ?? '',
        keyId: get('q-ak') ?? '',
        signedHeaders: list(get('q-header-list')),
        signedParams: list(get('q-url-param-list')),
        params: pairs.filter(([k]) => !COS_FIELDS.has(k.toLowerCase())),
        startsAt: iso(start),
        expiresAt: iso(end),
        validitySeconds: end - start,
        hasToken: get('x-cos-security-token') !== undefined,
      },
    };
  }

  if (get('X-Amz-Signature') !== undefined || get('X-Amz-Credential') !== undefined) {
    const cred = (get('X-Amz-Credential') ?? '').split('/');
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(get('X-Amz-Date') ?? '');
    const expires = Number(get('X-Amz-Expires'));
    if (cred.length < 5 || !date || !Number.isInteger(expires)) {
      return { ok: false, reason: 'malformed', detail: 'X-Amz-Credential, X-Amz-Date or X-Amz-Expires' };
    }
    const start = Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]) / 1000;
    return {
      ok: true,
      link: {
        dialect: 's3',
        origin: url.origin,
        path,
        algorithm: get('X-Amz-Algorithm') ?? '',
        keyId: cred.slice(0, cred.length - 4).join('/'),
        scope: { date: cred.at(-4) ?? '', region: cred.at(-3) ?? '', service: cred.at(-2) ?? '' },
        signedHeaders: list(get('X-Amz-SignedHeaders')),
        signedParams: pairs.map(([k]) => k).filter((k) => k !== 'X-Amz-Signature'),
        params: pairs.filter(([k]) => !k.startsWith('X-Amz-')),
        startsAt: iso(start),
        expiresAt: iso(start + expires),
        validitySeconds: expires,
        hasToken: get('X-Amz-Security-Token') !== undefined,
      },
    };
  }
  return { ok: false, reason: 'not-signed' };
}

export function linkState(link: Pick<InspectedLink, 'startsAt' | 'expiresAt'>, nowMs: number): LinkState {
  if (nowMs < Date.parse(link.startsAt) - 1000) return 'not-yet';
  return nowMs >= Date.parse(link.expiresAt) ? 'expired' : 'valid';
}

/** Seconds until `expiresAt` (negative once past). */
export function secondsLeft(expiresAt: string, nowMs: number): number {
  return Math.floor((Date.parse(expiresAt) - nowMs) / 1000);
}

/** 3725 -> "1h 2m 5s"; 90061 -> "1d 1h 1m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m ${sec}s`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** `15m`, `2h`, `1d`, `90s` or plain seconds, as the CLI takes it; undefined when not understood. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2].toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
  const v = n * unit;
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** One CSV field, quoted when it must be (RFC 4180). */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function toCsv(rows: string[][]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
