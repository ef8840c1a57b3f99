/**
 * COS POST Object (browser-form upload), as cloud.tencent.com/document/product/436/14690 documents
 * it, in front of RGW (which gets a plain PUT with the signer's own credentials). Strict like COS:
 *
 * - the form is multipart/form-data and `file` is its last field; `key` is required and
 *   `${filename}` in it becomes the uploaded file's name;
 * - "签名保护": a signed form carries `policy` (base64 JSON), `q-sign-algorithm` (sha1), `q-ak`,
 *   `q-key-time` and `q-signature`; SignKey = HMAC-SHA1(SecretKey, KeyTime), StringToSign =
 *   SHA1(policy JSON), Signature = HMAC-SHA1(SignKey, StringToSign). The policy's conditions
 *   must name q-sign-algorithm, q-ak and q-sign-time; every condition must hold ({field: value},
 *   ["eq", "$field", v], ["starts-with", "$field", v], ["content-length-range", min, max]); a
 *   policy past its `expiration`, or a KeyTime that has ended, is refused;
 * - a temporary key sends `x-cos-security-token`, and its policy must allow `name/cos:PostObject`
 *   (436/14048 lists PostObject as its own action; RGW would only see s3:PutObject);
 * - the answer is 204 by default, `success_action_status` 200 or 201 (201 with a PostResponse
 *   body), `success_action_redirect` a 303 to that address with bucket, key and etag.
 *
 * Errors use COS's codes (436/7730): AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId,
 * InvalidArgument, InvalidPolicyDocument, EntityTooSmall, EntityTooLarge, ExpiredToken.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Crc64 } from './crc64';
import type { RgwClient, RgwCredentials } from './rgw';
import type { SidecarStore } from './store';
import { encodeKeyPath, xmlEscape } from './translate';

type Fail = (status: number, code: string, message: string) => Error;

export interface PostObjectContext {
  cosBucket: string;
  /** RGW bucket name. */
  bucket: string;
  host: string;
  rgw: RgwClient;
  store: SidecarStore;
  lookup: (ak: string) =>
    | {
        secretKey: string;
        rgw: RgwCredentials;
        token?: string;
        expiredTime?: number;
        allowed?: string[];
      }
    | undefined;
  fail: Fail;
  rgwError: (status: number, text: string) => Error;
}

/** POST / on a bucket host with a form body and no sub-resource is POST Object. */
export function isPostObject(
  method: string,
  key: string,
  query: Array<[string, string]>,
  headers: IncomingHttpHeaders,
): boolean {
  return (
    method === 'POST' &&
    key === '' &&
    query.length === 0 &&
    /^multipart\/form-data/i.test(String(headers['content-type'] ?? ''))
  );
}

const MAX_FORM_BYTES = 64 * 1024 * 1024;

async function readAll(req: IncomingMessage, fail: Fail): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_FORM_BYTES)
      throw fail(400, 'EntityTooLarge', 'This test gateway takes POST Object forms up to 64 MiB.');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A `*`-wildcard CAM action pattern against an action (both lower-case). */
function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(action);
}

export async function handlePostObject(
  req: IncomingMessage,
  res: ServerResponse,
  c: PostObjectContext,
): Promise<void> {
  const { fail } = c;
  const raw = await readAll(req, fail);
  let form: FormData;
  try {
    form = await new Response(raw, {
      headers: { 'content-type': String(req.headers['content-type']) },
    }).formData();
  } catch {
    throw fail(
      400,
      'MalformedPOSTRequest',
      'The body of your POST request is not well-formed multipart/form-data.',
    );
  }
  const entries = [...form.entries()];
  const fileAt = entries.findIndex(([k]) => k.toLowerCase() === 'file');
  if (fileAt < 0) throw fail(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
  if (fileAt !== entries.length - 1)
    throw fail(
      400,
      'InvalidArgument',
      'The file field must be the last field of the form (POST Object, 436/14690).',
    );
  const file = entries[fileAt][1];
  if (typeof file === 'string') throw fail(400, 'InvalidArgument', 'The file field must carry a file.');
  const fields = new Map<string, string>();
  for (const [k, v] of entries.slice(0, fileAt)) {
    if (typeof v === 'string') fields.set(k.toLowerCase(), v);
  }
  const field = (name: string) => fields.get(name.toLowerCase());
  const body = Buffer.from(await file.arrayBuffer());
  const keyField = field('key');
  if (!keyField) throw fail(400, 'InvalidArgument', 'The key field is required (POST Object, 436/14690).');
  const key = keyField.replace(/\$\{filename\}/g, file.name);
  if (!key) throw fail(400, 'InvalidArgument', 'The object key is empty.');

  let credentials: RgwCredentials | undefined;
  const signature = field('q-signature');
  if (signature !== undefined || field('policy') !== undefined) {
    const ak = field('q-ak');
    const keyTime = field('q-key-time');
    const policyB64 = field('policy');
    if (!policyB64 || !ak || !keyTime || !signature)
      throw fail(
        403,
        'AccessDenied',
        'A signed POST needs policy, q-sign-algorithm, q-ak, q-key-time and q-signature.',
      );
    if ((field('q-sign-algorithm') ?? '').toLowerCase() !== 'sha1')
      throw fail(400, 'InvalidArgument', 'q-sign-algorithm must be sha1.');
    const who = c.lookup(ak);
    if (!who)
      throw fail(403, 'InvalidAccessKeyId', 'The access key Id you provided does not exist in our records.');
    const policyText = Buffer.from(policyB64, 'base64').toString('utf8');
    const signKey = createHmac('sha1', who.secretKey).update(keyTime).digest('hex');
    const expected = createHmac('sha1', signKey)
      .update(createHash('sha1').update(policyText, 'utf8').digest('hex'))
      .digest('hex');
    const a = Buffer.from(expected);
    const b = Buffer.from(signature.toLowerCase());
    if (a.length !== b.length || !timingSafeEqual(a, b))
      throw fail(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    const now = Math.floor(Date.now() / 1000);
    const kt = /^(\d+);(\d+)$/.exec(keyTime);
    if (!kt) throw fail(403, 'AccessDenied', 'q-key-time must be <start>;<end> in Unix seconds.');
    if (now < Number(kt[1]) - 900 || now > Number(kt[2]))
      throw fail(403, 'AccessDenied', 'Request has expired');
    let policy: { expiration?: unknown; conditions?: unknown };
    try {
      policy = JSON.parse(policyText) as typeof policy;
    } catch {
      throw fail(400, 'InvalidPolicyDocument', 'Invalid Policy: the policy is not valid JSON.');
    }
    const exp = typeof policy.expiration === 'string' ? Date.parse(policy.expiration) : NaN;
    if (!Number.isFinite(exp))
      throw fail(400, 'InvalidPolicyDocument', 'Invalid Policy: expiration must be an ISO 8601 time.');
    if (Date.now() > exp) throw fail(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
    if (!Array.isArray(policy.conditions))
      throw fail(400, 'InvalidPolicyDocument', 'Invalid Policy: conditions must be an array.');
    const value = (name: string): string | undefined => {
      const n = name.replace(/^\$/, '').toLowerCase();
      if (n === 'bucket') return c.cosBucket;
      if (n === 'q-sign-time') return field('q-key-time');
      if (n === 'key') return key;
      return field(n);
    };
    const named = new Set<string>();
    const condFail = (what: string) =>
      fail(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${what}`);
    for (const cond of policy.conditions as unknown[]) {
      if (Array.isArray(cond)) {
        const [op, name, v, max] = cond as unknown[];
        const o = String(op).toLowerCase();
        if (o === 'content-length-range') {
          if (body.length < Number(name))
            throw fail(
              400,
              'EntityTooSmall',
              'Your proposed upload is smaller than the minimum allowed size.',
            );
          if (body.length > Number(v))
            throw fail(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.');
          continue;
        }
        if (
          (o !== 'eq' && o !== 'starts-with') ||
          typeof name !== 'string' ||
          typeof v !== 'string' ||
          max !== undefined
        )
          throw fail(
            400,
            'InvalidPolicyDocument',
            `Invalid Policy: unknown condition ${JSON.stringify(cond)}.`,
          );
        named.add(name.replace(/^\$/, '').toLowerCase());
        const got = value(name);
        if (got === undefined || (o === 'eq' ? got !== v : !got.startsWith(v)))
          throw condFail(JSON.stringify(cond));
      } else if (cond && typeof cond === 'object') {
        const pairs = Object.entries(cond as Record<string, unknown>);
        if (pairs.length !== 1 || typeof pairs[0][1] !== 'string')
          throw fail(
            400,
            'InvalidPolicyDocument',
            `Invalid Policy: unknown condition ${JSON.stringify(cond)}.`,
          );
        const [name, v] = pairs[0] as [string, string];
        named.add(name.replace(/^\$/, '').toLowerCase());
        if (value(name) !== v) throw condFail(JSON.stringify(cond));
      } else {
        throw fail(
          400,
          'InvalidPolicyDocument',
          `Invalid Policy: unknown condition ${JSON.stringify(cond)}.`,
        );
      }
    }
    for (const must of ['q-sign-algorithm', 'q-ak', 'q-sign-time'])
      if (!named.has(must))
        throw fail(
          403,
          'AccessDenied',
          `Invalid according to Policy: the policy must name ${must} (POST Object, 436/14690).`,
        );
    if (who.token !== undefined) {
      if (field('x-cos-security-token') !== who.token)
        throw fail(403, 'AccessDenied', 'Invalid security token');
      if (who.expiredTime !== undefined && now > who.expiredTime)
        throw fail(400, 'ExpiredToken', 'The provided token has expired.');
      if (who.allowed && !who.allowed.some((p) => actionMatches(p, 'name/cos:postobject') || p === '*'))
        throw fail(403, 'AccessDenied', 'Access Denied: the temporary key may not use name/cos:PostObject.');
    }
    credentials = who.rgw;
  }

  const headers: Record<string, string> = { 'content-length': String(body.length) };
  // COS takes the object's Content-Type from the form field, never from the file part.
  for (const h of ['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'expires'])
    if (field(h) !== undefined) headers[h] = field(h)!;
  for (const [k, v] of fields) if (k.startsWith('x-cos-meta-')) headers[`x-amz-meta-${k.slice(11)}`] = v;
  const acl = field('acl') ?? field('x-cos-acl');
  if (acl && acl !== 'default') headers['x-amz-acl'] = acl;
  const r = await c.rgw.send({ method: 'PUT', bucket: c.bucket, key, query: [], headers, body, credentials });
  const text = await r.body.text();
  if (r.statusCode >= 300) throw c.rgwError(r.statusCode, text);
  const etag = String(r.headers['etag'] ?? '');
  const crc = new Crc64();
  crc.update(body);
  const digest = crc.digestDecimal();
  c.store.putObject(c.bucket, key, { crc: digest, etag, size: body.length });
  const location = `http://${c.host}/${encodeKeyPath(key)}`;
  res.setHeader('etag', etag);
  res.setHeader('location', location);
  res.setHeader('x-cos-hash-crc64ecma', digest);
  const redirect = field('success_action_redirect');
  if (redirect) {
    const u = new URL(redirect);
    u.searchParams.set('bucket', c.cosBucket);
    u.searchParams.set('key', key);
    u.searchParams.set('etag', etag);
    res.statusCode = 303;
    res.setHeader('location', u.toString());
    return void res.end();
  }
  const status = Number(field('success_action_status') ?? 204);
  res.statusCode = [200, 201, 204].includes(status) ? status : 204;
  if (res.statusCode === 201) {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${xmlEscape(location)}</Location><Bucket>${xmlEscape(c.cosBucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></PostResponse>`;
    res.setHeader('content-type', 'application/xml');
    res.setHeader('content-length', Buffer.byteLength(xml));
    return void res.end(xml);
  }
  res.end();
}
