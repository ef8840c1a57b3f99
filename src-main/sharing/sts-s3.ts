import { lookup as dnsLookup } from 'node:dns';
import { localhostAwareLookup } from '../storage/endpoints';
import { oneShotDispatcher } from '../storage/http';
import { StorageError, storageErrorFromNetwork } from '../storage/errors';
import { child, parseXml, text } from '../storage/xml';
import { NodeSha256 } from './node-sha256';
import type { TempCredentials } from './sts-cos';

function stsError(code: string, message: string): StorageError {
  return new StorageError(
    'STORAGE',
    { storageCode: code, serverMessage: message },
    {},
    {
      en: `The STS service refused to mint temporary keys (${code})${message ? `: ${message}` : ''}`,
      zh: `STS 服务拒绝签发临时密钥（${code}）${message ? `：${message}` : ''}`,
    },
  );
}

/** AWS STS (RGW answers it at the S3 endpoint): AssumeRole with a session policy, or GetSessionToken. */
export async function s3Sts(p: {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  action: 'AssumeRole' | 'GetSessionToken';
  roleArn?: string;
  policy?: string;
  durationSeconds: number;
}): Promise<TempCredentials> {
  const base = new URL(p.endpoint);
  const form = new URLSearchParams({
    Action: p.action,
    Version: '2011-06-15',
    DurationSeconds: String(p.durationSeconds),
  });
  if (p.action === 'AssumeRole') {
    form.set('RoleArn', p.roleArn ?? '');
    form.set('RoleSessionName', `cosdesk-${Date.now().toString(36)}`);
    if (p.policy) form.set('Policy', p.policy);
  }
  const body = form.toString();
  // Loaded here, not at start-up: minting keys is rare and these cost ~100 ms to load.
  const [{ HttpRequest }, { SignatureV4 }, { request }] = await Promise.all([
    import('@smithy/protocol-http'),
    import('@smithy/signature-v4'),
    import('undici'),
  ]);
  const signer = new SignatureV4({
    service: 'sts',
    region: p.region,
    credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey },
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port === '' ? undefined : Number(base.port),
      path: '/',
      headers: { host: base.host, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    }),
  );
  const agent = await oneShotDispatcher(base.origin, {
    connect: { lookup: localhostAwareLookup(dnsLookup as never) as never },
  });
  try {
    const res = await request(new URL('/', base), {
      method: 'POST',
      headers: signed.headers,
      body,
      dispatcher: agent,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const xml = await res.body.text();
    let doc;
    try {
      doc = parseXml(xml);
    } catch {
      throw stsError(`HTTP${res.statusCode}`, 'the STS endpoint did not answer with XML');
    }
    const err = child(doc['ErrorResponse'], 'Error') ?? doc['Error'];
    if (res.statusCode >= 300 || err)
      throw stsError(text(err, 'Code') || `HTTP${res.statusCode}`, text(err, 'Message') ?? '');
    const result = child(doc[`${p.action}Response`], `${p.action}Result`);
    const c = child(result, 'Credentials');
    const id = text(c, 'AccessKeyId');
    const key = text(c, 'SecretAccessKey');
    const token = text(c, 'SessionToken');
    if (!id || !key || !token) throw stsError('MalformedResponse', 'no Credentials');
    return {
      accessKeyId: id,
      secretAccessKey: key,
      sessionToken: token,
      expiresAt: new Date(text(c, 'Expiration') ?? Date.now() + p.durationSeconds * 1000).toISOString(),
    };
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw storageErrorFromNetwork(e, { host: base.host });
  } finally {
    await agent.close().catch(() => undefined);
  }
}
