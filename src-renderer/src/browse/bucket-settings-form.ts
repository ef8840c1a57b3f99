import type { CorsRule, LifecycleRule } from '../../../src-shared/contract';

/** The editors hold text fields (one value a line, numbers as typed); these turn them into rules and back. */
export interface CorsForm {
  id: string;
  origins: string;
  methods: string[];
  headers: string;
  expose: string;
  maxAge: string;
}

export interface LifecycleForm {
  id: string;
  enabled: boolean;
  prefix: string;
  /** key=value, one a line */
  tags: string;
  expiration: string;
  deleteMarker: boolean;
  noncurrent: string;
  abort: string;
  transitionDays: string;
  transitionClass: string;
}

const lines = (s: string) =>
  s
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);
const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s.trim()));
const str = (n: number | undefined) => (n === undefined ? '' : String(n));

export function corsToForm(r: CorsRule): CorsForm {
  return {
    id: r.id ?? '',
    origins: r.allowedOrigins.join('\n'),
    methods: [...r.allowedMethods],
    headers: r.allowedHeaders.join('\n'),
    expose: r.exposeHeaders.join('\n'),
    maxAge: str(r.maxAgeSeconds),
  };
}

export function formToCors(f: CorsForm): CorsRule {
  const maxAge = num(f.maxAge);
  return {
    ...(f.id.trim() ? { id: f.id.trim() } : {}),
    allowedOrigins: lines(f.origins),
    allowedMethods: [...f.methods],
    allowedHeaders: lines(f.headers),
    exposeHeaders: lines(f.expose),
    ...(maxAge === undefined ? {} : { maxAgeSeconds: maxAge }),
  };
}

export function newCorsForm(): CorsForm {
  return { id: '', origins: '', methods: ['GET'], headers: '', expose: '', maxAge: '' };
}

export function lifecycleToForm(r: LifecycleRule): LifecycleForm {
  return {
    id: r.id,
    enabled: r.enabled,
    prefix: r.prefix,
    tags: r.tags.map((t) => `${t.key}=${t.value}`).join('\n'),
    expiration: str(r.expirationDays),
    deleteMarker: r.expiredObjectDeleteMarker ?? false,
    noncurrent: str(r.noncurrentExpirationDays),
    abort: str(r.abortIncompleteUploadDays),
    transitionDays: str(r.transition?.days),
    transitionClass: r.transition?.storageClass ?? '',
  };
}

export function formToLifecycle(f: LifecycleForm): LifecycleRule {
  const tags = f.tags
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? { key: l, value: '' } : { key: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
    });
  const r: LifecycleRule = { id: f.id.trim(), enabled: f.enabled, prefix: f.prefix, tags };
  const exp = num(f.expiration);
  if (exp !== undefined) r.expirationDays = exp;
  if (f.deleteMarker) r.expiredObjectDeleteMarker = true;
  const nc = num(f.noncurrent);
  if (nc !== undefined) r.noncurrentExpirationDays = nc;
  const ab = num(f.abort);
  if (ab !== undefined) r.abortIncompleteUploadDays = ab;
  const td = num(f.transitionDays);
  if (td !== undefined || f.transitionClass)
    r.transition = { days: td ?? NaN, storageClass: f.transitionClass };
  return r;
}

export function newLifecycleForm(n: number): LifecycleForm {
  return {
    id: `rule-${n}`,
    enabled: true,
    prefix: '',
    tags: '',
    expiration: '',
    deleteMarker: false,
    noncurrent: '',
    abort: '',
    transitionDays: '',
    transitionClass: '',
  };
}
