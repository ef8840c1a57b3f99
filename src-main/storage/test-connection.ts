import type { ConnectionTestResult } from '../../src-shared/contract';
import type { ResolvedAccount } from '../accounts/types';
import { StorageClient } from './client';
import { getProcessNetwork } from './http';
import { describeStorageError, StorageError } from './errors';

export interface TestConnectionOptions {
  /** Per-attempt connect and response timeout. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Lists buckets with the account's keys and reports what happened in words a person can act on.
 * Never rejects for storage or network failures: those come back as `ok: false`.
 */
export async function testConnection(
  account: ResolvedAccount,
  opts: TestConnectionOptions = {},
): Promise<ConnectionTestResult> {
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);

  if (account.tokenExpiresAt && Date.parse(account.tokenExpiresAt) <= Date.now()) {
    return {
      ok: false,
      code: 'ExpiredToken',
      message: describeStorageError('ExpiredToken', 'en'),
      latencyMs: 0,
    };
  }

  let client: StorageClient | undefined;
  try {
    // One retry at most: a person is waiting for the answer.
    client = new StorageClient(account, {
      network: getProcessNetwork(),
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxAttempts: 2,
    });
    const buckets = await client.listBuckets();
    const n = buckets.length;
    return {
      ok: true,
      message: `Connected. The key can see ${n} bucket${n === 1 ? '' : 's'}.`,
      latencyMs: latencyMs(),
      bucketCount: n,
    };
  } catch (e) {
    if (e instanceof StorageError) {
      return { ok: false, code: e.storageCode, message: explain(e, account.kind), latencyMs: latencyMs() };
    }
    return {
      ok: false,
      code: 'INTERNAL',
      message: 'The connection test failed unexpectedly. Try again; if it keeps happening, report it.',
      latencyMs: latencyMs(),
    };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/**
 * Any valid key may list its own buckets, so a 403 AccessDenied on ListBuckets almost always
 * means the credentials are wrong: Ceph RGW says AccessDenied where AWS and COS say
 * SignatureDoesNotMatch or InvalidAccessKeyId. A COS sub-account without list permission is
 * the exception, and is named.
 */
export function listBucketsDenied(e: StorageError, kind: 'cos' | 's3'): StorageError | undefined {
  if (
    e.storageCode !== 'AccessDenied' ||
    e.status !== 403 ||
    /request has expired/i.test(e.details.serverMessage ?? '')
  ) {
    return undefined;
  }
  return kind === 'cos'
    ? e.restate({
        en: 'The server rejected the credentials: the secret key is wrong (or the key id is unknown, or this key may not list buckets). Check the secret key and try again; a key limited to some buckets can still open one by name.',
        zh: '服务器拒绝了凭证：SecretKey 不正确（或 SecretId 不存在，或此密钥无权列出存储桶）。请检查 SecretKey 后重试；只能访问部分存储桶的密钥仍可按名称打开存储桶。',
      })
    : e.restate({
        en: 'The server rejected the credentials: the secret key is wrong (or the key id is unknown). Check the secret key and try again.',
        zh: '服务器拒绝了凭证：密钥不正确（或密钥 ID 不存在）。请检查密钥后重试。',
      });
}

export function explain(e: StorageError, kind: 'cos' | 's3'): string {
  return (listBucketsDenied(e, kind) ?? e).message;
}
