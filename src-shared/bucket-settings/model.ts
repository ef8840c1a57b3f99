import { z } from 'zod';

/**
 * Bucket settings as the editor holds them: versioning, CORS, lifecycle, static website and
 * logging, in one shape for both dialects (COS and S3 use the same XML element names; the
 * differences are in which values each accepts, checked by `validateSection`).
 */

export const SECTIONS = ['versioning', 'cors', 'lifecycle', 'website', 'logging'] as const;
export type Section = (typeof SECTIONS)[number];

export const versioningConfig = z.object({
  /** 'Off' = never enabled (the server answers no Status); once enabled it can only be suspended. */
  status: z.enum(['Off', 'Enabled', 'Suspended']),
});
export type VersioningConfig = z.infer<typeof versioningConfig>;

export const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'] as const;

export const corsRule = z.object({
  id: z.string().max(255).optional(),
  allowedOrigins: z.array(z.string().max(1024)).max(100),
  allowedMethods: z.array(z.string().max(16)).max(10),
  allowedHeaders: z.array(z.string().max(1024)).max(100),
  exposeHeaders: z.array(z.string().max(1024)).max(100),
  maxAgeSeconds: z.number().int().optional(),
});
export type CorsRule = z.infer<typeof corsRule>;
export const corsConfig = z.array(corsRule).max(200);

export const lifecycleRule = z.object({
  id: z.string().max(255),
  enabled: z.boolean(),
  /** The rule applies to keys under this prefix ('' = the whole bucket)… */
  prefix: z.string().max(1024),
  /** …and carrying all of these tags. */
  tags: z.array(z.object({ key: z.string().max(128), value: z.string().max(256) })).max(10),
  expirationDays: z.number().int().optional(),
  /** Remove expired delete markers (versioned buckets); not with expirationDays. */
  expiredObjectDeleteMarker: z.boolean().optional(),
  noncurrentExpirationDays: z.number().int().optional(),
  abortIncompleteUploadDays: z.number().int().optional(),
  transition: z.object({ days: z.number().int(), storageClass: z.string().max(64) }).optional(),
});
export type LifecycleRule = z.infer<typeof lifecycleRule>;
export const lifecycleConfig = z.array(lifecycleRule).max(1000);

export const websiteConfig = z.object({
  indexDocument: z.string().max(1024),
  errorDocument: z.string().max(1024).optional(),
  /** Every request is redirected to this protocol (COS: https only). */
  redirectProtocol: z.enum(['http', 'https']).optional(),
  /** S3 only: every request is redirected to this host. */
  redirectHost: z.string().max(255).optional(),
});
export type WebsiteConfig = z.infer<typeof websiteConfig>;

export const loggingConfig = z.object({
  targetBucket: z.string().max(255),
  targetPrefix: z.string().max(1024),
});
export type LoggingConfig = z.infer<typeof loggingConfig>;

/** What the editor holds per section; null = none (CORS, lifecycle: an empty list = none). */
export interface SectionValues {
  versioning: VersioningConfig;
  cors: CorsRule[];
  lifecycle: LifecycleRule[];
  website: WebsiteConfig | null;
  logging: LoggingConfig | null;
}

export type Dialect = 'cos' | 's3';

/** Transition targets each dialect documents (COS: PUT Bucket lifecycle, 436/8280; S3: PutBucketLifecycleConfiguration). */
export const TRANSITION_CLASSES: Record<Dialect, readonly string[]> = {
  cos: ['STANDARD_IA', 'MAZ_STANDARD_IA', 'INTELLIGENT_TIERING', 'ARCHIVE', 'DEEP_ARCHIVE'],
  s3: ['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'GLACIER_IR', 'DEEP_ARCHIVE'],
};

export interface Problem {
  /** Where: 'cors[0].allowedOrigins', 'lifecycle[1].expirationDays', 'website.indexDocument'. */
  at: string;
  en: string;
  zh: string;
}

const posInt = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 1);

/** Every problem the server would refuse (or that makes the rule do nothing), in words for people. */
export function validateSection<S extends Section>(
  section: S,
  value: SectionValues[S],
  dialect: Dialect,
): Problem[] {
  const out: Problem[] = [];
  const p = (at: string, en: string, zh: string) => out.push({ at, en, zh });
  if (section === 'versioning') {
    const v = value as VersioningConfig;
    if (v.status === 'Off')
      p(
        'versioning.status',
        'Versioning cannot be turned off once enabled: choose Suspended.',
        '版本控制一旦开启就无法关闭：请选择“暂停”。',
      );
  } else if (section === 'cors') {
    const rules = value as CorsRule[];
    const ids = new Set<string>();
    rules.forEach((r, i) => {
      const at = `cors[${i}]`;
      const n = i + 1;
      if (r.allowedOrigins.length === 0)
        p(
          `${at}.allowedOrigins`,
          `Rule ${n}: add at least one allowed origin (e.g. https://example.com or *).`,
          `规则 ${n}：请至少添加一个允许的来源（如 https://example.com 或 *）。`,
        );
      for (const o of r.allowedOrigins) {
        if ((o.match(/\*/g) ?? []).length > 1)
          p(
            `${at}.allowedOrigins`,
            `Rule ${n}: the origin "${o}" has more than one "*"; use at most one wildcard.`,
            `规则 ${n}：来源“${o}”含有多个“*”，最多只能使用一个通配符。`,
          );
        else if (o !== '*' && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(o))
          p(
            `${at}.allowedOrigins`,
            `Rule ${n}: "${o}" is not an origin: write it as scheme://host[:port] (e.g. https://example.com), or *.`,
            `规则 ${n}：“${o}”不是有效来源：请写成 协议://主机[:端口]（如 https://example.com），或 *。`,
          );
      }
      if (r.allowedMethods.length === 0)
        p(
          `${at}.allowedMethods`,
          `Rule ${n}: choose at least one allowed method.`,
          `规则 ${n}：请至少选择一个允许的方法。`,
        );
      for (const m of r.allowedMethods)
        if (!(CORS_METHODS as readonly string[]).includes(m))
          p(
            `${at}.allowedMethods`,
            `Rule ${n}: "${m}" is not a CORS method: use ${CORS_METHODS.join(', ')}.`,
            `规则 ${n}：“${m}”不是可用的方法：请使用 ${CORS_METHODS.join('、')}。`,
          );
      for (const h of r.allowedHeaders)
        if ((h.match(/\*/g) ?? []).length > 1 || /\s/.test(h) || h === '')
          p(
            `${at}.allowedHeaders`,
            `Rule ${n}: "${h}" is not a header name (at most one "*", no spaces).`,
            `规则 ${n}：“${h}”不是有效的头部名称（最多一个“*”，不能有空格）。`,
          );
      for (const h of r.exposeHeaders)
        if (h.includes('*') || /\s/.test(h) || h === '')
          p(
            `${at}.exposeHeaders`,
            `Rule ${n}: exposed header "${h}" must be a plain header name (no "*").`,
            `规则 ${n}：暴露的头部“${h}”必须是具体的头部名称（不能用“*”）。`,
          );
      if (r.maxAgeSeconds !== undefined && (!Number.isInteger(r.maxAgeSeconds) || r.maxAgeSeconds < 0))
        p(
          `${at}.maxAgeSeconds`,
          `Rule ${n}: max age is a whole number of seconds, 0 or more.`,
          `规则 ${n}：缓存时间必须是不小于 0 的整数秒。`,
        );
      if (r.id) {
        if (ids.has(r.id))
          p(`${at}.id`, `Rule ${n}: the id "${r.id}" is used twice.`, `规则 ${n}：ID“${r.id}”重复。`);
        ids.add(r.id);
      }
    });
  } else if (section === 'lifecycle') {
    const rules = value as LifecycleRule[];
    const ids = new Set<string>();
    const classes = TRANSITION_CLASSES[dialect];
    rules.forEach((r, i) => {
      const at = `lifecycle[${i}]`;
      const n = i + 1;
      if (!r.id.trim()) p(`${at}.id`, `Rule ${n}: give the rule a name.`, `规则 ${n}：请为规则命名。`);
      else if (ids.has(r.id))
        p(`${at}.id`, `Rule ${n}: the name "${r.id}" is used twice.`, `规则 ${n}：名称“${r.id}”重复。`);
      ids.add(r.id);
      const days: [keyof LifecycleRule, number | undefined, string, string][] = [
        ['expirationDays', r.expirationDays, 'expiration', '过期删除'],
        [
          'noncurrentExpirationDays',
          r.noncurrentExpirationDays,
          'noncurrent-version expiration',
          '历史版本过期删除',
        ],
        [
          'abortIncompleteUploadDays',
          r.abortIncompleteUploadDays,
          'abort incomplete uploads',
          '清理未完成的分块上传',
        ],
        ['transition', r.transition?.days, 'transition', '转换存储类型'],
      ];
      for (const [field, d, en, zh] of days)
        if (!posInt(d))
          p(
            `${at}.${field}`,
            `Rule ${n}: the days for ${en} must be a whole number, 1 or more.`,
            `规则 ${n}：${zh}的天数必须是不小于 1 的整数。`,
          );
      if (
        r.expirationDays === undefined &&
        !r.expiredObjectDeleteMarker &&
        r.noncurrentExpirationDays === undefined &&
        r.abortIncompleteUploadDays === undefined &&
        r.transition === undefined
      )
        p(
          `${at}`,
          `Rule ${n}: choose at least one action (expire, transition, remove old versions or abort incomplete uploads).`,
          `规则 ${n}：请至少选择一个动作（过期删除、转换存储类型、删除历史版本或清理未完成上传）。`,
        );
      if (r.expiredObjectDeleteMarker && r.expirationDays !== undefined)
        p(
          `${at}.expiredObjectDeleteMarker`,
          `Rule ${n}: "remove expired delete markers" cannot go with expiration days in the same rule.`,
          `规则 ${n}：“删除过期删除标记”不能与过期天数写在同一规则中。`,
        );
      if (r.transition) {
        if (!classes.includes(r.transition.storageClass))
          p(
            `${at}.transition`,
            `Rule ${n}: "${r.transition.storageClass}" is not a storage class this server moves objects to: use ${classes.join(', ')}.`,
            `规则 ${n}：“${r.transition.storageClass}”不是可转换的存储类型：请使用 ${classes.join('、')}。`,
          );
        if (r.expirationDays !== undefined && r.expirationDays <= r.transition.days)
          p(
            `${at}.expirationDays`,
            `Rule ${n}: objects must expire after they transition (expiration days greater than transition days).`,
            `规则 ${n}：过期天数必须大于转换天数。`,
          );
      }
      if (r.tags.length > 0 && r.abortIncompleteUploadDays !== undefined)
        p(
          `${at}.abortIncompleteUploadDays`,
          `Rule ${n}: aborting incomplete uploads cannot be limited by tags (uploads have none): use a prefix-only rule.`,
          `规则 ${n}：清理未完成的分块上传不能按标签筛选（上传没有标签）：请使用仅按前缀的规则。`,
        );
      const tagKeys = new Set<string>();
      r.tags.forEach((t) => {
        if (!t.key) p(`${at}.tags`, `Rule ${n}: a tag needs a key.`, `规则 ${n}：标签需要键。`);
        if (tagKeys.has(t.key))
          p(`${at}.tags`, `Rule ${n}: the tag "${t.key}" is given twice.`, `规则 ${n}：标签“${t.key}”重复。`);
        tagKeys.add(t.key);
      });
    });
  } else if (section === 'website') {
    const w = value as WebsiteConfig | null;
    if (w) {
      const hostOnly = dialect === 's3' && !!w.redirectHost;
      if (!w.indexDocument.trim() && !hostOnly)
        p(
          'website.indexDocument',
          'Name the index document (e.g. index.html).',
          '请填写索引文档（如 index.html）。',
        );
      else if (w.indexDocument.includes('/'))
        p(
          'website.indexDocument',
          'The index document is a file name suffix without "/" (e.g. index.html).',
          '索引文档是不含“/”的文件名（如 index.html）。',
        );
      if (w.errorDocument !== undefined && !w.errorDocument.trim())
        p(
          'website.errorDocument',
          'The error document is an object key (e.g. error.html); leave it out for none.',
          '错误文档是对象键（如 error.html）；不需要时请留空。',
        );
      if (dialect === 'cos' && w.redirectProtocol === 'http')
        p(
          'website.redirectProtocol',
          'COS redirects all requests to https only.',
          'COS 仅支持将所有请求重定向到 https。',
        );
      if (dialect === 'cos' && w.redirectHost)
        p(
          'website.redirectHost',
          'COS cannot redirect all requests to another host; leave it empty.',
          'COS 不支持将所有请求重定向到其他主机；请留空。',
        );
      if (w.redirectHost !== undefined && !/^[a-z0-9.-]+(:\d+)?$/i.test(w.redirectHost))
        p(
          'website.redirectHost',
          `"${w.redirectHost}" is not a host name.`,
          `“${w.redirectHost}”不是有效的主机名。`,
        );
    }
  } else if (section === 'logging') {
    const l = value as LoggingConfig | null;
    if (l) {
      if (!l.targetBucket.trim())
        p('logging.targetBucket', 'Name the bucket the logs go to.', '请填写存放日志的目标存储桶。');
      else if (dialect === 'cos' && !/^[a-z0-9][a-z0-9-]*-\d+$/.test(l.targetBucket))
        p(
          'logging.targetBucket',
          `"${l.targetBucket}" is not a COS bucket name: write <name>-<APPID>.`,
          `“${l.targetBucket}”不是 COS 存储桶名称：请写成 <名称>-<APPID>。`,
        );
      if (!l.targetPrefix.trim())
        p(
          'logging.targetPrefix',
          'Give a prefix for the log files (e.g. logs/).',
          '请填写日志文件的前缀（如 logs/）。',
        );
    }
  }
  return out;
}

/**
 * A section as stable text, the way the diff before a save shows it: pretty JSON with a fixed
 * key order and without empty fields, so only real changes show up.
 */
export function sectionText<S extends Section>(section: S, value: SectionValues[S]): string {
  return JSON.stringify(normalizeSection(section, value), null, 2);
}

export function normalizeSection<S extends Section>(section: S, value: SectionValues[S]): unknown {
  const clean = (o: Record<string, unknown>) => {
    const r: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined || v === false || (Array.isArray(v) && v.length === 0) || v === '') continue;
      r[k] = v;
    }
    return r;
  };
  if (section === 'cors')
    return (value as CorsRule[]).map((r) =>
      clean({
        id: r.id,
        allowedOrigins: r.allowedOrigins,
        allowedMethods: r.allowedMethods,
        allowedHeaders: r.allowedHeaders,
        exposeHeaders: r.exposeHeaders,
        maxAgeSeconds: r.maxAgeSeconds,
      }),
    );
  if (section === 'lifecycle')
    return (value as LifecycleRule[]).map((r) => ({
      ...clean({ id: r.id }),
      enabled: r.enabled,
      ...clean({
        prefix: r.prefix,
        tags: r.tags,
        expirationDays: r.expirationDays,
        expiredObjectDeleteMarker: r.expiredObjectDeleteMarker,
        noncurrentExpirationDays: r.noncurrentExpirationDays,
        abortIncompleteUploadDays: r.abortIncompleteUploadDays,
        transition: r.transition,
      }),
    }));
  if (section === 'website') {
    const w = value as WebsiteConfig | null;
    return w
      ? clean({
          indexDocument: w.indexDocument,
          errorDocument: w.errorDocument,
          redirectProtocol: w.redirectProtocol,
          redirectHost: w.redirectHost,
        })
      : null;
  }
  if (section === 'logging') {
    const l = value as LoggingConfig | null;
    return l ? { targetBucket: l.targetBucket, targetPrefix: l.targetPrefix } : null;
  }
  return { status: (value as VersioningConfig).status };
}
