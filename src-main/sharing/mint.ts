import type { MintedKeysRevealed } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { ResolvedAccount } from '../accounts/types';
import { uriEncode } from '../storage/encode';
import { DEFAULT_STS_ENDPOINT, getFederationToken } from './sts-cos';
import { s3Sts } from './sts-s3';

export interface MintScope {
  bucket?: string;
  region?: string;
  prefix: string;
  readOnly: boolean;
}

const COS_READ = ['name/cos:GetObject', 'name/cos:HeadObject'];
const COS_WRITE = [
  'name/cos:PutObject',
  'name/cos:PostObject',
  'name/cos:DeleteObject',
  'name/cos:InitiateMultipartUpload',
  'name/cos:UploadPart',
  'name/cos:CompleteMultipartUpload',
  'name/cos:AbortMultipartUpload',
  'name/cos:ListParts',
];
/** Listing (GET Bucket); on a bucket-scoped key it carries a `cos:prefix` condition. */
const COS_LIST = ['name/cos:GetBucket'];
const S3_READ = ['s3:GetObject'];
const S3_WRITE = [
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

/** The APPID a COS bucket name ends with (`name-1250000000`), else the account's. */
function appIdOf(bucket: string, account: { appId?: string }): string {
  const m = /-(\d+)$/.exec(bucket);
  const id = m?.[1] ?? account.appId;
  if (!id) {
    throw new AppError(
      'VALIDATION',
      'A COS bucket name ends with its APPID (name-1250000000); add the APPID to the bucket name or the account.',
    );
  }
  return id;
}

/**
 * The value of a `cos:prefix` condition: COS compares it with the request's `prefix` parameter
 * URL-encoded, so a value with `/` (or any other reserved character) must be written encoded
 * ("If the value of prefix contains special characters such as /, the value must be URL-encoded
 * before being written into the policy": Descriptions and Use Cases of Condition Keys,
 * cloud.tencent.com/document/product/436/46206, section cos:prefix). The trailing `*` of
 * string_like stays a wildcard.
 */
export function cosPrefixCondition(prefix: string): string {
  return `${uriEncode(prefix)}*`;
}

/**
 * A GetFederationToken policy: object actions on `<bucket>/<prefix>*`, and, so that the folder
 * can be browsed, GetBucket on the bucket limited by a `cos:prefix` condition (COS checks
 * GetBucket against `<bucket>/*` with the request's prefix: 436/46206, "Allowing listing objects
 * in specified directories only"). A list of the root or of a sibling folder has another prefix
 * and is refused.
 */
export function cosPolicy(account: Extract<ResolvedAccount, { kind: 'cos' }>, s: MintScope): string {
  const region = s.region ?? account.region;
  if (!s.bucket) {
    const resource = `qcs::cos:${region}:uid/${account.appId ?? '*'}:*`;
    return JSON.stringify({
      version: '2.0',
      statement: [
        {
          effect: 'allow',
          action: s.readOnly ? [...COS_READ, ...COS_LIST] : [...COS_READ, ...COS_LIST, ...COS_WRITE],
          resource: [resource],
        },
      ],
    });
  }
  const base = `qcs::cos:${region}:uid/${appIdOf(s.bucket, account)}:${s.bucket}/`;
  const list: Record<string, unknown> = { effect: 'allow', action: COS_LIST, resource: [`${base}*`] };
  if (s.prefix) list.condition = { string_like: { 'cos:prefix': cosPrefixCondition(s.prefix) } };
  return JSON.stringify({
    version: '2.0',
    statement: [
      {
        effect: 'allow',
        action: s.readOnly ? COS_READ : [...COS_READ, ...COS_WRITE],
        resource: [`${base}${s.prefix}*`],
      },
      list,
    ],
  });
}

/**
 * An AssumeRole session policy: object actions on `<bucket>/<prefix>*`, and ListBucket on the
 * bucket itself with an `s3:prefix` StringLike `<prefix>*` condition (ListBucket is a bucket
 * action: an object ARN never grants it).
 */
export function s3Policy(s: MintScope & { bucket: string }): string {
  const list: Record<string, unknown> = {
    Effect: 'Allow',
    Action: ['s3:ListBucket'],
    Resource: [`arn:aws:s3:::${s.bucket}`],
  };
  if (s.prefix) list.Condition = { StringLike: { 's3:prefix': [`${s.prefix}*`] } };
  const statements: Record<string, unknown>[] = [
    {
      Effect: 'Allow',
      Action: s.readOnly ? S3_READ : [...S3_READ, ...S3_WRITE],
      Resource: [`arn:aws:s3:::${s.bucket}/${s.prefix}*`],
    },
    list,
  ];
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * Temporary keys limited to a bucket and prefix, for handing to someone else. The caller shows
 * them once; nothing here logs or stores them.
 */
export async function mintKeys(
  account: ResolvedAccount,
  req: MintScope & { durationSeconds: number; roleArn?: string; stsEndpoint?: string },
): Promise<MintedKeysRevealed> {
  if (account.secret.sessionToken) {
    throw new AppError(
      'VALIDATION',
      'Temporary keys cannot mint more temporary keys: use an account with permanent keys.',
    );
  }
  const scope = { bucket: req.bucket ?? '', prefix: req.prefix, readOnly: req.readOnly };
  if (account.kind === 'cos') {
    const policy = cosPolicy(account, req);
    const c = await getFederationToken({
      endpoint: req.stsEndpoint ?? process.env.COSDESK_STS_ENDPOINT ?? DEFAULT_STS_ENDPOINT,
      secretId: account.secretId,
      secretKey: account.secret.secretKey,
      region: req.region ?? account.region,
      name: 'cosdesk',
      policy,
      durationSeconds: req.durationSeconds,
    });
    return reveal(c, req.durationSeconds, 'GetFederationToken', scope, policy);
  }
  const roleArn = req.roleArn ?? process.env.COSDESK_ROLE_ARN;
  if (!req.bucket && !roleArn) {
    const c = await s3Sts({
      ...s3Creds(account),
      action: 'GetSessionToken',
      durationSeconds: req.durationSeconds,
    });
    return reveal(c, req.durationSeconds, 'GetSessionToken', scope);
  }
  if (!roleArn) {
    throw new AppError(
      'VALIDATION',
      'Keys limited to a bucket need a role to assume on S3 (STS AssumeRole): give its ARN (--role-arn), or mint unscoped keys.',
    );
  }
  const policy = req.bucket ? s3Policy({ ...req, bucket: req.bucket }) : undefined;
  const c = await s3Sts({
    ...s3Creds(account),
    action: 'AssumeRole',
    roleArn,
    policy,
    durationSeconds: req.durationSeconds,
  });
  return reveal(c, req.durationSeconds, 'AssumeRole', scope, policy);
}

function s3Creds(a: Extract<ResolvedAccount, { kind: 's3' }>) {
  return {
    endpoint: a.endpoint,
    region: a.region,
    accessKeyId: a.accessKeyId,
    secretAccessKey: a.secret.secretKey,
  };
}

function reveal(
  c: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresAt: string },
  durationSeconds: number,
  via: MintedKeysRevealed['via'],
  scope: MintedKeysRevealed['scope'],
  policy?: string,
): MintedKeysRevealed {
  return {
    tmpSecretId: c.accessKeyId,
    tmpSecretKey: c.secretAccessKey,
    token: c.sessionToken,
    expiresAt: c.expiresAt,
    durationSeconds,
    via,
    scope,
    policy,
  };
}
