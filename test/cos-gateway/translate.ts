/**
 * COS ↔ S3 (RGW) translation: bucket names, headers, ACL grantees, bucket policies, errors.
 * Pure functions over strings; the server wires them into the request flow.
 */

export const COS_ALL_USERS = 'http://cam.qcloud.com/groups/global/AllUsers';
export const COS_AUTH_USERS = 'http://cam.qcloud.com/groups/global/AuthenticatedUsers';
export const S3_ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const S3_AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const COS_ANYONE = 'qcs::cam::anyone:anyone';

/** A COS user: its root account's uin and its own (equal for a root account). */
export interface CosUser {
  root: string;
  uin: string;
}

/** Refused by the gateway as COS would: status, COS error code, message. */
export class CosRuleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A grantee / principal id in one of the forms COS documents, or null:
 * `qcs::cam::uin/<root>:uin/<uin>` (CAM id), and in grant headers `<uin>` (a root account)
 * or `<root>/<sub>` (a sub-account) (PUT Bucket acl, cloud.tencent.com/document/product/436/7737;
 * PUT Object acl, 436/7748).
 */
export function parseCosId(id: string, headerForms: boolean): CosUser | null {
  const s = id.trim();
  let m = /^qcs::cam::uin\/(\d+):uin\/(\d+)$/.exec(s);
  if (m) return { root: m[1], uin: m[2] };
  if (!headerForms) return null;
  m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) return { root: m[1], uin: m[2] };
  m = /^(\d+)$/.exec(s);
  if (m) return { root: m[1], uin: m[1] };
  return null;
}

/** Who is who: RGW user id ↔ COS user (root uin, uin). Each RGW user is one CAM user. */
export class Identities {
  private readonly byPair = new Map<string, string>();
  private readonly byRgw = new Map<string, CosUser>();

  constructor(readonly appId: string) {}

  /** A root account when `root` is omitted (or equal to `uin`); a sub-account of `root` otherwise. */
  add(rgwUser: string, uin: string, root = uin): void {
    this.byPair.set(`${root}/${uin}`, rgwUser);
    this.byRgw.set(rgwUser, { root, uin });
  }

  userOf(rgwUser: string): CosUser | undefined {
    return this.byRgw.get(rgwUser);
  }

  uinOf(rgwUser: string): string | undefined {
    return this.byRgw.get(rgwUser)?.uin;
  }

  /** Whether the RGW user is a root account (GetFederationToken limits differ, 1312/33228 on STS). */
  isRoot(rgwUser: string): boolean {
    const u = this.byRgw.get(rgwUser);
    return u !== undefined && u.root === u.uin;
  }

  /** `qcs::cam::uin/<root>:uin/<uin>` for an RGW user. */
  camId(rgwUser: string): string {
    const u = this.byRgw.get(rgwUser);
    return u ? `qcs::cam::uin/${u.root}:uin/${u.uin}` : rgwUser;
  }

  /**
   * RGW user id for a COS principal, matched on the whole (root, uin) pair: `uin/1:uin/2` is a
   * sub-user of account 1, not the root account 2. Undefined when nobody has that id.
   */
  rgwOfCam(id: string, headerForms = false): string | undefined {
    const u = parseCosId(id, headerForms);
    return u ? this.byPair.get(`${u.root}/${u.uin}`) : undefined;
  }

  /**
   * A grantee id → RGW user, or a CosRuleError: a malformed id is InvalidArgument; a
   * well-formed id naming no user (e.g. the owner's uin as root of another root account) too.
   */
  grantee(id: string, headerForms: boolean): string {
    const u = parseCosId(id, headerForms);
    if (!u) {
      throw new CosRuleError(
        400,
        'InvalidArgument',
        `Invalid grantee id "${id}": use id="<uin>" for a root account or id="<root uin>/<sub uin>" for a sub-account (or the CAM id qcs::cam::uin/<root>:uin/<uin>).`,
      );
    }
    const rgw = this.byPair.get(`${u.root}/${u.uin}`);
    if (!rgw) {
      throw new CosRuleError(
        400,
        'InvalidArgument',
        `The grantee qcs::cam::uin/${u.root}:uin/${u.uin} does not exist` +
          (u.root !== u.uin && this.byPair.has(`${u.uin}/${u.uin}`)
            ? ` (${u.uin} is a root account: name it id="${u.uin}", not as a sub-account of ${u.root})`
            : '') +
          '.',
      );
    }
    return rgw;
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

/** RGW owner/grantee ids → COS CAM ids, DisplayName the CAM id too (GET Bucket acl, 436/7733). */
function idsToCos(xml: string, ids: Identities): string {
  let out = xml.replace(
    /<ID>([^<]*)<\/ID>(\s*)<DisplayName>([^<]*)<\/DisplayName>/g,
    (m, id: string, ws: string) => {
      const rgw = xmlUnescape(id);
      if (!ids.userOf(rgw)) return m;
      const cam = xmlEscape(ids.camId(rgw));
      return `<ID>${cam}</ID>${ws}<DisplayName>${cam}</DisplayName>`;
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

const S3_GROUPS: Record<string, string> = { [COS_ALL_USERS]: S3_ALL_USERS, [COS_AUTH_USERS]: S3_AUTH_USERS };

/**
 * COS AccessControlPolicy body → RGW form. Grantees are CAM ids (`qcs::cam::uin/<root>:uin/<uin>`)
 * or COS group URIs (PUT Bucket acl, cloud.tencent.com/document/product/436/7737; PUT Object acl,
 * 436/7748); anything else, or a CAM id naming nobody, is refused with InvalidArgument.
 */
export function aclXmlToS3(xml: string, ids: Identities): string {
  if (!/<AccessControlPolicy[\s>]/.test(xml) || !/<\/AccessControlPolicy>/.test(xml)) {
    throw new CosRuleError(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate.',
    );
  }
  let out = xml.replace(/<Grantee([^>]*)>([\s\S]*?)<\/Grantee>/g, (_m, attrs: string, inner: string) => {
    const id = /<ID>([^<]*)<\/ID>/.exec(inner)?.[1];
    const uri = /<URI>([^<]*)<\/URI>/.exec(inner)?.[1];
    let body: string;
    let type: string;
    if (uri !== undefined) {
      const s3 = S3_GROUPS[xmlUnescape(uri).trim()];
      if (!s3)
        throw new CosRuleError(
          400,
          'InvalidArgument',
          `Invalid group URI "${xmlUnescape(uri)}": COS groups are ${COS_ALL_USERS} and ${COS_AUTH_USERS}.`,
        );
      body = `<URI>${s3}</URI>`;
      type = 'Group';
    } else if (id !== undefined) {
      const v = xmlUnescape(id).trim();
      if (v === COS_ANYONE) {
        body = `<URI>${S3_ALL_USERS}</URI>`;
        type = 'Group';
      } else {
        body = `<ID>${xmlEscape(ids.grantee(v, false))}</ID>`;
        type = 'CanonicalUser';
      }
    } else {
      throw new CosRuleError(400, 'InvalidArgument', 'A Grantee needs an ID or a URI.');
    }
    void attrs;
    return `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="${type}">${body}</Grantee>`;
  });
  // The owner: a CAM id of a known user.
  out = out.replace(/<Owner>([\s\S]*?)<\/Owner>/, (_m, inner: string) => {
    const id = /<ID>([^<]*)<\/ID>/.exec(inner)?.[1];
    if (id === undefined) return '<Owner></Owner>';
    return `<Owner><ID>${xmlEscape(ids.grantee(xmlUnescape(id), false))}</ID></Owner>`;
  });
  return out;
}

/**
 * RGW ACL → COS form (GET Bucket acl, 436/7733; GET Object acl, 436/7744): CAM ids in ID and
 * DisplayName, a root account's grantee typed `RootAccount`, a sub-account's `CanonicalUser`,
 * COS group URIs.
 */
export function aclXmlToCos(xml: string, ids: Identities): string {
  const typed = xml.replace(/<Grantee([^>]*)>([\s\S]*?)<\/Grantee>/g, (m, attrs: string, inner: string) => {
    const id = /<ID>([^<]*)<\/ID>/.exec(inner)?.[1];
    if (id === undefined) return m;
    const rgw = xmlUnescape(id);
    if (!ids.userOf(rgw)) return m;
    const type = ids.isRoot(rgw) ? 'RootAccount' : 'CanonicalUser';
    return `<Grantee${attrs.replace(/xsi:type="[^"]*"/, `xsi:type="${type}"`)}>${inner}</Grantee>`;
  });
  return groupsToCos(idsToCos(typed, ids));
}

/**
 * A grant header value → RGW's. COS documents `id="<uin>"` for a root account and
 * `id="<root uin>/<sub uin>"` for a sub-account, comma-separated (PUT Bucket acl,
 * cloud.tencent.com/document/product/436/7737; PUT Object acl, 436/7748); the official SDK
 * passes CAM ids (`id="qcs::cam::uin/<root>:uin/<uin>"`) and group URIs too. Anything else,
 * or an id naming nobody, is InvalidArgument.
 */
export function grantHeaderToS3(value: string, ids: Identities): string {
  const items = value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  if (items.length === 0) throw new CosRuleError(400, 'InvalidArgument', 'Empty grant header.');
  return items
    .map((g) => {
      const m = /^(id|uri)\s*=\s*"([^"]*)"$/i.exec(g);
      if (!m) {
        throw new CosRuleError(
          400,
          'InvalidArgument',
          `Invalid grant "${g}": write id="<uin>", id="<root uin>/<sub uin>" or uri="<group>".`,
        );
      }
      const v = m[2].trim();
      if (m[1].toLowerCase() === 'uri') {
        const s3 = S3_GROUPS[v];
        if (!s3) throw new CosRuleError(400, 'InvalidArgument', `Invalid group URI "${v}".`);
        return `uri="${s3}"`;
      }
      if (v === COS_ANYONE) return `uri="${S3_ALL_USERS}"`;
      return `id="${ids.grantee(v, true)}"`;
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

/** Where a policy's resources must point: the bucket a bucket policy is for, and its region. */
export interface PolicyScope {
  /** COS bucket name (`<name>-<appid>`); undefined for an STS session policy (any bucket). */
  bucket?: string;
  /** The bucket's region; undefined when unknown. */
  region?: string;
}

/**
 * `qcs::cos:<region>:uid/<appid>:<bucket>-<appid>/<path>` (or the old `prefix//<appid>/<bucket>/…`) → ARN.
 * The region must be the bucket's (or `*`), the APPID the account's, and a bucket policy may
 * only name its own bucket (PUT Bucket policy, cloud.tencent.com/document/product/436/8282;
 * resource syntax: COS API policy guide, 436/31923, and CAM resource description, 598/10606).
 */
function resourceToS3(r: string, ids: Identities, scope: PolicyScope): string {
  const s = r.trim();
  if (s === '*') {
    if (scope.bucket)
      throw new PolicyError(
        `Resource "*" is not in this bucket: name qcs::cos:<region>:uid/${ids.appId}:${scope.bucket}/<path>`,
      );
    return 'arn:aws:s3:::*';
  }
  const m = /^qcs::cos:([^:]*):uid\/(\d*):(.*)$/.exec(s);
  if (!m) throw new PolicyError(`Unsupported resource "${r}"`);
  const [, region, appId] = m;
  if (appId !== ids.appId)
    throw new PolicyError(
      `Resource "${r}" names APPID ${appId || '(none)'}, not this account's ${ids.appId}`,
    );
  if (region !== '*' && !/^[a-z]+(-[a-z0-9]+)+$/.test(region))
    throw new PolicyError(`Resource "${r}" names no valid region`);
  if (region !== '*' && scope.region && region !== scope.region)
    throw new PolicyError(`Resource "${r}" names region ${region}, but the bucket is in ${scope.region}`);
  let rest = m[3];
  const old = /^prefix\/\/\d+\/([^/]+)(\/.*)?$/.exec(rest);
  if (old) rest = ids.cosBucket(old[1]) + (old[2] ?? '');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (scope.bucket && bucket !== scope.bucket)
    throw new PolicyError(`Resource "${r}" is not in the bucket ${scope.bucket}`);
  if (bucket === '*') return `arn:aws:s3:::*${path}`;
  const rgw = ids.rgwBucket(bucket);
  if (!rgw)
    throw new PolicyError(
      `Resource "${r}" names the bucket "${bucket}", which lacks the -${ids.appId} suffix`,
    );
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

/**
 * A value no listing can send as its prefix (longer than any key may be: 850 bytes on COS,
 * 1024 on S3): stands for a `cos:prefix` value that COS could never match (see cosPrefixToS3).
 */
export const NEVER_PREFIX = `cos-prefix-never-matches/${'x'.repeat(1100)}`;

/**
 * `cos:prefix` is compared with the request's `prefix` parameter URL-encoded: "If the value of
 * prefix contains special characters such as /, the value must be URL-encoded before being
 * written into the policy" (Descriptions and Use Cases of Condition Keys, section cos:prefix,
 * cloud.tencent.com/document/product/436/46206). So `folder%2F*` matches the prefix `folder/a/`,
 * while a value with a literal `/` (or space, or any other character encoding escapes) can never
 * equal an encoded prefix: it matches nothing, as on COS, and becomes NEVER_PREFIX for RGW, which
 * compares decoded prefixes. The string_like wildcards `*` and `?` keep their meaning.
 */
export function cosPrefixToS3(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cosPrefixToS3);
  if (typeof value !== 'string') return value;
  if (/[^A-Za-z0-9\-_.~%*?]/.test(value) || /%(?![0-9A-Fa-f]{2})/.test(value)) return NEVER_PREFIX;
  try {
    return decodeURIComponent(value);
  } catch {
    return NEVER_PREFIX;
  }
}

/** The reverse, for a policy read back from RGW: decoded prefixes are written encoded again. */
function cosPrefixFromS3(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cosPrefixFromS3);
  if (typeof value !== 'string') return value;
  return value
    .split(/([*?])/)
    .map((part) => (part === '*' || part === '?' ? part : encodeQueryComponent(part)))
    .join('');
}

/** `string_equal_if_exist` → `StringEqualsIfExists` (CAM: an operator + `_if_exist`). */
function conditionOpToS3(op: string): string {
  const m = /^(.*)_if_exist$/.exec(op);
  if (m && CONDITION_OPS[m[1]]) return `${CONDITION_OPS[m[1]]}IfExists`;
  return CONDITION_OPS[op] ?? op;
}

function conditionToS3(c: unknown): Json | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const out: Json = {};
  for (const [op, body] of Object.entries(c as Json)) {
    const awsOp = conditionOpToS3(op);
    const inner: Json = {};
    for (const [k, v] of Object.entries((body ?? {}) as Json))
      inner[CONDITION_KEYS[k] ?? k] = k === 'cos:prefix' ? cosPrefixToS3(v) : v;
    out[awsOp] = inner;
  }
  return out;
}

/**
 * COS policy JSON → AWS policy JSON. `withPrincipal` false for STS session policies
 * (they have no principal).
 */
export function policyToS3(
  doc: string | Json,
  ids: Identities,
  withPrincipal = true,
  scope: PolicyScope = {},
): Json {
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
      if (!withPrincipal && prop(st, 'principal') !== undefined)
        throw new PolicyError('A temporary key policy has no principal');
      if (withPrincipal) {
        const principal = principalToS3(prop(st, 'principal'), ids);
        if (principal === undefined) throw new PolicyError('Statement has no principal');
        out.Principal = principal;
      }
      const actions = [...new Set(arr(prop(st, 'action') as string | string[]).flatMap(actionToS3))];
      if (actions.length === 0) throw new PolicyError('Statement has no action');
      out.Action = actions;
      const resources = arr(prop(st, 'resource') as string | string[]).map((r) =>
        resourceToS3(r, ids, scope),
      );
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

/**
 * A COS policy as GET Bucket policy answers it: re-rendered with capitalised keys
 * (`Statement`, `Principal`, `Effect`, `Action`, `Resource`, `Condition`, `Sid`) beside a
 * lower-case `version` (GET Bucket policy, cloud.tencent.com/document/product/436/8276).
 */
export function renderCosPolicy(doc: string | Json): Json {
  const p: Json = typeof doc === 'string' ? (JSON.parse(doc) as Json) : doc;
  return {
    Statement: arr(prop(p, 'statement') as Json | Json[]).map((st) => {
      const out: Json = {};
      const principal = prop(st, 'principal');
      if (principal !== undefined) {
        const list =
          principal && typeof principal === 'object' && !Array.isArray(principal)
            ? arr(prop(principal as Json, 'qcs') as string | string[])
            : arr(principal as string | string[]);
        out.Principal = { qcs: list.map((x) => (x === '*' ? COS_ANYONE : x)) };
      }
      out.Effect = String(prop(st, 'effect') ?? '').toLowerCase();
      out.Action = arr(prop(st, 'action') as string | string[]);
      out.Resource = arr(prop(st, 'resource') as string | string[]);
      const cond = prop(st, 'condition');
      if (cond !== undefined) out.Condition = cond;
      const sid = prop(st, 'sid');
      if (typeof sid === 'string') out.Sid = sid;
      return out;
    }),
    version: String(prop(p, 'version') ?? '2.0'),
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
      for (const [k, v] of Object.entries((body ?? {}) as Json))
        inner[keyR[k] ?? k] = k === 's3:prefix' ? cosPrefixFromS3(v) : v;
      const ifExists = /^(.*)IfExists$/.exec(op);
      out[opR[op] ?? (ifExists && opR[ifExists[1]] ? `${opR[ifExists[1]]}_if_exist` : op)] = inner;
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

/**
 * COS x-cos-copy-source → S3 x-amz-copy-source (`/<bucket>/<encoded key>[?versionId=]`).
 * COS takes only `<bucket>-<appid>.cos.<region>.myqcloud.com/<URL-encoded key>[?versionId=]`
 * (PUT Object - Copy, cloud.tencent.com/document/product/436/10881; Upload Part - Copy,
 * 436/8287), whatever endpoint the request itself went to; the official SDK's
 * `getSourceParams` accepts the same host forms. Anything else is InvalidArgument.
 * `regionOf` gives the region a known bucket lives in.
 */
export function copySourceToS3(
  value: string,
  ids: Identities,
  regionOf: (rgwBucket: string) => string | undefined = () => undefined,
): string {
  const refuse = (why: string) =>
    new CosRuleError(
      400,
      'InvalidArgument',
      `Invalid x-cos-copy-source "${value}": ${why}. Write <bucket>-<appid>.cos.<region>.myqcloud.com/<URL-encoded key>.`,
    );
  let v = value.trim();
  let version = '';
  const q = v.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(v.slice(q + 1));
    const vid = params.get('versionId');
    if (vid) version = `?versionId=${encodeURIComponent(vid)}`;
    v = v.slice(0, q);
  }
  const slash = v.indexOf('/');
  if (slash < 0) throw refuse('no key');
  const host = v.slice(0, slash);
  const encodedKey = v.slice(slash + 1);
  const m =
    /^([a-z0-9-]+)\.cos(?:v6|-cdc|-cdz|-internal)?\.([a-z0-9-]+)\.(?:myqcloud\.com|tencentcos\.cn)$/.exec(
      host,
    );
  if (!m) throw refuse(`"${host}" is not a COS bucket host`);
  const rgw = ids.rgwBucket(m[1]);
  if (!rgw) throw refuse(`the bucket "${m[1]}" lacks the -${ids.appId} suffix`);
  const known = regionOf(rgw);
  if (known && known !== m[2]) throw refuse(`the bucket ${m[1]} is in ${known}, not ${m[2]}`);
  if (!encodedKey) throw refuse('no key');
  if (/[^A-Za-z0-9\-_.~%/!$&'()*+,;=:@]/.test(encodedKey)) throw refuse('the key is not URL-encoded');
  let key: string;
  try {
    key = decodeURIComponent(encodedKey);
  } catch {
    throw refuse('the key has a broken percent-encoding');
  }
  return `/${rgw}/${encodeKeyPath(key)}${version}`;
}

/**
 * x-cos-metadata-directive → S3: `Copy` (the default) or `Replaced`; COS refuses other values
 * (PUT Object - Copy, cloud.tencent.com/document/product/436/10881).
 */
export function metadataDirectiveToS3(value: string): string {
  if (value === 'Copy') return 'COPY';
  if (value === 'Replaced') return 'REPLACE';
  throw new CosRuleError(
    400,
    'InvalidArgument',
    `Invalid x-cos-metadata-directive "${value}": COS takes Copy or Replaced.`,
  );
}

/**
 * The storage classes COS takes in `x-cos-storage-class` (PUT Object 436/7749, PUT Object - Copy
 * 436/10881, Initiate Multipart Upload 436/7746; storage class overview 436/33417): anything else,
 * S3's GLACIER or REDUCED_REDUNDANCY included, is refused with 400 InvalidArgument. The class
 * goes on to RGW unchanged, which stores it only when its placement names it (test/backend/rgw.sh
 * adds STANDARD_IA).
 */
export const COS_STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ARCHIVE',
  'DEEP_ARCHIVE',
  'INTELLIGENT_TIERING',
  'MAZ_STANDARD',
  'MAZ_STANDARD_IA',
  'MAZ_INTELLIGENT_TIERING',
  'MAZ_ARCHIVE',
] as const;

export function storageClassToS3(value: string): string {
  if ((COS_STORAGE_CLASSES as readonly string[]).includes(value)) return value;
  throw new CosRuleError(
    400,
    'InvalidArgument',
    `Invalid x-cos-storage-class "${value}": COS takes ${COS_STORAGE_CLASSES.join(', ')}.`,
  );
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
