import { createHash, createHmac } from 'node:crypto';
import { StorageError, storageErrorFromNetwork } from '../storage/errors';
import { oneShotDispatcher } from '../storage/http';

export const DEFAULT_STS_ENDPOINT = 'https://sts.tencentcloudapi.com';

export interface TempCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, msg: string) => createHmac('sha256', key).update(msg, 'utf8').digest();

/** Tencent Cloud API 3.0 signature (TC3-HMAC-SHA256) over a JSON POST to `/`. */
export function tc3Authorization(p: {
  secretId: string;
  secretKey: string;
  service: string;
  host: string;
  contentType: string;
  body: string;
  timestamp: number;
}): string {
  const date = new Date(p.timestamp * 1000).toISOString().slice(0, 10);
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${p.contentType}\nhost:${p.host}\n`,
    'content-type;host',
    sha256(p.body),
  ].join('\n');
  const scope = `${date}/${p.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(p.timestamp), scope, sha256(canonicalRequest)].join('\n');
  const kSigning = hmac(hmac(hmac(`TC3${p.secretKey}`, date), p.service), 'tc3_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return `TC3-HMAC-SHA256 Credential=${p.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`;
}

function stsError(code: string, message: string): StorageError {
  return new StorageError(
    'STORAGE',
    { storageCode: code, serverMessage: message },
    {},
    {
      en: `The STS service refused to mint temporary keys (${code}): ${message}`,
      zh: `STS 服务拒绝签发临时密钥（${code}）：${message}`,
    },
  );
}

/** COS STS GetFederationToken (API 3.0, version 2018-08-13). The policy goes URL-encoded, as the API asks. */
export async function getFederationToken(p: {
  endpoint: string;
  secretId: string;
  secretKey: string;
  region: string;
  name: string;
  policy: string;
  durationSeconds: number;
  nowMs?: number;
}): Promise<TempCredentials> {
  const url = new URL(p.endpoint);
  const contentType = 'application/json; charset=utf-8';
  const body = JSON.stringify({
    Name: p.name,
    Policy: encodeURIComponent(p.policy),
    DurationSeconds: p.durationSeconds,
  });
  const timestamp = Math.floor((p.nowMs ?? Date.now()) / 1000);
  let res;
  const { request } = await import('undici'); // rare: not loaded at start-up
  // Through the proxy setting, like every request of main.
  const dispatcher = await oneShotDispatcher(url.origin, {});
  try {
    res = await request(new URL('/', url), {
      dispatcher,
      method: 'POST',
      headers: {
        host: url.host,
        'content-type': contentType,
        'x-tc-action': 'GetFederationToken',
        'x-tc-version': '2018-08-13',
        'x-tc-timestamp': String(timestamp),
        'x-tc-region': p.region,
        authorization: tc3Authorization({
          secretId: p.secretId,
          secretKey: p.secretKey,
          service: 'sts',
          host: url.host,
          contentType,
          body,
          timestamp,
        }),
      },
      body,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  } catch (e) {
    void dispatcher.close().catch(() => undefined);
    throw storageErrorFromNetwork(e, { host: url.host });
  }
  const text = await res.body.text().finally(() => void dispatcher.close().catch(() => undefined));
  let json: { Response?: Record<string, unknown> };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw stsError(`HTTP${res.statusCode}`, 'the STS endpoint did not answer with JSON');
  }
  const r = json.Response ?? {};
  const err = r.Error as { Code?: string; Message?: string } | undefined;
  if (err) throw stsError(err.Code ?? 'Error', err.Message ?? '');
  const c = r.Credentials as { TmpSecretId?: string; TmpSecretKey?: string; Token?: string } | undefined;
  if (!c?.TmpSecretId || !c.TmpSecretKey || !c.Token) throw stsError('MalformedResponse', 'no Credentials');
  const expired = Number(r.ExpiredTime);
  return {
    accessKeyId: c.TmpSecretId,
    secretAccessKey: c.TmpSecretKey,
    sessionToken: c.Token,
    expiresAt: Number.isFinite(expired)
      ? new Date(expired * 1000).toISOString()
      : new Date(String(r.Expiration)).toISOString(),
  };
}
