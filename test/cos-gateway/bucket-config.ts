/**
 * Bucket configurations RGW does not keep (its static website is off here, and it refuses PUT
 * Bucket logging with 405), kept by the gateway itself and answered in COS's shapes, strictly
 * per Tencent's documents:
 *
 * - PUT Bucket website (cloud.tencent.com/document/product/436/31930): WebsiteConfiguration ›
 *   IndexDocument › Suffix is required; RedirectAllRequestsTo › Protocol takes only "https"
 *   (SDK doc 436/35863: "only HTTPS is supported"); ErrorDocument › Key; at most 100
 *   RoutingRule. GET Bucket website (436/31929) without one: 404 NoSuchWebsiteConfiguration
 *   (the code cos-nodejs-sdk-v5 getBucketWebsite treats as "none"). DELETE (436/31928): 204.
 * - PUT Bucket logging (436/17054): BucketLoggingStatus, with no child = logging off;
 *   LoggingEnabled › TargetBucket and TargetPrefix, both required once LoggingEnabled is given;
 *   the target is a bucket of the same account in the same region; Content-MD5 required (the
 *   international edition of 436/17054 marks it "Required: Yes"). GET Bucket logging
 *   (436/17053) answers the status (empty when off). Refusals use the common codes of 436/7730
 *   (MalformedXML, InvalidArgument).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { RgwClient, RgwCredentials } from './rgw';
import { CosRuleError, type Identities, xmlEscape, xmlUnescape } from './translate';

interface Website {
  suffix: string;
  errorKey?: string;
  protocol?: string;
  routingRules: string[];
}

interface Logging {
  targetBucket: string;
  targetPrefix: string;
}

interface State {
  website: Record<string, Website>;
  logging: Record<string, Logging>;
}

const bad = (message: string) => new CosRuleError(400, 'InvalidArgument', message);
const malformed = () =>
  new CosRuleError(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema.',
  );

function inner(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>|<${tag}(?:\\s[^>]*)?/>`).exec(xml);
  if (!m) return undefined;
  return m[1] ?? '';
}

function leaf(xml: string | undefined, tag: string): string | undefined {
  if (xml === undefined) return undefined;
  const v = inner(xml, tag);
  return v === undefined ? undefined : xmlUnescape(v.trim());
}

export class BucketConfigStore {
  private state: State = { website: {}, logging: {} };
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'cos-gateway-bucket-config.json');
    try {
      this.state = {
        website: {},
        logging: {},
        ...(JSON.parse(readFileSync(this.file, 'utf8')) as Partial<State>),
      };
    } catch {
      // fresh
    }
  }

  private save(): void {
    writeFileSync(this.file, JSON.stringify(this.state));
  }

  dropBucket(bucket: string): void {
    delete this.state.website[bucket];
    delete this.state.logging[bucket];
    this.save();
  }

  // ---- website ----
  putWebsite(bucket: string, xml: string): void {
    const root = inner(xml, 'WebsiteConfiguration');
    if (root === undefined) throw malformed();
    const index = inner(root, 'IndexDocument');
    const suffix = leaf(index, 'Suffix');
    if (index === undefined || !suffix)
      throw bad('IndexDocument.Suffix is required in PUT Bucket website (436/31930).');
    const redirect = inner(root, 'RedirectAllRequestsTo');
    const protocol = leaf(redirect, 'Protocol');
    if (redirect !== undefined && protocol !== 'https')
      throw bad('RedirectAllRequestsTo.Protocol must be https: COS redirects all requests to HTTPS only.');
    const errorKey = leaf(inner(root, 'ErrorDocument'), 'Key');
    const rules = [
      ...(inner(root, 'RoutingRules') ?? '').matchAll(/<RoutingRule>[\s\S]*?<\/RoutingRule>/g),
    ].map((m) => m[0]);
    if (rules.length > 100) throw bad('At most 100 RoutingRule may be set (436/31930).');
    this.state.website[bucket] = {
      suffix,
      ...(errorKey ? { errorKey } : {}),
      ...(protocol ? { protocol } : {}),
      routingRules: rules,
    };
    this.save();
  }

  /** The COS document, or a NoSuchWebsiteConfiguration refusal. */
  websiteXml(bucket: string): string {
    const w = this.state.website[bucket];
    if (!w)
      throw new CosRuleError(
        404,
        'NoSuchWebsiteConfiguration',
        'The specified bucket does not have a website configuration.',
      );
    return (
      '<?xml version="1.0" encoding="UTF-8"?><WebsiteConfiguration>' +
      `<IndexDocument><Suffix>${xmlEscape(w.suffix)}</Suffix></IndexDocument>` +
      (w.protocol
        ? `<RedirectAllRequestsTo><Protocol>${xmlEscape(w.protocol)}</Protocol></RedirectAllRequestsTo>`
        : '') +
      (w.errorKey ? `<ErrorDocument><Key>${xmlEscape(w.errorKey)}</Key></ErrorDocument>` : '') +
      (w.routingRules.length ? `<RoutingRules>${w.routingRules.join('')}</RoutingRules>` : '') +
      '</WebsiteConfiguration>'
    );
  }

  deleteWebsite(bucket: string): void {
    delete this.state.website[bucket];
    this.save();
  }

  // ---- logging ----
  /**
   * Parses a PUT Bucket logging body; `checkTarget` (cos bucket name → why it is refused, or
   * undefined) tells whether the target is a bucket of this account in this region.
   */
  async putLogging(
    bucket: string,
    xml: string,
    checkTarget: (cosBucket: string) => Promise<string | undefined>,
  ): Promise<void> {
    const root = inner(xml, 'BucketLoggingStatus');
    if (root === undefined) throw malformed();
    const on = inner(root, 'LoggingEnabled');
    if (on === undefined) {
      delete this.state.logging[bucket];
      this.save();
      return;
    }
    const targetBucket = leaf(on, 'TargetBucket');
    const targetPrefix = leaf(on, 'TargetPrefix');
    if (!targetBucket || targetPrefix === undefined || targetPrefix === '')
      throw bad('LoggingEnabled needs both TargetBucket and TargetPrefix (436/17054).');
    const why = await checkTarget(targetBucket);
    if (why) throw bad(why);
    this.state.logging[bucket] = { targetBucket, targetPrefix };
    this.save();
  }

  loggingXml(bucket: string): string {
    const l = this.state.logging[bucket];
    return (
      '<?xml version="1.0" encoding="UTF-8"?><BucketLoggingStatus>' +
      (l
        ? `<LoggingEnabled><TargetBucket>${xmlEscape(l.targetBucket)}</TargetBucket><TargetPrefix>${xmlEscape(l.targetPrefix)}</TargetPrefix></LoggingEnabled>`
        : '') +
      '</BucketLoggingStatus>'
    );
  }
}

export interface BucketConfigRequest {
  method: string;
  sub: 'website' | 'logging';
  /** RGW bucket. */
  bucket: string;
  readBody(): Promise<Buffer>;
  /** The gateway's Content-MD5 check (required names the document that requires it). */
  checkMd5(raw: Buffer, required: string | false): void;
  /** Why a logging target is refused (not this account's, not in this region), or undefined. */
  checkTarget(cosBucket: string): Promise<string | undefined>;
  reply(status: number, xml?: string): void;
}

/** GET/PUT/DELETE ?website and GET/PUT ?logging of a bucket the caller may configure. */
export async function serveBucketConfig(store: BucketConfigStore, r: BucketConfigRequest): Promise<void> {
  const m = r.method;
  if (r.sub === 'website') {
    if (m === 'GET') return r.reply(200, store.websiteXml(r.bucket));
    if (m === 'DELETE') {
      store.deleteWebsite(r.bucket);
      return r.reply(204);
    }
    if (m === 'PUT') {
      const raw = await r.readBody();
      r.checkMd5(raw, false);
      store.putWebsite(r.bucket, raw.toString('utf8'));
      return r.reply(200);
    }
  } else {
    if (m === 'GET') return r.reply(200, store.loggingXml(r.bucket));
    if (m === 'PUT') {
      const raw = await r.readBody();
      r.checkMd5(raw, 'PUT Bucket logging, 436/17054');
      await store.putLogging(r.bucket, raw.toString('utf8'), r.checkTarget);
      return r.reply(200);
    }
  }
  throw new CosRuleError(
    405,
    'MethodNotAllowed',
    'The specified method is not allowed against this resource.',
  );
}

/** What the gateway hands over for a `?website` / `?logging` request on a bucket. */
export interface BucketConfigContext {
  res: ServerResponse;
  method: string;
  sub: 'website' | 'logging';
  /** RGW bucket and the region the request addressed. */
  bucket: string;
  region: string;
  rgw: RgwClient;
  creds: RgwCredentials | undefined;
  ids: Identities;
  /** The region a bucket was created in, as the gateway recorded it. */
  regionOf(rgwBucket: string): string;
  readBody(): Promise<Buffer>;
  checkMd5(raw: Buffer, required: string | false): void;
  /** RGW's refusal as the gateway's COS error. */
  rgwError(status: number, text: string): Error;
}

/**
 * RGW keeps neither configuration here: the gateway does. RGW still says whether the bucket
 * exists and the caller may read its configuration (a GET ?versioning with the caller's keys).
 */
export async function handleBucketConfig(store: BucketConfigStore, c: BucketConfigContext): Promise<void> {
  const probe = await c.rgw.send({
    method: 'GET',
    bucket: c.bucket,
    key: '',
    query: [['versioning', '']],
    headers: {},
    credentials: c.creds,
  });
  const probeText = await probe.body.text();
  if (probe.statusCode >= 300) throw c.rgwError(probe.statusCode, probeText);
  return serveBucketConfig(store, {
    method: c.method,
    sub: c.sub,
    bucket: c.bucket,
    readBody: c.readBody,
    checkMd5: c.checkMd5,
    checkTarget: async (cos) => {
      const t = c.ids.rgwBucket(cos);
      const h = t
        ? await c.rgw.send({
            method: 'HEAD',
            bucket: t,
            key: '',
            query: [],
            headers: {},
            credentials: c.creds,
          })
        : undefined;
      await h?.body.dump();
      if (!t || !h || h.statusCode === 404) return `The target bucket ${cos} does not exist.`;
      if (h.statusCode >= 300) return `The target bucket ${cos} is not a bucket of this account.`;
      const region = c.regionOf(t);
      if (region !== c.region)
        return `The target bucket ${cos} is in ${region}: it must be in ${c.region}, like the source bucket.`;
      return undefined;
    },
    reply: (status, xml) => {
      c.res.statusCode = status;
      if (xml !== undefined) {
        c.res.setHeader('content-type', 'application/xml');
        c.res.setHeader('content-length', Buffer.byteLength(xml));
      }
      c.res.end(xml);
    },
  });
}
