/**
 * COS ↔ S3 (RGW) translation: bucket names, headers, ACL grantees, bucket policies, errors.
 * Pure functions over strings; the server wires them into the request flow.
 */

export const COS_ALL_USERS = 'http://cam.qcloud.com/groups/global/AllUsers';
export const COS_AUTH_USERS = 'http://cam.qcloud.com/groups/global/AuthenticatedUsers';
export const S3_ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const S3_AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const COS_ANYONE = 'qcs::cam::anyone:anyone';

/** Who is who: RGW user id ↔ COS uin. */
export class Identities {
  private readonly byUin = new Map<string, string>();
  private readonly byRgw = new Map<string, string>();

  constructor(readonly appId: string) {}

  add(rgwUser: string, uin: string): void {
    this.byUin.set(uin, rgwUser);
    this.byRgw.set(rgwUser, uin);
  }

  uinOf(rgwUser: string): string | undefined {
    return this.byRgw.get(rgwUser);
  }

  rgwOf(uin: string): string | undefined {
    return this.byUin.get(uin);
  }

  /** `qcs::cam::uin/<root>:uin/<sub>` for an RGW user (each RGW user is its own root account). */
  camId(rgwUser: string): string {
    const uin = this.byRgw.get(rgwUser);
    return uin ? `qcs::cam::uin/${uin}:uin/${uin}` : rgwUser;
  }

  /** RGW user id for a COS principal (`qcs::cam::uin/x:uin/y`, `uin/y`, or a bare uin); undefined if unknown. */
  rgwOfCam(id: string): string | undefined {
    const s = id.trim();
    const m = /uin\/(\d+)(?!.*uin\/)/.exec(s);
    if (m) return this.byUin.get(m[1]);
    if (/^\d+$/.test(s)) return this.byUin.get(s);
    return undefined;
  }

  // ---- bucket names ----
  get suffix(): string {
    return `-${this.appId}`;
  }

  cosBucket(rgwBucket: string): string {
    return rgwBucket + this.suffix;
  }

  /** RGW bucket for a COS bucket name, or null when the APPID suffix is missing/wrong. */
  rgwBucket(cosBucket: string): string | null {
    if (!cosBucket.endsWith(this.suffix)) return null;
    const name = cosBucket.slice(0, -this.suffix.length);
    return name || null;
  }
}

// ---------------------------------------------------------------------------------------------
// XML helpers (regex-level rewriting keeps RGW's documents byte-for-byte otherwise)

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function mapTag(xml: string, tag: string, fn: (text: string) => string): string {
  const re = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  return xml.replace(re, (_m, t: string) => `<${tag}>${xmlEscape(fn(xmlUnescape(t)))}</${tag}>`);
}

/** RGW owner/grantee ids → COS CAM ids (with DisplayName = uin, as COS does). */
function idsToCos(xml: string, ids: Identities): string {
  let out = xml.replace(
    /<ID>([^<]*)<\/ID>(\s*)<DisplayName>([^<]*)<\/DisplayName>/g,
    (m, id: string, ws: string) => {
      const uin = ids.uinOf(xmlUnescape(id));
      return uin
        ? `<ID>${xmlEscape(ids.camId(xmlUnescape(id)))}</ID>${ws}<DisplayName>${uin}</DisplayName>`
        : m;
    },
  );
  out = mapTag(out, 'ID', (id) => (id.startsWith('qcs::') ? id : ids.camId(id)));
  return out;
}

function groupsToCos(xml: string): string {
  return mapTag(xml, 'URI', (u) =>
    u === S3_ALL_USERS ? COS_ALL_USERS : u === S3_AUTH_USERS ? COS_AUTH_USERS : u,
  );
}

/** Generic response rewrite: bucket names in <Bucket>/<Name>, owner ids, group URIs. */
export function responseXmlToCos(xml: string, ids: Identities, opts: { renameName?: boolean } = {}): string {
  let out = mapTag(xml, 'Bucket', (b) => (b && !b.endsWith(ids.suffix) ? ids.cosBucket(b) : b));
  if (opts.renameName)
    out = out.replace(/<Name>([^<]*)<\/Name>/, (_m, b: string) => `<Name>${ids.cosBucket(b)}</Name>`);
  out = idsToCos(out, ids);
  out = groupsToCos(out);
  return out;
}

/** ListAllMyBucketsResult: rename buckets, add <Location>, map the owner. */
export function listBucketsToCos(
  xml: string,
  ids: Identities,
  locationOf: (cosBucket: string) => string,
): string {
  let out = xml.replace(
    /<Bucket>\s*<Name>([^<]*)<\/Name>([\s\S]*?)<\/Bucket>/g,
    (_m, name: string, rest: string) => {
      const cos = ids.cosBucket(xmlUnescape(name));
      const withLoc = /<Location>/.test(rest)
        ? rest
        : `${rest}<Location>${xmlEscape(locationOf(cos))}</Location>`;
      return `<Bucket><Name>${xmlEscape(cos)}</Name>${withLoc}</Bucket>`;
    },
  );
  out = idsToCos(out, ids);
  return out;
}

// ---------------------------------------------------------------------------------------------
// ACL

/** COS AccessControlPolicy body → RGW form. Unknown uins are left as they are (RGW rejects them). */
export function aclXmlToS3(xml: string, ids: Identities): string {
  // A CanonicalUser "anyone" is the AllUsers group on S3.
  let out = xml.replace(
    /<Grantee([^>]*)>\s*<ID>\s*qcs::cam::anyone:anyone\s*<\/ID>[\s\S]*?<\/Grantee>/g,
    (_m, attrs: string) =>
      `<Grantee${attrs.replace(/CanonicalUser/, 'Group')}><URI>${S3_ALL_USERS}</URI></Grantee>`,
  );
  out = mapTag(out, 'ID', (id) => ids.rgwOfCam(id) ?? id);
  out = mapTag(out, 'URI', (u) =>
    u === COS_ALL_USERS ? S3_ALL_USERS : u === COS_AUTH_USERS ? S3_AUTH_USERS : u,
  );
  // COS DisplayName is the uin; RGW ignores DisplayName, drop it to avoid confusion.
  out = out.replace(/<DisplayName>[^<]*<\/DisplayName>/g, '');
  // RGW needs xsi:type (the SDK's json2xml writes none; COS infers it) and the xsi namespace.
  out = out.replace(/<Grantee([^>]*)>([\s\S]*?)<\/Grantee>/g, (_m, attrs: string, inner: string) => {
    let a = attrs;
    if (!/xsi:type/.test(a)) a += ` xsi:type="${/<URI>/.test(inner) ? 'Group' : 'CanonicalUser'}"`;
    if (!/xmlns:xsi/.test(a)) a = ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"${a}`;
    return `<Grantee${a}>${inner}</Grantee>`;
  });
  return out;
}

export function aclXmlToCos(xml: string, ids: Identities): string {
  return groupsToCos(idsToCos(xml, ids));
}

/** `id="qcs::cam::uin/1:uin/2",uri="…"` → `id="tester2",uri="…"` (grant header values). */
export function grantHeaderToS3(value: string, ids: Identities): string {
  return value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) => {
      const m = /^(id|uri|emailAddress)\s*=\s*"?([^"]*)"?$/i.exec(g);
      if (!m) return g;
      const kind = m[1].toLowerCase();
      const v = m[2];
      if (kind === 'id') {
        if (v === COS_ANYONE) return `uri="${S3_ALL_USERS}"`;
        return `id="${ids.rgwOfCam(v) ?? v}"`;
      }
      if (kind === 'uri') {
        return `uri="${v === COS_ALL_USERS ? S3_ALL_USERS : v === COS_AUTH_USERS ? S3_AUTH_USERS : v}"`;
      }
      return g;
    })
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// Bucket / session policies

/** COS action (without `name/cos:`) → S3 actions. */
const ACTIONS: Record<string, string[]> = {
  '*': ['s3:*'],
  GetService: ['s3:ListAllMyBuckets'],
  GetBucket: ['s3:ListBucket'],
  HeadBucket: ['s3:ListBucket'],
  PutBucket: ['s3:CreateBucket'],
  DeleteBucket: ['s3:DeleteBucket'],
  GetBucketObjectVersions: ['s3:ListBucketVersions'],
  ListMultipartUploads: ['s3:ListBucketMultipartUploads'],
  GetObject: ['s3:GetObject'],
  HeadObject: ['s3:GetObject'],
  OptionsObject: ['s3:GetObject'],
  PutObject: ['s3:PutObject'],
  PostObject: ['s3:PutObject'],
  AppendObject: ['s3:PutObject'],
  InitiateMultipartUpload: ['s3:PutObject'],
  UploadPart: ['s3:PutObject'],
  UploadPartCopy: ['s3:PutObject'],
  CompleteMultipartUpload: ['s3:PutObject'],
  PutObjectCopy: ['s3:PutObject'],
  ListParts: ['s3:ListMultipartUploadParts'],
  AbortMultipartUpload: ['s3:AbortMultipartUpload'],
  DeleteObject: ['s3:DeleteObject'],
  DeleteMultipleObjects: ['s3:DeleteObject'],
  GetObjectACL: ['s3:GetObjectAcl'],
  PutObjectACL: ['s3:PutObjectAcl'],
  GetBucketACL: ['s3:GetBucketAcl'],
  PutBucketACL: ['s3:PutBucketAcl'],
  GetBucketPolicy: ['s3:GetBucketPolicy'],
  PutBucketPolicy: ['s3:PutBucketPolicy'],
  DeleteBucketPolicy: ['s3:DeleteBucketPolicy'],
  GetObjectTagging: ['s3:GetObjectTagging'],
  PutObjectTagging: ['s3:PutObjectTagging'],
  DeleteObjectTagging: ['s3:DeleteObjectTagging'],
};
const ACTIONS_LC = new Map(Object.entries(ACTIONS).map(([k, v]) => [k.toLowerCase(), v]));
/** S3 action → the canonical COS action used when reading a foreign (non-gateway) policy. */
const REVERSE: Record<string, string> = {
  's3:*': '*',
  's3:ListAllMyBuckets': 'GetService',
  's3:ListBucket': 'GetBucket',
  's3:CreateBucket': 'PutBucket',
  's3:DeleteBucket': 'DeleteBucket',
  's3:ListBucketVersions': 'GetBucketObjectVersions',
  's3:ListBucketMultipartUploads': 'ListMultipartUploads',
  's3:GetObject': 'GetObject',
  's3:PutObject': 'PutObject',
  's3:ListMultipartUploadParts': 'ListParts',
  's3:AbortMultipartUpload': 'AbortMultipartUpload',
  's3:DeleteObject': 'DeleteObject',
  's3:GetObjectAcl': 'GetObjectACL',
  's3:PutObjectAcl': 'PutObjectACL',
  's3:GetBucketAcl': 'GetBucketACL',
  's3:PutBucketAcl': 'PutBucketACL',
  's3:GetBucketPolicy': 'GetBucketPolicy',
  's3:PutBucketPolicy': 'PutBucketPolicy',
  's3:DeleteBucketPolicy': 'DeleteBucketPolicy',
};

const BUCKET_LEVEL = new Set([
  's3:*',
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:ListBucketMultipartUploads',
  's3:GetBucketAcl',
  's3:PutBucketAcl',
  's3:GetBucketPolicy',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:DeleteBucket',
]);

export class PolicyError extends Error {}

type Json = Record<string, unknown>;

function arr<T>(v: T | T[] | undefined | null): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** Case-insensitive property access (COS docs use lower case; some tools write Statement/Effect). */
function prop(o: Json, name: string): unknown {
  if (name in o) return o[name];
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function actionToS3(a: string): string[] {
  const s = a.trim();
  if (s === '*') return ['s3:*'];
  const m = /^name\/cos:(.+)$/i.exec(s);
  if (!m) throw new PolicyError(`Unsupported action "${a}"`);
  const name = m[1];
  const direct = ACTIONS_LC.get(name.toLowerCase());
  if (direct) return direct;
  // Wildcards such as name/cos:Get* or unknown names: pass the name through as an S3 action.
  return [`s3:${name}`];
}

/** `qcs::cos:<region>:uid/<appid>:<bucket>-<appid>/<path>` (or the old `prefix//<appid>/<bucket>/…`) → ARN. */
function resourceToS3(r: string, ids: Identities): string {
  const s = r.trim();
  if (s === '*') return 'arn:aws:s3:::*';
  const m = /^qcs::cos:[^:]*:uid\/(\d+):(.*)$/.exec(s);
  if (!m) throw new PolicyError(`Unsupported resource "${r}"`);
  let rest = m[2];
  const old = /^prefix\/\/\d+\/([^/]+)(\/.*)?$/.exec(rest);
  if (old) rest = ids.cosBucket(old[1]) + (old[2] ?? '');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (bucket === '*') return `arn:aws:s3:::*${path}`;
  const rgw = ids.rgwBucket(bucket) ?? bucket;
  return `arn:aws:s3:::${rgw}${path}`;
}

function principalToS3(p: unknown, ids: Identities): unknown {
  if (p === undefined) return undefined;
  if (p === '*') return '*';
  const list = arr((p && typeof p === 'object' ? prop(p as Json, 'qcs') : p) as string | string[]);
  if (list.some((x) => x === '*' || x === COS_ANYONE)) return '*';
  const aws = list.map((x) => {
    const u = ids.rgwOfCam(x);
    if (!u) throw new PolicyError(`Unknown principal "${x}"`);
    return `arn:aws:iam:::user/${u}`;
  });
  return { AWS: aws };
}

const CONDITION_OPS: Record<string, string> = {
  ip_equal: 'IpAddress',
  ip_not_equal: 'NotIpAddress',
  string_equal: 'StringEquals',
  string_not_equal: 'StringNotEquals',
  string_like: 'StringLike',
  string_not_like: 'StringNotLike',
  numeric_equal: 'NumericEquals',
  numeric_less_than_equal: 'NumericLessThanEquals',
  numeric_greater_than_equal: 'NumericGreaterThanEquals',
  date_less_than: 'DateLessThan',
  date_greater_than: 'DateGreaterThan',
  bool_equal: 'Bool',
};
const CONDITION_KEYS: Record<string, string> = {
  'qcs:ip': 'aws:SourceIp',
  'cos:prefix': 's3:prefix',
  'cos:delimiter': 's3:delimiter',
  'cos:max-keys': 's3:max-keys',
  'cos:x-cos-acl': 's3:x-amz-acl',
  'qcs:secure_transport': 'aws:SecureTransport',
};

function conditionToS3(c: unknown): Json | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const out: Json = {};
  for (const [op, body] of Object.entries(c as Json)) {
    const awsOp = CONDITION_OPS[op] ?? op;
    const inner: Json = {};
    for (const [k, v] of Object.entries((body ?? {}) as Json)) inner[CONDITION_KEYS[k] ?? k] = v;
    out[awsOp] = inner;
  }
  return out;
}

/**
 * COS policy JSON → AWS policy JSON. `withPrincipal` false for STS session policies
 * (they have no principal).
 */
export function policyToS3(doc: string | Json, ids: Identities, withPrincipal = true): Json {
  const p: Json = typeof doc === 'string' ? (JSON.parse(doc) as Json) : doc;
  const statements = arr(prop(p, 'statement') as Json | Json[]);
  if (statements.length === 0) throw new PolicyError('Policy has no statement');
  return {
    Version: '2012-10-17',
    Statement: statements.map((st) => {
      const effect = String(prop(st, 'effect') ?? '').toLowerCase();
      if (effect !== 'allow' && effect !== 'deny')
        throw new PolicyError(`Invalid effect "${String(prop(st, 'effect'))}"`);
      const out: Json = {};
      const sid = prop(st, 'sid');
      if (typeof sid === 'string') out.Sid = sid;
      out.Effect = effect === 'allow' ? 'Allow' : 'Deny';
      if (withPrincipal) {
        const principal = principalToS3(prop(st, 'principal'), ids);
        if (principal === undefined) throw new PolicyError('Statement has no principal');
        out.Principal = principal;
      }
      const actions = [...new Set(arr(prop(st, 'action') as string | string[]).flatMap(actionToS3))];
      if (actions.length === 0) throw new PolicyError('Statement has no action');
      out.Action = actions;
      const resources = arr(prop(st, 'resource') as string | string[]).map((r) => resourceToS3(r, ids));
      if (resources.length === 0) throw new PolicyError('Statement has no resource');
      // COS lets "<bucket>/*" cover bucket-level actions (GetBucket…); S3 wants the bucket ARN itself.
      if (actions.some((a) => BUCKET_LEVEL.has(a))) {
        for (const r of [...resources]) {
          const m = /^(arn:aws:s3:::[^/*]+)\/\*$/.exec(r);
          if (m && !resources.includes(m[1])) resources.push(m[1]);
        }
      }
      out.Resource = resources;
      const cond = conditionToS3(prop(st, 'condition'));
      if (cond) out.Condition = cond;
      return out;
    }),
  };
}

/** AWS policy JSON (as RGW returns it) → COS form. */
export function policyToCos(doc: string | Json, ids: Identities, region: string): Json {
  const p: Json = typeof doc === 'string' ? (JSON.parse(doc) as Json) : doc;
  const revCond = (c: unknown): Json | undefined => {
    if (!c || typeof c !== 'object') return undefined;
    const opR = Object.fromEntries(Object.entries(CONDITION_OPS).map(([k, v]) => [v, k]));
    const keyR = Object.fromEntries(Object.entries(CONDITION_KEYS).map(([k, v]) => [v, k]));
    const out: Json = {};
    for (const [op, body] of Object.entries(c as Json)) {
      const inner: Json = {};
      for (const [k, v] of Object.entries((body ?? {}) as Json)) inner[keyR[k] ?? k] = v;
      out[opR[op] ?? op] = inner;
    }
    return out;
  };
  return {
    version: '2.0',
    statement: arr(prop(p, 'Statement') as Json | Json[]).map((st) => {
      const out: Json = {};
      const sid = prop(st, 'Sid');
      if (typeof sid === 'string') out.sid = sid;
      const principal = prop(st, 'Principal');
      let qcs: string[];
      if (principal === '*') qcs = [COS_ANYONE];
      else {
        const aws = arr(
          (principal && typeof principal === 'object' ? prop(principal as Json, 'AWS') : []) as string[],
        );
        qcs = aws.map((a) => {
          if (a === '*') return COS_ANYONE;
          const u = /user\/(.+)$/.exec(a)?.[1] ?? a;
          return ids.camId(u);
        });
      }
      out.principal = { qcs };
      out.effect = String(prop(st, 'Effect') ?? '').toLowerCase();
      out.action = arr(prop(st, 'Action') as string | string[]).map(
        (a) => `name/cos:${REVERSE[a] ?? a.replace(/^s3:/, '')}`,
      );
      out.resource = arr(prop(st, 'Resource') as string | string[]).map((r) => {
        const m = /^arn:aws:s3:::([^/]*)(\/.*)?$/.exec(r);
        if (!m) return r;
        const bucket = m[1] === '*' ? '*' : ids.cosBucket(m[1]);
        return `qcs::cos:${region}:uid/${ids.appId}:${bucket}${m[2] ?? ''}`;
      });
      const cond = revCond(prop(st, 'Condition'));
      if (cond) out.condition = cond;
      return out;
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Headers

/** Hop-by-hop and transport headers never forwarded in either direction. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'authorization',
  'date',
]);

/** COS x-cos-copy-source value → S3 x-amz-copy-source (`/<bucket>/<encoded key>[?versionId=]`). */
export function copySourceToS3(value: string, ids: Identities): string | null {
  let v = value.trim().replace(/^https?:\/\//, '');
  let version = '';
  const q = v.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(v.slice(q + 1));
    const vid = params.get('versionId');
    if (vid) version = `?versionId=${encodeURIComponent(vid)}`;
    v = v.slice(0, q);
  }
  const slash = v.indexOf('/');
  if (slash < 0) return null;
  const host = v.slice(0, slash);
  const encodedKey = v.slice(slash + 1);
  const m =
    /^([a-z0-9-]+)\.cos(?:v6|-cdc|-internal)?\.[^.]+\.(?:localhost|myqcloud\.com|tencentcos\.cn)(?::\d+)?$/.exec(
      host,
    );
  let cosBucket: string;
  if (m) cosBucket = m[1];
  else if (/^[a-z0-9-]+$/.test(host))
    cosBucket = host; // bare "<bucket>-<appid>/key"
  else return null;
  const rgw = ids.rgwBucket(cosBucket);
  if (!rgw) return null;
  let key: string;
  try {
    key = decodeURIComponent(encodedKey);
  } catch {
    key = encodedKey;
  }
  return `/${rgw}/${encodeKeyPath(key)}${version}`;
}

/** RFC 3986 strict encoding, keeping '/' (SigV4 canonical URI friendly). */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((seg) =>
      encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
    )
    .join('/');
}

export function encodeQueryComponent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// ---------------------------------------------------------------------------------------------
// Errors

const DEFAULT_MESSAGES: Record<string, string> = {
  AccessDenied: 'Access Denied.',
  NoSuchBucket: 'The specified bucket does not exist.',
  NoSuchKey: 'The specified key does not exist.',
  NoSuchUpload: 'The specified multipart upload does not exist.',
  NoSuchBucketPolicy: 'The specified bucket does not have a bucket policy.',
  NoSuchPolicy: 'The specified bucket does not have a bucket policy.',
  BucketAlreadyExists: 'The requested bucket name is not available.',
  BucketAlreadyOwnedByYou: 'The bucket you tried to create already exists, and you own it.',
  BucketNotEmpty: 'The bucket you tried to delete is not empty.',
  InvalidPart: 'One or more of the specified parts could not be found.',
  InvalidPartOrder: 'The list of parts was not in ascending order.',
  EntityTooSmall: 'Your proposed upload is smaller than the minimum allowed object size.',
  InvalidRange: 'The requested range is not satisfiable.',
  PreconditionFailed: 'At least one of the preconditions you specified did not hold.',
  MalformedXML: 'The XML you provided was not well-formed.',
  MalformedPolicy: 'Policy has invalid resource or invalid action.',
  InvalidArgument: 'Invalid Argument.',
  InvalidBucketName: 'The specified bucket is not valid.',
  InvalidDigest: 'The Content-MD5 you specified is not valid.',
  BadDigest: 'The Content-MD5 you specified did not match what we received.',
  MethodNotAllowed: 'The specified method is not allowed against this resource.',
};

/** S3 codes whose COS name differs. */
const CODE_MAP: Record<string, string> = {
  NoSuchBucketPolicy: 'NoSuchPolicy',
  BucketAlreadyOwnedByYou: 'BucketAlreadyExists',
};

export function errorXml(code: string, message: string, resource: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    `<Code>${xmlEscape(code)}</Code>` +
    `<Message>${xmlEscape(message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource>` +
    `<RequestId>${xmlEscape(requestId)}</RequestId>` +
    `<TraceId>${xmlEscape(Buffer.from(requestId).toString('base64'))}</TraceId>` +
    '</Error>'
  );
}

/** An RGW error response body (or nothing) → COS error code + message. */
export function s3ErrorToCos(body: string, status: number): { code: string; message: string } {
  const code0 = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const msg0 = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  const fallback =
    status === 404
      ? 'NoSuchKey'
      : status === 403
        ? 'AccessDenied'
        : status === 409
          ? 'Conflict'
          : status === 412
            ? 'PreconditionFailed'
            : status === 416
              ? 'InvalidRange'
              : status >= 500
                ? 'InternalError'
                : 'InvalidRequest';
  const raw = code0 ? xmlUnescape(code0) : fallback;
  const code = CODE_MAP[raw] ?? raw;
  const message = (msg0 && xmlUnescape(msg0)) || DEFAULT_MESSAGES[raw] || DEFAULT_MESSAGES[code] || code;
  return { code, message };
}
