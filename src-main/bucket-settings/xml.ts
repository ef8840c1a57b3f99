import type {
  CorsRule,
  Dialect,
  LifecycleRule,
  LoggingConfig,
  VersioningConfig,
  WebsiteConfig,
} from '../../src-shared/bucket-settings/model';
import { child, escapeXml as esc, isNode, list, text, type XmlNode } from '../storage/xml';

/**
 * Bucket configuration documents, written as the official cos-nodejs-sdk-v5 writes them
 * (putBucketVersioning / putBucketCors / putBucketLifecycle / putBucketWebsite /
 * putBucketLogging: a root element of the same name, one element per rule, no namespace) and
 * as S3 documents them (the S3 namespace on the root). Element names are the same in both.
 */
const S3NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const ns = (d: Dialect) => (d === 's3' ? S3NS : '');
const el = (name: string, v: string | number | undefined) =>
  v === undefined ? '' : `<${name}>${esc(String(v))}</${name}>`;

export function versioningXml(d: Dialect, v: VersioningConfig): string {
  return `<VersioningConfiguration${ns(d)}><Status>${v.status}</Status></VersioningConfiguration>`;
}

export function parseVersioning(doc: XmlNode): VersioningConfig {
  const s = text(doc['VersioningConfiguration'], 'Status');
  return { status: s === 'Enabled' ? 'Enabled' : s === 'Suspended' ? 'Suspended' : 'Off' };
}

/** PUT Bucket cors (COS 436/8279): CORSRule › ID, AllowedOrigin*, AllowedMethod*, AllowedHeader*, ExposeHeader*, MaxAgeSeconds. */
export function corsXml(d: Dialect, rules: readonly CorsRule[]): string {
  const body = rules
    .map(
      (r) =>
        '<CORSRule>' +
        el('ID', r.id || undefined) +
        r.allowedOrigins.map((o) => el('AllowedOrigin', o)).join('') +
        r.allowedMethods.map((m) => el('AllowedMethod', m)).join('') +
        r.allowedHeaders.map((h) => el('AllowedHeader', h)).join('') +
        r.exposeHeaders.map((h) => el('ExposeHeader', h)).join('') +
        el('MaxAgeSeconds', r.maxAgeSeconds) +
        '</CORSRule>',
    )
    .join('');
  return `<CORSConfiguration${ns(d)}>${body}</CORSConfiguration>`;
}

const strings = (node: unknown, name: string) =>
  list(node, name).filter((v): v is string => typeof v === 'string');
const int = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

export function parseCors(doc: XmlNode): CorsRule[] {
  return list(doc['CORSConfiguration'], 'CORSRule').map((r) => {
    const id = text(r, 'ID');
    const maxAge = int(text(r, 'MaxAgeSeconds'));
    return {
      ...(id ? { id } : {}),
      allowedOrigins: strings(r, 'AllowedOrigin'),
      allowedMethods: strings(r, 'AllowedMethod'),
      allowedHeaders: strings(r, 'AllowedHeader'),
      exposeHeaders: strings(r, 'ExposeHeader'),
      ...(maxAge === undefined ? {} : { maxAgeSeconds: maxAge }),
    };
  });
}

const tagXml = (t: { key: string; value: string }) => `<Tag>${el('Key', t.key)}${el('Value', t.value)}</Tag>`;

/**
 * PUT Bucket lifecycle (COS 436/8280; S3 PutBucketLifecycleConfiguration): Rule › ID, Filter
 * (Prefix | Tag | And › Prefix, Tag*), Status, Transition, Expiration,
 * NoncurrentVersionExpiration, AbortIncompleteMultipartUpload.
 */
export function lifecycleXml(d: Dialect, rules: readonly LifecycleRule[]): string {
  const body = rules
    .map((r) => {
      const filter =
        r.tags.length === 0
          ? `<Filter>${el('Prefix', r.prefix)}</Filter>`
          : r.tags.length === 1 && r.prefix === ''
            ? `<Filter>${tagXml(r.tags[0])}</Filter>`
            : `<Filter><And>${r.prefix ? el('Prefix', r.prefix) : ''}${r.tags.map(tagXml).join('')}</And></Filter>`;
      return (
        '<Rule>' +
        el('ID', r.id) +
        filter +
        `<Status>${r.enabled ? 'Enabled' : 'Disabled'}</Status>` +
        (r.transition
          ? `<Transition>${el('Days', r.transition.days)}${el('StorageClass', r.transition.storageClass)}</Transition>`
          : '') +
        (r.expirationDays !== undefined
          ? `<Expiration>${el('Days', r.expirationDays)}</Expiration>`
          : r.expiredObjectDeleteMarker
            ? '<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>'
            : '') +
        (r.noncurrentExpirationDays !== undefined
          ? `<NoncurrentVersionExpiration>${el('NoncurrentDays', r.noncurrentExpirationDays)}</NoncurrentVersionExpiration>`
          : '') +
        (r.abortIncompleteUploadDays !== undefined
          ? `<AbortIncompleteMultipartUpload>${el('DaysAfterInitiation', r.abortIncompleteUploadDays)}</AbortIncompleteMultipartUpload>`
          : '') +
        '</Rule>'
      );
    })
    .join('');
  return `<LifecycleConfiguration${ns(d)}>${body}</LifecycleConfiguration>`;
}

const tagsOf = (node: unknown) =>
  list(node, 'Tag').map((t) => ({ key: text(t, 'Key') ?? '', value: text(t, 'Value') ?? '' }));

export function parseLifecycle(doc: XmlNode): LifecycleRule[] {
  return list(doc['LifecycleConfiguration'], 'Rule').map((r, i) => {
    const filter = child(r, 'Filter');
    const and = child(filter, 'And');
    const prefix = text(and, 'Prefix') ?? text(filter, 'Prefix') ?? text(r, 'Prefix') ?? '';
    const tags = isNode(and) ? tagsOf(and) : tagsOf(filter);
    const exp = child(r, 'Expiration');
    const tr = list(r, 'Transition')[0];
    const out: LifecycleRule = {
      id: text(r, 'ID') ?? `rule-${i + 1}`,
      enabled: text(r, 'Status') === 'Enabled',
      prefix,
      tags,
    };
    const expDays = int(text(exp, 'Days'));
    if (expDays !== undefined) out.expirationDays = expDays;
    if (text(exp, 'ExpiredObjectDeleteMarker') === 'true') out.expiredObjectDeleteMarker = true;
    const nc = int(text(child(r, 'NoncurrentVersionExpiration'), 'NoncurrentDays'));
    if (nc !== undefined) out.noncurrentExpirationDays = nc;
    const ab = int(text(child(r, 'AbortIncompleteMultipartUpload'), 'DaysAfterInitiation'));
    if (ab !== undefined) out.abortIncompleteUploadDays = ab;
    const trDays = int(text(tr, 'Days'));
    if (tr !== undefined && trDays !== undefined)
      out.transition = { days: trDays, storageClass: text(tr, 'StorageClass') ?? '' };
    return out;
  });
}

/**
 * PUT Bucket website. COS (436/31930): IndexDocument › Suffix (required), RedirectAllRequestsTo
 * › Protocol (https only), ErrorDocument › Key. S3: RedirectAllRequestsTo › HostName, Protocol
 * alone, or IndexDocument and ErrorDocument.
 */
export function websiteXml(d: Dialect, w: WebsiteConfig): string {
  let body: string;
  if (d === 's3' && w.redirectHost) {
    body = `<RedirectAllRequestsTo>${el('HostName', w.redirectHost)}${el('Protocol', w.redirectProtocol)}</RedirectAllRequestsTo>`;
  } else {
    body =
      `<IndexDocument>${el('Suffix', w.indexDocument)}</IndexDocument>` +
      (d === 'cos' && w.redirectProtocol
        ? `<RedirectAllRequestsTo>${el('Protocol', w.redirectProtocol)}</RedirectAllRequestsTo>`
        : '') +
      (w.errorDocument ? `<ErrorDocument>${el('Key', w.errorDocument)}</ErrorDocument>` : '');
  }
  return `<WebsiteConfiguration${ns(d)}>${body}</WebsiteConfiguration>`;
}

export function parseWebsite(doc: XmlNode): WebsiteConfig | null {
  const root = doc['WebsiteConfiguration'];
  if (!isNode(root)) return null;
  const redirect = child(root, 'RedirectAllRequestsTo');
  const protocol = text(redirect, 'Protocol');
  const host = text(redirect, 'HostName');
  const error = text(child(root, 'ErrorDocument'), 'Key');
  return {
    indexDocument: text(child(root, 'IndexDocument'), 'Suffix') ?? '',
    ...(error ? { errorDocument: error } : {}),
    ...(protocol === 'http' || protocol === 'https' ? { redirectProtocol: protocol } : {}),
    ...(host ? { redirectHost: host } : {}),
  };
}

/** PUT Bucket logging (COS 436/17054): BucketLoggingStatus › LoggingEnabled › TargetBucket, TargetPrefix; empty = off. */
export function loggingXml(d: Dialect, l: LoggingConfig | null): string {
  const inner = l
    ? `<LoggingEnabled>${el('TargetBucket', l.targetBucket)}${el('TargetPrefix', l.targetPrefix)}</LoggingEnabled>`
    : '';
  return `<BucketLoggingStatus${ns(d)}>${inner}</BucketLoggingStatus>`;
}

export function parseLogging(doc: XmlNode): LoggingConfig | null {
  const on = child(doc['BucketLoggingStatus'], 'LoggingEnabled');
  if (!isNode(on)) return null;
  return { targetBucket: text(on, 'TargetBucket') ?? '', targetPrefix: text(on, 'TargetPrefix') ?? '' };
}
