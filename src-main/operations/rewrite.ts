import { AppError } from '../../src-shared/errors';
import type { MetadataPatch } from '../../src-shared/contract';
import { getAcl, putAcl } from '../permissions/acl-ops';
import { copyObject, multipartCopy } from '../storage/ops/copy';
import { describingHeaders, headObjectDetail, metadataProblem, patchHeaders } from '../storage/ops/objects';
import type { CopyTuning, Side } from './copy';

/**
 * Changes an object's headers or storage class by copying it onto itself with the REPLACE
 * directive (COS `Replaced`): every header the user did not change is sent again as it was
 * (Content-Type, Cache-Control, Content-Disposition, Content-Encoding, user metadata, the
 * storage class), the body is untouched, and an ACL with grants beyond the owner's is put
 * back afterwards (a copy gives the object the default ACL).
 */
export async function rewriteObject(
  side: Side,
  key: string,
  change: { patch: MetadataPatch } | { storageClass: string },
  tuning: CopyTuning,
  signal: AbortSignal,
): Promise<void> {
  const { client, loc } = side;
  const prefix = client.dialect.headerPrefix;
  const head = await headObjectDetail(client, loc, key);
  let headers = describingHeaders(head.headers, prefix);
  let storageClass = head.headers[`${prefix}storage-class`] || undefined;
  if ('patch' in change) {
    headers = patchHeaders(headers, change.patch, prefix);
    const meta: Record<string, string> = {};
    for (const [n, v] of Object.entries(headers)) {
      if (n.startsWith(`${prefix}meta-`)) meta[n.slice(prefix.length + 5)] = v;
    }
    const problem = metadataProblem(meta);
    if (problem) throw new AppError('VALIDATION', problem);
  } else {
    storageClass = change.storageClass;
  }
  const acl = await getAcl(client, loc, key).catch(() => undefined);
  if (head.props.size > tuning.multipartThreshold) {
    await multipartCopy(client, loc, key, head.props.size, loc, key, {
      headers: storageClass ? { ...headers, [`${prefix}storage-class`]: storageClass } : headers,
      partSize: tuning.partSize,
      signal,
    });
  } else {
    await copyObject(client, loc, key, loc, key, { replace: headers, storageClass });
  }
  if (acl && acl.grants.some((g) => !(g.grantee.type === 'user' && g.grantee.id === acl.owner.id))) {
    await putAcl(client, loc, key, { grants: acl.grants });
  }
}
