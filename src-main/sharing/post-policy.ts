import { createHash, createHmac } from 'node:crypto';
import type { ResolvedAccount } from '../accounts/types';
import { cosTarget, s3Target } from '../storage/endpoints';

/**
 * Browser-form (POST Object) upload policies that let anyone holding them upload keys that start
 * with a prefix, until they expire. Hand-written: the official SDKs in use here (cos-nodejs-sdk-v5,
 * @smithy/signature-v4) sign requests, not POST policies.
 */
export interface PostForm {
  /** Where the form posts to: the bucket's address. */
  url: string;
  /** The Host the signature and the server expect (differs from the URL's only for custom hosts). */
  host: string;
  /** Form fields in order; the file goes last, as field `file`. */
  fields: Array<[string, string]>;
}

export interface PostPolicyOptions {
  bucket: string;
  region?: string;
  /** Every uploaded key starts with this; `${filename}` in the key field is the uploaded file's name. */
  prefix: string;
  /** Unix seconds the policy counts from (server time), and how long it lasts. */
  startSec: number;
  seconds: number;
  contentType?: string;
}

const iso = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, '.000Z');
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const hmacHex = (key: string | Buffer, msg: string, algo: 'sha1' | 'sha256') =>
  createHmac(algo, key).update(msg, 'utf8').digest('hex');

/**
 * COS PostObject (cloud.tencent.com/document/product/436/14690, "签名保护"): the policy lists
 * `q-sign-algorithm`, `q-ak` and `q-sign-time` among its conditions; SignKey =
 * HMAC-SHA1(SecretKey, KeyTime); StringToSign = SHA1(policy JSON); Signature =
 * HMAC-SHA1(SignKey, StringToSign); the form carries policy (base64), q-sign-algorithm, q-ak,
 * q-key-time and q-signature, and x-cos-security-token for a temporary key.
 */
function cosPostForm(account: Extract<ResolvedAccount, { kind: 'cos' }>, o: PostPolicyOptions): PostForm {
  const keyTime = `${o.startSec - 1};${o.startSec + o.seconds}`;
  const token = account.secret.sessionToken;
  const conditions: unknown[] = [
    { bucket: o.bucket },
    ['starts-with', '$key', o.prefix],
    { 'q-sign-algorithm': 'sha1' },
    { 'q-ak': account.secretId },
    { 'q-sign-time': keyTime },
  ];
  if (o.contentType) conditions.push({ 'Content-Type': o.contentType });
  if (token) conditions.push({ 'x-cos-security-token': token });
  const policy = JSON.stringify({ expiration: iso(o.startSec + o.seconds), conditions });
  const signKey = hmacHex(account.secret.secretKey, keyTime, 'sha1');
  const signature = hmacHex(signKey, createHash('sha1').update(policy, 'utf8').digest('hex'), 'sha1');
  const fields: Array<[string, string]> = [['key', `${o.prefix}\${filename}`]];
  if (o.contentType) fields.push(['Content-Type', o.contentType]);
  fields.push(
    ['policy', b64(policy)],
    ['q-sign-algorithm', 'sha1'],
    ['q-ak', account.secretId],
    ['q-key-time', keyTime],
    ['q-signature', signature],
  );
  if (token) fields.push(['x-cos-security-token', token]);
  const t = cosTarget(account, { bucket: o.bucket, region: o.region });
  return { url: `${t.origin}/`, host: t.host, fields };
}

/**
 * S3 POST policy with Signature V4 (AWS "Browser-Based Uploads Using POST", sigv4-HTTPPOSTConstructPolicy):
 * the policy names bucket, the key prefix, x-amz-algorithm, x-amz-credential, x-amz-date (and
 * x-amz-security-token); the signature is HMAC-SHA256 of the base64 policy with the SigV4
 * signing key of the policy's date.
 */
function s3PostForm(account: Extract<ResolvedAccount, { kind: 's3' }>, o: PostPolicyOptions): PostForm {
  const d = new Date(o.startSec * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = d.slice(0, 8);
  const region = o.region ?? account.region;
  const credential = `${account.accessKeyId}/${date}/${region}/s3/aws4_request`;
  const token = account.secret.sessionToken;
  const conditions: unknown[] = [
    { bucket: o.bucket },
    ['starts-with', '$key', o.prefix],
    { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
    { 'x-amz-credential': credential },
    { 'x-amz-date': d },
  ];
  if (o.contentType) conditions.push({ 'Content-Type': o.contentType });
  if (token) conditions.push({ 'x-amz-security-token': token });
  const policy = b64(JSON.stringify({ expiration: iso(o.startSec + o.seconds), conditions }));
  const h = (key: string | Buffer, msg: string) => createHmac('sha256', key).update(msg, 'utf8').digest();
  const signingKey = h(h(h(h(`AWS4${account.secret.secretKey}`, date), region), 's3'), 'aws4_request');
  const signature = hmacHex(signingKey, policy, 'sha256');
  const fields: Array<[string, string]> = [['key', `${o.prefix}\${filename}`]];
  if (o.contentType) fields.push(['Content-Type', o.contentType]);
  fields.push(
    ['policy', policy],
    ['x-amz-algorithm', 'AWS4-HMAC-SHA256'],
    ['x-amz-credential', credential],
    ['x-amz-date', d],
  );
  if (token) fields.push(['x-amz-security-token', token]);
  fields.push(['x-amz-signature', signature]);
  const t = s3Target(account, { bucket: o.bucket, region: o.region });
  return { url: t.origin + t.encodedPath, host: t.host, fields };
}

export function postForm(account: ResolvedAccount, o: PostPolicyOptions): PostForm {
  return account.kind === 'cos' ? cosPostForm(account, o) : s3PostForm(account, o);
}

/** Single-quoted for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A curl command that uploads ./FILE through the form. `--form-string` sends each value as is
 * (a plain `-F` would read `@…` or `<…` values as files); the file goes last.
 */
export function postCurl(form: PostForm): string {
  const lines = ['curl -sS -i'];
  for (const [k, v] of form.fields) lines.push(`  --form-string ${shellQuote(`${k}=${v}`)}`);
  lines.push(`  -F 'file=@FILE'`, `  ${shellQuote(form.url)}`);
  return lines.join(' \\\n');
}

/** A curl command that uploads ./FILE to a pre-signed PUT URL. */
export function putCurl(url: string, contentType?: string): string {
  const ct = contentType ? ` -H ${shellQuote(`Content-Type: ${contentType}`)}` : '';
  return `curl -sS -i -X PUT${ct} -T FILE ${shellQuote(url)}`;
}
