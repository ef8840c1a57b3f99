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
 * AccessDenied on ListBuckets. COS answers wrong credentials with SignatureDoesNotMatch or
 * InvalidAccessKeyId (API doc 436/7730), so there it means what it says: this key may not list
 * buckets (a sub-account without GetService). Ceph RGW answers a wrong secret or an unknown key
 * id with AccessDenied too, so for S3 both causes are named, the likelier first.
 */
export function listBucketsDenied(
  e: StorageError,
  kind: 'cos' | 's3',
  temporary = false,
): StorageError | undefined {
  if (
    e.storageCode !== 'AccessDenied' ||
    e.status !== 403 ||
    e.kind !== 'denied' ||
    /request has expired/i.test(e.details.serverMessage ?? '')
  ) {
    return undefined;
  }
  // A temporary key (minted for a bucket or a folder) is signed right and simply may not list
  // buckets: the key is not wrong, and its bucket opens by name.
  if (temporary)
    return e.restate(
      {
        en: 'This temporary key may not list buckets: it is limited to some buckets or folders. Open its bucket by name (and go to its folder).',
        zh: '此临时密钥无权列出存储桶：它只能访问部分存储桶或目录。请按名称打开其存储桶（并进入对应目录）。',
      },
      'listDenied',
    );
  return kind === 'cos'
    ? e.restate(
        {
          en: 'This key may not list buckets (AccessDenied on ListBuckets). Open a bucket by name, or ask the owner to allow ListBuckets (cos:GetService) for this key.',
          zh: '此密钥无权列出存储桶（ListBuckets 被拒绝）。请按名称打开存储桶，或请所有者为此密钥授予 ListBuckets（cos:GetService）权限。',
        },
        'listDenied',
      )
    : e.restate(
        {
          en: 'The server refused to list buckets with this key (AccessDenied). Either the secret key is wrong or the key id is unknown (Ceph RGW answers wrong credentials this way): check them; or this key may not list buckets: open a bucket by name, or ask for ListBuckets (s3:ListAllMyBuckets).',
          zh: '服务器拒绝用此密钥列出存储桶（AccessDenied）。可能是密钥 ID 或密钥不正确（Ceph RGW 对错误凭证也如此回答），请检查；也可能此密钥无权列出存储桶：请按名称打开存储桶，或申请 ListBuckets（s3:ListAllMyBuckets）权限。',
        },
        'listDenied',
      );
}

/**
 * AccessDenied on a bucket of an S3 server: a wrong secret (RGW) or a real refusal. Any key
 * that works may list its own buckets on RGW, so `listed` (the outcome of a ListBuckets with
 * the same key) tells the two apart.
 */
export function bucketDenied(
  e: StorageError,
  listed: 'ok' | 'denied' | 'unknown',
  bucket: string,
  temporary = false,
): StorageError {
  if (e.storageCode !== 'AccessDenied' || e.kind !== 'denied') return e;
  // A temporary key (minted for some buckets or folders) may not list buckets at all: a refusal
  // of both says nothing about its secret, which STS made and signed right.
  if (listed === 'denied' && temporary) {
    return e.restate({
      en: `Access denied "${bucket}": this temporary key is not allowed to do that here (it is limited to some buckets or folders). Open the folder it was made for, or ask whoever gave it for access.`,
      zh: `访问被拒绝"${bucket}"：此临时密钥在这里没有该权限（它只能访问部分存储桶或目录）。请打开它对应的目录，或向提供密钥的人申请权限。`,
    });
  }
  if (listed === 'denied') {
    return e.restate(
      {
        en: `The server refused this key for the bucket "${bucket}" and for listing buckets too (AccessDenied): the secret key is wrong, or the key id is unknown (Ceph RGW answers both so). Check them in the account; if they are right, ask the owner for permission.`,
        zh: `服务器拒绝此密钥访问存储桶"${bucket}"，也拒绝其列出存储桶（AccessDenied）：很可能是密钥 ID 或密钥不正确。请在账号中检查；如果无误，请向所有者申请权限。`,
      },
      'credentials',
    );
  }
  // An error that already says what was refused (opening a bucket) keeps its words: the flag
  // on the error says so, not its wording.
  if (listed === 'ok' && e.details.specific) {
    const lower = (m: string) => m.charAt(0).toLowerCase() + m.slice(1);
    return e.restate({
      en: `Access denied "${bucket}": the key is valid, but ${lower(e.message)}`,
      zh: `访问被拒绝"${bucket}"：密钥有效，但${e.details.messageZh}`,
    });
  }
  if (listed === 'ok') {
    return e.restate({
      en: `Access denied "${bucket}": the key is valid, but the bucket's policy or ACL does not allow it to do that. Ask the bucket's owner for permission, or use a key that has it.`,
      zh: `访问被拒绝"${bucket}"：密钥有效，但存储桶的策略或 ACL 不允许此操作。请向存储桶所有者申请权限，或改用有权限的密钥。`,
    });
  }
  return e;
}

export function explain(e: StorageError, kind: 'cos' | 's3'): string {
  return (listBucketsDenied(e, kind) ?? e).message;
}
