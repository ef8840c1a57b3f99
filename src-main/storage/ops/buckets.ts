import type { BucketSummary } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import type { ResolvedAccount } from '../../accounts/types';
import type { StorageClient } from '../client';
import { StorageError } from '../errors';
import { checkCosBucketName, checkS3BucketName, withAppIdIfMissing } from './bucket-names';
import type { BucketLoc, OpOptions } from './types';

/** The region a bucket is addressed in: its own, else the account's. */
function regionOf(account: ResolvedAccount, loc: BucketLoc): string {
  return loc.region ?? account.region;
}

export async function createBucket(
  client: StorageClient,
  account: ResolvedAccount,
  loc: BucketLoc,
  opts: OpOptions = {},
): Promise<{ bucket: string; region?: string }> {
  const region = regionOf(account, loc);
  const check =
    account.kind === 'cos'
      ? checkCosBucketName(loc.bucket, { appId: account.appId, region })
      : checkS3BucketName(loc.bucket);
  if (!check.ok) throw new AppError('VALIDATION', check.en, { messageZh: check.zh, field: 'bucket' });
  // AWS wants a LocationConstraint outside us-east-1; COS takes the region from the host.
  const body =
    account.kind === 's3' && region !== 'us-east-1'
      ? `<CreateBucketConfiguration><LocationConstraint>${region}</LocationConstraint></CreateBucketConfiguration>`
      : undefined;
  const res = await client.request({
    method: 'PUT',
    bucket: check.name,
    region: loc.region,
    body,
    signal: opts.signal,
  });
  await res.body.dump();
  return { bucket: check.name, region };
}

export async function deleteBucket(
  client: StorageClient,
  loc: BucketLoc,
  opts: OpOptions = {},
): Promise<void> {
  try {
    const res = await client.request({
      method: 'DELETE',
      bucket: loc.bucket,
      region: loc.region,
      signal: opts.signal,
    });
    await res.body.dump();
  } catch (e) {
    if (e instanceof StorageError && e.storageCode === 'BucketNotEmpty') {
      throw e.restate({
        en: `The bucket "${loc.bucket}" is not empty: delete its objects (and unfinished uploads) first, then delete the bucket.`,
        zh: `存储桶“${loc.bucket}”不为空：请先删除其中的对象（以及未完成的分块上传），再删除存储桶。`,
      });
    }
    throw e;
  }
}

/** HEAD a bucket by name, for keys that may use a bucket but not list buckets. */
export async function openBucket(
  client: StorageClient,
  account: ResolvedAccount,
  loc: BucketLoc,
  opts: OpOptions = {},
): Promise<BucketSummary> {
  const bucket = account.kind === 'cos' ? withAppIdIfMissing(loc.bucket, account.appId) : loc.bucket;
  try {
    const res = await client.request({ method: 'HEAD', bucket, region: loc.region, signal: opts.signal });
    await res.body.dump();
    const region = res.headers[`${client.dialect.headerPrefix}bucket-region`] || regionOf(account, loc);
    return { name: bucket, region };
  } catch (e) {
    if (!(e instanceof StorageError)) throw e;
    if (e.status === 404) {
      throw e.restate({
        en: `There is no bucket named "${bucket}"${account.kind === 'cos' ? ` in region ${regionOf(account, loc)}` : ''}. Check the name${account.kind === 'cos' ? ' (it ends in -APPID) and the region' : ''}.`,
        zh: `不存在名为“${bucket}”的存储桶${account.kind === 'cos' ? `（地域 ${regionOf(account, loc)}）` : ''}。请检查名称${account.kind === 'cos' ? '（以 -APPID 结尾）和地域' : ''}。`,
      });
    }
    if (e.status === 403) {
      throw e.restate({
        en: `This key has no permission to open the bucket "${bucket}": it belongs to another account, or the owner has not granted this key access. Ask the bucket's owner for access.`,
        zh: `此密钥没有打开存储桶“${bucket}”的权限：它属于其他账号，或所有者未授予此密钥访问权限。请向存储桶所有者申请权限。`,
      });
    }
    throw e;
  }
}
