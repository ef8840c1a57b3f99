/**
 * COS gateway (test tool): speaks the COS XML API dialect on loopback in front of a Ceph RGW.
 *
 *   COS client ──(COS sig, x-cos-*, virtual-hosted)──▶ gateway ──(SigV4, x-amz-*, path-style)──▶ RGW
 *
 * It verifies COS signatures with the official SDK's signer (verify.ts), translates
 * headers/ACLs/policies/errors (translate.ts), keeps CRC64 sidecars (store.ts, crc64.ts),
 * and answers STS GetFederationToken via RGW AssumeRole (sts.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { BucketConfigStore, handleBucketConfig } from './bucket-config';
import { Crc64, crc64CombineAll } from './crc64';
import { RgwClient, type RgwCredentials } from './rgw';
import { SidecarStore } from './store';
import { handlePostObject, isPostObject } from './post-object';
import { TempKeys, verifyTc3 } from './sts';
import {
  CosRuleError,
  HOP_BY_HOP,
  Identities,
  metadataDirectiveToS3,
  storageClassToS3,
  renderCosPolicy,
  PolicyError,
  aclXmlToCos,
  aclXmlToS3,
  copySourceToS3,
  errorXml,
  grantHeaderToS3,
  listBucketsToCos,
  policyToCos,
  policyToS3,
  responseXmlToCos,
  s3ErrorToCos,
  xmlEscape,
  xmlUnescape,
} from './translate';
import { AUTH_QUERY_KEYS, parseCosAuth, parseQuery, pctDecode, verifyCosSignature } from './verify';

export interface GatewayUser {
  secretId: string;
  secretKey: string;
  uin: string;
  /** The root account's uin when this user is a sub-account (CAM `qcs::cam::uin/<rootUin>:uin/<uin>`); a root account when omitted. */
  rootUin?: string;
  /** RGW user id; discovered from RGW (GET / owner) when omitted. */
  rgwUser?: string;
}

export interface CosGatewayOptions {
  /** 0 = random. */
  port?: number;
  host?: string;
  s3Endpoint: string;
  users: GatewayUser[];
  appId?: string;
  /** Region reported for buckets whose creation the gateway did not see. */
  defaultRegion?: string;
  /** RGW STS role that GetFederationToken assumes. */
  roleArn?: string;
  /** Sidecar store directory (CRC64s, policies); a fresh temp dir when omitted. */
  dataDir?: string;
  /** Log one line per request to stderr. */
  log?: boolean;
  /** Accepted clock skew for a key time that starts in the future (seconds). */
  maxSkewSeconds?: number;
  /**
   * Also require Content-MD5 on Complete Multipart Upload (the official SDK always sends it;
   * COS's document, 436/7742, does not mark it required). Off by default.
   */
  requireCompleteMd5?: boolean;
}

export interface CosGateway {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  appId: string;
  dataDir: string;
  close(): Promise<void>;
}

interface Principal {
  rgw: RgwCredentials;
  kind: 'user' | 'temp';
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Pass-through transform that CRCs what flows to RGW. */
class CrcTap extends Transform {
  readonly crc = new Crc64();
  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.crc.update(chunk);
    cb(null, chunk);
  }
}

const HOST_RE =
  /^([a-z0-9][a-z0-9-]*[a-z0-9])\.cos\.([a-z0-9-]+)\.(?:localhost|myqcloud\.com|tencentcos\.cn)(?::\d+)?$/;
const SERVICE_RE =
  /^(?:service\.cos|cos\.([a-z0-9-]+))\.(?:localhost|myqcloud\.com|tencentcos\.cn)(?::\d+)?$/;

type Target =
  | { kind: 'bucket'; cosBucket: string; region: string; host: string }
  | { kind: 'service'; region?: string; host: string };

function parseHost(host: string): Target | null {
  const h = host.toLowerCase();
  const s = SERVICE_RE.exec(h);
  if (s) return { kind: 'service', region: s[1], host };
  const b = HOST_RE.exec(h);
  if (b) return { kind: 'bucket', cosBucket: b[1], region: b[2], host };
  return null;
}

function requestId(): string {
  // COS request ids look like base64 of "<hex>_<hex>_<…>"
  return Buffer.from(
    `${randomBytes(4).toString('hex')}_${randomBytes(4).toString('hex')}_${Date.now().toString(16)}`,
  ).toString('base64');
}

async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new HttpError(400, 'EntityTooLarge', 'Request body too large for this operation');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The actions a COS policy's allow statements name (lower-cased, `name/cos:` kept). */
function allowedActions(doc: unknown): string[] {
  const d = doc as Record<string, unknown>;
  const statements = (d.statement ?? d.Statement ?? []) as Array<Record<string, unknown>>;
  return (Array.isArray(statements) ? statements : [statements])
    .filter((st) => String(st.effect ?? st.Effect ?? '').toLowerCase() === 'allow')
    .flatMap((st) => {
      const a = st.action ?? st.Action ?? [];
      return (Array.isArray(a) ? a : [a]).map((x) => String(x).toLowerCase());
    });
}

async function discoverRgwUser(rgw: RgwClient, u: GatewayUser): Promise<string> {
  const r = await rgw.send({
    method: 'GET',
    bucket: '',
    key: '',
    query: [],
    headers: {},
    credentials: { accessKeyId: u.secretId, secretAccessKey: u.secretKey },
  });
  const text = await r.body.text();
  const id = /<Owner>\s*<ID>([^<]*)<\/ID>/.exec(text)?.[1];
  if (r.statusCode !== 200 || !id) {
    throw new Error(
      `cos-gateway: cannot resolve RGW user for ${u.secretId} (HTTP ${r.statusCode}): ${text.slice(0, 200)}`,
    );
  }
  return xmlUnescape(id);
}

export async function startCosGateway(opts: CosGatewayOptions): Promise<CosGateway> {
  const appId = opts.appId ?? '1250000000';
  const defaultRegion = opts.defaultRegion ?? 'ap-guangzhou';
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cos-gateway-'));
  const ids = new Identities(appId);
  const rgw = new RgwClient(opts.s3Endpoint);
  const store = new SidecarStore(dataDir);
  const configs = new BucketConfigStore(dataDir);
  const temps = new TempKeys();
  const users = new Map<string, GatewayUser & { rgwUser: string }>();
  for (const u of opts.users) {
    const rgwUser = u.rgwUser ?? (await discoverRgwUser(rgw, u));
    users.set(u.secretId, { ...u, rgwUser });
    ids.add(rgwUser, u.uin, u.rootUin ?? u.uin);
  }

  // ------------------------------------------------------------------ helpers

  const sendError = (res: ServerResponse, method: string, e: HttpError, resource: string) => {
    const rid = String(res.getHeader('x-cos-request-id'));
    if (opts.log) process.stderr.write(`cos-gateway   ${e.status} ${e.code}: ${e.message}\n`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [k, v] of Object.entries(e.extraHeaders)) res.setHeader(k, v);
    res.statusCode = e.status;
    if (method === 'HEAD') {
      res.setHeader('x-cos-error-code', e.code);
      res.end();
      return;
    }
    const body = errorXml(e.code, e.message, resource, rid);
    res.setHeader('content-type', 'application/xml');
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
  };

  /** RGW response headers → COS response headers. */
  const copyResponseHeaders = (
    from: Record<string, string | string[] | undefined>,
    res: ServerResponse,
    skipLength: boolean,
  ) => {
    for (const [name, value] of Object.entries(from)) {
      if (value === undefined) continue;
      const n = name.toLowerCase();
      if (HOP_BY_HOP.has(n) || n === 'server' || n === 'x-amz-request-id' || n === 'x-amz-id-2') continue;
      if (n.startsWith('x-rgw-')) continue;
      if (skipLength && n === 'content-length') continue;
      if (n.startsWith('x-amz-')) res.setHeader(`x-cos-${n.slice(6)}`, value);
      else res.setHeader(n, value);
    }
  };

  /** COS request headers → S3 request headers. */
  const translateRequestHeaders = (req: IncomingMessage): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, raw] of Object.entries(req.headers)) {
      if (raw === undefined) continue;
      const value = Array.isArray(raw) ? raw.join(',') : raw;
      const n = name.toLowerCase();
      if (HOP_BY_HOP.has(n) || n === 'x-cos-security-token' || n.startsWith('x-amz-')) continue;
      if (n.startsWith('x-cos-')) {
        const rest = n.slice(6);
        if (rest === 'copy-source') {
          out['x-amz-copy-source'] = copySourceToS3(value, ids, (b) => store.region(b));
        } else if (rest === 'metadata-directive') {
          out['x-amz-metadata-directive'] = metadataDirectiveToS3(value);
        } else if (rest === 'storage-class') {
          out['x-amz-storage-class'] = storageClassToS3(value);
        } else if (rest === 'acl') {
          if (value !== 'default') out['x-amz-acl'] = value;
        } else if (rest.startsWith('grant-')) {
          out[`x-amz-${rest}`] = grantHeaderToS3(value, ids);
        } else {
          out[`x-amz-${rest}`] = value;
        }
        continue;
      }
      out[n] = value;
    }
    return out;
  };

  const authenticate = (
    req: IncomingMessage,
    method: string,
    pathname: string,
    query: Array<[string, string]>,
  ): Principal | undefined => {
    const authHeader = req.headers['authorization'];
    const auth = parseCosAuth(authHeader, query);
    if (!auth) {
      if (authHeader) throw new HttpError(403, 'AccessDenied', 'Unsupported Authorization scheme');
      return undefined; // anonymous: RGW enforces ACLs and policies
    }
    const tokenHeader = req.headers['x-cos-security-token'];
    const token =
      (Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader) ??
      query.find(([k]) => k.toLowerCase() === 'x-cos-security-token')?.[1];
    const user = users.get(auth.ak);
    const temp = user ? undefined : temps.get(auth.ak);
    if (!user && !temp)
      throw new HttpError(
        403,
        'InvalidAccessKeyId',
        'The access key Id you provided does not exist in our records.',
      );
    const secretKey = user ? user.secretKey : temp!.tmpSecretKey;
    const r = verifyCosSignature(
      auth,
      { method, pathname, query, headers: req.headers },
      secretKey,
      Math.floor(Date.now() / 1000),
      opts.maxSkewSeconds ?? 900,
    );
    if (!r.ok) throw new HttpError(r.status, r.code, r.message);
    if (user) return { kind: 'user', rgw: { accessKeyId: user.secretId, secretAccessKey: user.secretKey } };
    if (!token || token !== temp!.token) throw new HttpError(403, 'AccessDenied', 'Invalid security token');
    if (Date.now() / 1000 > temp!.expiredTime)
      throw new HttpError(400, 'ExpiredToken', 'The provided token has expired.');
    return { kind: 'temp', rgw: temp!.rgw };
  };

  /**
   * Content-MD5 of a buffered body: InvalidDigest when it is not the base64 of 16 bytes,
   * BadDigest when it does not match, MissingContentMD5 when `required` and absent
   * (COS error codes, cloud.tencent.com/document/product/436/7730; `required` cites the
   * operation's own document).
   */
  const checkMd5 = (req: IncomingMessage, raw: Buffer, required: string | false) => {
    const h = req.headers['content-md5'];
    const v = Array.isArray(h) ? h[0] : h;
    if (v === undefined) {
      if (required)
        throw new HttpError(
          400,
          'MissingContentMD5',
          `Missing required header for this request: Content-MD5 (${required}).`,
        );
      return;
    }
    const digest = Buffer.from(v, 'base64');
    if (digest.length !== 16 || digest.toString('base64') !== v.trim())
      throw new HttpError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
    if (!createHash('md5').update(raw).digest().equals(digest))
      throw new HttpError(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  };

  // ------------------------------------------------------------------ STS

  const handleSts = async (req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string) => {
    const rid = String(res.getHeader('x-cos-request-id'));
    const reply = (payload: Record<string, unknown>) => {
      const body = JSON.stringify({ Response: { ...payload, RequestId: rid } });
      res.statusCode = 200;
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', Buffer.byteLength(body));
      res.end(body);
    };
    const fail = (code: string, message: string) => reply({ Error: { Code: code, Message: message } });
    const body = await readBody(req, 1024 * 1024);
    const v = verifyTc3(
      { method: req.method ?? 'POST', path: rawPath, query: rawQuery, headers: req.headers, body },
      (id) => users.get(id)?.secretKey,
    );
    if (!v.ok) return fail(v.code, v.message);
    const action = String(req.headers['x-tc-action'] ?? '');
    if (action !== 'GetFederationToken')
      return fail('InvalidAction', `The action ${action} is not supported.`);
    const user = users.get(v.secretId)!;
    let params: Record<string, unknown>;
    try {
      params = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      return fail('InvalidParameter', 'Request body is not valid JSON.');
    }
    // GetFederationToken (cloud.tencent.com/document/product/1312/33228; COS temporary keys,
    // 436/14048): DurationSeconds defaults to 1800, at most 7200 for a root account and
    // 129600 for a sub-account; Name is 2–32 characters of [\w+=,.@-]; Policy is URL-encoded
    // JSON without a principal.
    const root = ids.isRoot(user.rgwUser);
    const maxDuration = root ? 7200 : 129600;
    const duration = params.DurationSeconds === undefined ? 1800 : Number(params.DurationSeconds);
    if (!Number.isInteger(duration) || duration < 1 || duration > maxDuration) {
      return fail(
        'InvalidParameter.DurationSecondsError',
        `DurationSeconds must be between 1 and ${maxDuration} for a ${root ? 'root account' : 'sub-account'}.`,
      );
    }
    if (typeof params.Name !== 'string' || !params.Name)
      return fail('MissingParameter', 'The request is missing a required parameter `Name`.');
    if (!/^[\w+=,.@-]{2,32}$/.test(params.Name))
      return fail('InvalidParameter', 'Name must be 2 to 32 characters of letters, digits and +=,.@-_.');
    let awsPolicy: string | undefined;
    let allowed: string[] | undefined;
    if (params.Policy !== undefined) {
      const raw = String(params.Policy);
      // URL-encoded means no raw JSON punctuation or spaces survive (1312/33228: "需要做 urlencode").
      if (/[{}"\s:,[\]]/.test(raw))
        return fail(
          'InvalidParameter',
          'Policy must be URL-encoded JSON (encodeURIComponent of the document).',
        );
      let doc: unknown;
      try {
        doc = JSON.parse(pctDecode(raw));
      } catch {
        return fail('InvalidParameter', 'Policy is not valid JSON once URL-decoded.');
      }
      try {
        awsPolicy = JSON.stringify(policyToS3(doc as Record<string, unknown>, ids, false));
        allowed = allowedActions(doc);
      } catch (e) {
        return fail('InvalidParameter.GrantOtherResource', (e as Error).message);
      }
    }
    if (!opts.roleArn) return fail('InternalError', 'The gateway has no ROLE_ARN for RGW AssumeRole.');
    const form = new URLSearchParams({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: opts.roleArn,
      RoleSessionName: params.Name.replace(/[^\w+=,.@-]/g, '_').slice(0, 64) || 'cos',
      // RGW takes 900 s to the role's max session (3600 s by default): the gateway enforces the
      // COS life itself (ExpiredToken), so a longer COS token outlives its RGW session after 1 h.
      DurationSeconds: String(Math.min(3600, Math.max(900, duration))),
    });
    if (awsPolicy) form.set('Policy', awsPolicy);
    const formBody = form.toString();
    const r = await rgw.send({
      method: 'POST',
      bucket: '',
      key: '',
      query: [],
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(Buffer.byteLength(formBody)),
      },
      body: formBody,
      credentials: { accessKeyId: user.secretId, secretAccessKey: user.secretKey },
      service: 'sts',
    });
    const text = await r.body.text();
    const get = (tag: string) => xmlUnescape(new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1] ?? '');
    if (r.statusCode !== 200 || !get('AccessKeyId')) {
      return fail(
        'InternalError.GetRoleError',
        `RGW AssumeRole failed (HTTP ${r.statusCode}): ${get('Code') || text.slice(0, 200)}`,
      );
    }
    const expiredTime = Math.floor(Date.now() / 1000) + duration;
    const k = temps.issue(
      {
        accessKeyId: get('AccessKeyId'),
        secretAccessKey: get('SecretAccessKey'),
        sessionToken: get('SessionToken'),
      },
      expiredTime,
      allowed,
    );
    return reply({
      Credentials: { Token: k.token, TmpSecretId: k.tmpSecretId, TmpSecretKey: k.tmpSecretKey },
      ExpiredTime: expiredTime,
      Expiration: new Date(expiredTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  };

  // ------------------------------------------------------------------ COS XML API

  const handleCos = async (
    req: IncomingMessage,
    res: ServerResponse,
    target: Target,
    rawPath: string,
    rawQuery: string,
  ) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const pathname = pctDecode(rawPath);
    const key = target.kind === 'bucket' ? pathname.replace(/^\//, '') : '';
    const query = parseQuery(rawQuery);
    const principal = authenticate(req, method, pathname, query);
    const fwdQuery = query.filter(
      ([k]) => !AUTH_QUERY_KEYS.has(k.toLowerCase()) && k.toLowerCase() !== 'x-cos-security-token',
    );
    const has = (name: string) => fwdQuery.some(([k]) => k === name);
    const qv = (name: string) => fwdQuery.find(([k]) => k === name)?.[1];
    const headers = translateRequestHeaders(req);
    const creds = principal?.rgw;

    // ---------- service: list buckets
    if (target.kind === 'service') {
      if (method !== 'GET')
        throw new HttpError(
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        );
      if (!principal) throw new HttpError(403, 'AccessDenied', 'Access Denied.');
      const r = await rgw.send({ method, bucket: '', key: '', query: fwdQuery, headers, credentials: creds });
      const text = await r.body.text();
      if (r.statusCode >= 400) throw rgwError(r.statusCode, text);
      const out = listBucketsToCos(
        text,
        ids,
        (cos) => store.region(ids.rgwBucket(cos) ?? cos) ?? defaultRegion,
      );
      copyResponseHeaders(r.headers, res, true);
      res.statusCode = r.statusCode;
      res.setHeader('content-length', Buffer.byteLength(out));
      res.end(out);
      return;
    }

    const bucket = ids.rgwBucket(target.cosBucket);
    if (!bucket) throw new HttpError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    if (!key && (has('website') || has('logging'))) {
      // Kept by the gateway, per Tencent's documents (bucket-config.ts): RGW here has neither.
      return handleBucketConfig(configs, {
        res,
        method,
        sub: has('website') ? 'website' : 'logging',
        bucket,
        region: target.region,
        rgw,
        creds,
        ids,
        regionOf: (b) => store.region(b) ?? defaultRegion,
        readBody: () => readBody(req, 1024 * 1024),
        checkMd5: (raw, required) => checkMd5(req, raw, required),
        rgwError: (status, text) => rgwError(status, text, false, true),
      });
    }
    if (isPostObject(method, key, fwdQuery, req.headers)) {
      return handlePostObject(req, res, {
        cosBucket: target.cosBucket,
        bucket,
        host: target.host,
        rgw,
        store,
        lookup: (ak) => {
          const u = users.get(ak);
          if (u)
            return { secretKey: u.secretKey, rgw: { accessKeyId: u.secretId, secretAccessKey: u.secretKey } };
          const t = temps.get(ak);
          return (
            t && {
              secretKey: t.tmpSecretKey,
              token: t.token,
              expiredTime: t.expiredTime,
              rgw: t.rgw,
              allowed: t.allowed,
            }
          );
        },
        fail: (status, code, message) => new HttpError(status, code, message),
        rgwError: (status, text) => rgwError(status, text),
      });
    }
    const sub = (
      [
        'acl',
        'policy',
        'uploads',
        'uploadId',
        'delete',
        'cors',
        'lifecycle',
        'tagging',
        'versioning',
        'location',
      ] as const
    ).find((s) => has(s));
    let body: Buffer | IncomingMessage | undefined = req;
    let tap: CrcTap | undefined;
    let completeParts: Array<{ n: number; etag: string }> | undefined;
    let copySrc: { bucket: string; key: string; versionId?: string } | undefined;

    // ---------- request-side translation per operation
    if (!key && method === 'PUT' && !sub && fwdQuery.length === 0) {
      // create bucket: COS CreateBucketConfiguration (AZ) means nothing to RGW
      await readBody(req);
      body = undefined;
      headers['content-length'] = '0';
      delete headers['content-md5'];
      delete headers['content-type'];
    } else if (has('acl') && method === 'PUT') {
      const raw = await readBody(req);
      // PUT Bucket acl (436/7737) / PUT Object acl (436/7748): a body goes with Content-MD5.
      if (raw.length) checkMd5(req, raw, 'PUT acl with a body, 436/7737');
      const x = raw.length ? Buffer.from(aclXmlToS3(raw.toString('utf8'), ids)) : Buffer.alloc(0);
      body = x;
      headers['content-length'] = String(x.length);
      delete headers['content-md5'];
    } else if (has('policy') && method === 'PUT') {
      const rawBody = await readBody(req);
      // PUT Bucket policy (436/8282) sends Content-MD5 with the document.
      checkMd5(req, rawBody, 'PUT Bucket policy, 436/8282');
      const raw = rawBody.toString('utf8');
      let s3: string;
      try {
        s3 = JSON.stringify(
          policyToS3(raw, ids, true, {
            bucket: target.cosBucket,
            region: store.region(bucket) ?? target.region,
          }),
        );
      } catch (e) {
        throw new HttpError(
          400,
          'MalformedPolicy',
          e instanceof PolicyError ? e.message : 'Policy is not valid JSON.',
        );
      }
      const b = Buffer.from(s3);
      headers['content-length'] = String(b.length);
      headers['content-type'] = 'application/json';
      delete headers['content-md5'];
      const r = await forward(b);
      if (r.statusCode < 300) store.setPolicy(bucket, raw, s3);
      return r.finish();
    } else if (has('uploadId') && method === 'POST') {
      const raw = await readBody(req);
      checkMd5(req, raw, opts.requireCompleteMd5 ? 'Complete Multipart Upload, 436/7742' : false);
      body = raw;
      const text = raw.toString('utf8');
      completeParts = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
        n: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1])?.[1] ?? NaN),
        etag: xmlUnescape(/<ETag>([^<]*)<\/ETag>/.exec(m[1])?.[1] ?? ''),
      }));
    } else if (has('delete') && method === 'POST') {
      // DELETE Multiple Objects requires Content-MD5 (cloud.tencent.com/document/product/436/8289).
      const raw = await readBody(req);
      checkMd5(req, raw, 'DELETE Multiple Objects, 436/8289');
      body = raw;
    } else if (!key && method === 'PUT' && (has('cors') || has('lifecycle') || has('tagging'))) {
      // PUT Bucket cors (436/8279), lifecycle (436/8280) and tagging (436/34838) require Content-MD5.
      const raw = await readBody(req);
      checkMd5(
        req,
        raw,
        has('cors')
          ? 'PUT Bucket cors, 436/8279'
          : has('lifecycle')
            ? 'PUT Bucket lifecycle, 436/8280'
            : 'PUT Bucket tagging, 436/34838',
      );
      body = raw;
    } else if (!key && method === 'PUT' && has('versioning')) {
      // PUT Bucket versioning (436/19889): <VersioningConfiguration><Status> is Enabled or
      // Suspended; an empty or other body is refused with 400 InvalidArgument. Once enabled,
      // versioning can only be suspended (RGW enforces that itself).
      const raw = await readBody(req);
      const text = raw.toString('utf8');
      const status = /<VersioningConfiguration[\s>][\s\S]*?<Status>\s*([^<]*?)\s*<\/Status>/.exec(text)?.[1];
      if (status !== 'Enabled' && status !== 'Suspended') {
        throw new HttpError(
          400,
          'InvalidArgument',
          'The versioning configuration is empty or invalid: <VersioningConfiguration><Status> must be Enabled or Suspended.',
        );
      }
      body = raw;
    } else if (method === 'PUT' && key && !sub && !headers['x-amz-copy-source']) {
      tap = new CrcTap();
      req.pipe(tap);
      req.on('error', (e) => tap!.destroy(e));
      body = undefined;
    } else if (
      method === 'PUT' &&
      key &&
      has('partNumber') &&
      has('uploadId') &&
      !headers['x-amz-copy-source']
    ) {
      tap = new CrcTap();
      req.pipe(tap);
      req.on('error', (e) => tap!.destroy(e));
      body = undefined;
    } else if (method === 'PUT' && key && headers['x-amz-copy-source'] && !has('uploadId')) {
      const m = /^\/([^/]+)\/([^?]*)(?:\?versionId=(.*))?$/.exec(headers['x-amz-copy-source']);
      if (m) copySrc = { bucket: m[1], key: pctDecode(m[2]), versionId: m[3] && pctDecode(m[3]) };
    }
    if (
      body === req &&
      (headers['content-length'] === '0' ||
        (!('content-length' in headers) && !req.headers['transfer-encoding']))
    ) {
      // no payload: undici decides how to frame an empty request, so the length must stay unsigned
      body = undefined;
      req.resume();
    }
    if (body === undefined && !tap) delete headers['content-length'];

    const r = await forward(tap ?? body);
    const status = r.statusCode;

    // ---------- response-side
    if (status >= 300) return r.finish();

    const etagOf = () => String(r.headers['etag'] ?? '');
    if (tap && !has('partNumber')) {
      const crc = tap.crc.digestDecimal();
      store.putObject(bucket, key, { crc, etag: etagOf(), size: tap.crc.size });
      res.setHeader('x-cos-hash-crc64ecma', crc);
      return r.finish();
    }
    if (tap) {
      const crc = tap.crc.digestDecimal();
      store.putPart(qv('uploadId')!, Number(qv('partNumber')), { crc, etag: etagOf(), size: tap.crc.size });
      res.setHeader('x-cos-hash-crc64ecma', crc);
      return r.finish();
    }
    if (copySrc) {
      const text = await r.text();
      const etag = xmlUnescape(/<ETag>([^<]*)<\/ETag>/.exec(text)?.[1] ?? '');
      let srcEtag: string | undefined;
      if (copySrc.versionId) {
        // A copy of one version (PUT Object - Copy, 436/10881, `?versionId=` in x-cos-copy-source)
        // carries that version's CRC: find it by the version's own ETag.
        const h = await rgw.send({
          method: 'HEAD',
          bucket: copySrc.bucket,
          key: copySrc.key,
          query: [['versionId', copySrc.versionId]],
          headers: {},
          credentials: creds,
        });
        await h.body.dump();
        srcEtag = String(h.headers['etag'] ?? '');
      }
      const src = store.objectCrc(copySrc.bucket, copySrc.key, srcEtag);
      if (src && etag) {
        store.putObject(bucket, key, { crc: src.crc, etag, size: src.size });
        res.setHeader('x-cos-hash-crc64ecma', src.crc);
      }
      return r.finishText(text);
    }
    if (completeParts) {
      const uploadId = qv('uploadId')!;
      let text = await r.text();
      if (/<Error>/.test(text)) return r.finishText(text);
      let etag = xmlUnescape(/<ETag>([^<]*)<\/ETag>/.exec(text)?.[1] ?? '');
      if (!etag) {
        // RGW (pacific) answers Complete with an empty <ETag>; COS returns it: ask RGW with a HEAD.
        const h = await rgw.send({ method: 'HEAD', bucket, key, query: [], headers: {}, credentials: creds });
        await h.body.dump();
        etag = String(h.headers['etag'] ?? '');
      }
      text = text.replace(/<ETag>\s*<\/ETag>/, `<ETag>${xmlEscape(etag)}</ETag>`);
      const parts = completeParts.map((p) => store.part(uploadId, p.n, p.etag));
      if (parts.length && parts.every((p) => p)) {
        const crc = crc64CombineAll(parts.map((p) => ({ crc: BigInt(p!.crc), size: p!.size }))).toString(10);
        const size = parts.reduce((a, p) => a + p!.size, 0);
        store.putObject(bucket, key, { crc, etag, size });
        res.setHeader('x-cos-hash-crc64ecma', crc);
      }
      store.dropUpload(uploadId);
      const out = responseXmlToCos(text, ids).replace(
        /<Location>[^<]*<\/Location>/,
        `<Location>${xmlEscape(`${target.host}/${key}`)}</Location>`,
      );
      return r.finishText(out);
    }
    if (has('uploadId') && method === 'DELETE') {
      store.dropUpload(qv('uploadId')!);
      return r.finish();
    }
    if (key && !sub && (method === 'GET' || method === 'HEAD')) {
      const crc = store.objectCrc(bucket, key, etagOf());
      if (crc) res.setHeader('x-cos-hash-crc64ecma', crc.crc);
      return r.finish();
    }
    if (key && !sub && method === 'DELETE') {
      store.deleteObject(bucket, key);
      return r.finish();
    }
    if (!key && !sub && method === 'DELETE' && fwdQuery.length === 0) {
      store.deleteBucket(bucket);
      configs.dropBucket(bucket);
      return r.finish();
    }
    if (!key && !sub && method === 'PUT' && fwdQuery.length === 0) {
      store.setRegion(bucket, target.region);
      return r.finish();
    }
    if (has('policy') && method === 'GET') {
      const text = await r.text();
      const saved = store.policy(bucket);
      let out: string;
      try {
        const same = saved && JSON.stringify(JSON.parse(text)) === JSON.stringify(JSON.parse(saved.s3));
        // COS answers a re-rendered document, never the text as written (GET Bucket policy, 436/8276).
        out = JSON.stringify(
          renderCosPolicy(same ? saved.cos : policyToCos(text, ids, store.region(bucket) ?? target.region)),
        );
      } catch {
        out = text;
      }
      res.setHeader('content-type', 'application/json');
      return r.finishText(out);
    }
    if (has('policy') && method === 'DELETE') {
      store.dropPolicy(bucket);
      // RGW answers 200 here; COS (like S3) answers 204 No Content.
      return r.finish(r.statusCode === 200 ? 204 : undefined);
    }
    if (has('acl') && method === 'GET') {
      return r.finishText(aclXmlToCos(await r.text(), ids));
    }
    if (has('delete') && method === 'POST') {
      const text = await r.text();
      for (const m of text.matchAll(/<Deleted>\s*<Key>([^<]*)<\/Key>/g))
        store.deleteObject(bucket, xmlUnescape(m[1]));
      return r.finishText(responseXmlToCos(text, ids));
    }
    if ((!key || sub) && method !== 'HEAD' && /xml/.test(String(r.headers['content-type'] ?? ''))) {
      const text = await r.text();
      return r.finishText(responseXmlToCos(text, ids, { renameName: !key && method === 'GET' && !sub }));
    }
    return r.finish();

    // ---- forwarding closure (hoisted)
    async function forward(b: Buffer | IncomingMessage | CrcTap | undefined) {
      const resp = await rgw.send({
        method,
        bucket: bucket!,
        key,
        query: fwdQuery,
        headers,
        body: b,
        credentials: creds,
      });
      let consumed = false;
      const readText = async () => {
        consumed = true;
        return resp.body.text();
      };
      const self = {
        statusCode: resp.statusCode,
        headers: resp.headers,
        text: readText,
        /** Stream RGW's body through (errors become COS errors). */
        async finish(statusOverride?: number): Promise<void> {
          if (resp.statusCode >= 400) {
            const text = consumed ? '' : await readText();
            throw rgwError(resp.statusCode, text, has('uploadId'), !key);
          }
          copyResponseHeaders(resp.headers, res, false);
          res.statusCode = statusOverride ?? resp.statusCode;
          if (method === 'HEAD' || consumed) {
            resp.body.resume();
            res.end();
            return;
          }
          consumed = true;
          await new Promise<void>((resolve, reject) => {
            resp.body.on('error', reject);
            // A client that goes away mid-body (a full disk, a cancel): let go of RGW's answer too,
            // or the upstream request stays open and the gateway can never close.
            res.on('close', () => {
              if (!resp.body.readableEnded) resp.body.destroy();
              resolve();
            });
            resp.body.pipe(res);
          });
        },
        async finishText(text: string): Promise<void> {
          if (resp.statusCode >= 400) throw rgwError(resp.statusCode, text, has('uploadId'), !key);
          copyResponseHeaders(resp.headers, res, true);
          res.statusCode = resp.statusCode;
          if (method === 'HEAD') return void res.end();
          res.setHeader('content-length', Buffer.byteLength(text));
          res.end(text);
        },
      };
      return self;
    }
  };

  function rgwError(status: number, text: string, uploadId?: boolean, bucketLevel?: boolean): HttpError {
    // HEAD errors come without a body: a bucket-level 404 is NoSuchBucket, not NoSuchKey.
    let { code, message } = s3ErrorToCos(
      !text && bucketLevel && status === 404 ? '<Code>NoSuchBucket</Code>' : text,
      status,
    );
    // RGW answers a request on an aborted/unknown uploadId with NoSuchKey; COS says NoSuchUpload.
    if (uploadId && code === 'NoSuchKey')
      ({ code, message } = s3ErrorToCos('<Code>NoSuchUpload</Code>', status));
    return new HttpError(status, code, message);
  }

  // ------------------------------------------------------------------ server

  const server = createServer((req, res) => {
    const started = Date.now();
    res.setHeader('x-cos-request-id', requestId());
    res.setHeader('server', 'tencent-cos');
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const rawPath = qi < 0 ? url : url.slice(0, qi);
    const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
    const host = String(req.headers.host ?? '');
    const method = (req.method ?? 'GET').toUpperCase();
    const resource = `${host}${rawPath}`;
    const done = () => {
      if (opts.log)
        process.stderr.write(
          `cos-gateway ${method} ${host}${url.slice(0, 200)} -> ${res.statusCode} ${Date.now() - started}ms\n`,
        );
    };
    res.on('finish', done);
    const run = async () => {
      if (req.headers['x-tc-action'] || /^sts\./i.test(host)) return handleSts(req, res, rawPath, rawQuery);
      const target = parseHost(host);
      if (!target) {
        throw new HttpError(
          403,
          'PathStyleDomainForbidden',
          'Path-style requests are not supported: use <bucket>.cos.<region>.localhost',
        );
      }
      return handleCos(req, res, target, rawPath, rawQuery);
    };
    run().catch((e: unknown) => {
      if (!req.complete) req.resume();
      const err =
        e instanceof HttpError
          ? e
          : e instanceof CosRuleError
            ? new HttpError(e.status, e.code, e.message)
            : new HttpError(500, 'InternalError', `Gateway error: ${(e as Error)?.message ?? String(e)}`);
      if (!(e instanceof HttpError) && opts.log)
        process.stderr.write(`cos-gateway error: ${(e as Error)?.stack ?? String(e)}\n`);
      sendError(res, method, err, resource);
    });
  });
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    appId,
    dataDir,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.flush();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      await rgw.close();
    },
  };
}
