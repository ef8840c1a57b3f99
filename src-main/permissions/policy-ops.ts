import type { StorageClient } from '../storage/client';
import { StorageError } from '../storage/errors';
import { bodyHeaders } from '../storage/ops/body';
import type { BucketLoc } from '../storage/ops/types';

const NO_POLICY = new Set(['NoSuchPolicy', 'NoSuchBucketPolicy']);

/** The bucket policy as the server sends it; null when the bucket has none. */
export async function getPolicyText(client: StorageClient, loc: BucketLoc): Promise<string | null> {
  try {
    const res = await client.requestText({
      method: 'GET',
      bucket: loc.bucket,
      region: loc.region,
      query: { policy: '' },
    });
    return res.text.trim() === '' ? null : res.text;
  } catch (e) {
    if (e instanceof StorageError && NO_POLICY.has(e.storageCode)) return null;
    throw e;
  }
}

/** Replaces the whole policy document. */
export async function putPolicyText(client: StorageClient, loc: BucketLoc, json: string): Promise<void> {
  const res = await client.request({
    method: 'PUT',
    bucket: loc.bucket,
    region: loc.region,
    query: { policy: '' },
    headers: bodyHeaders(json, 'application/json'),
    body: json,
  });
  await res.body.dump();
}

export async function deletePolicy(client: StorageClient, loc: BucketLoc): Promise<void> {
  try {
    const res = await client.request({
      method: 'DELETE',
      bucket: loc.bucket,
      region: loc.region,
      query: { policy: '' },
    });
    await res.body.dump();
  } catch (e) {
    if (e instanceof StorageError && NO_POLICY.has(e.storageCode)) return;
    throw e;
  }
}
