import {
  GROUP_URIS,
  PERMISSIONS,
  groupOfUri,
  type Acl,
  type Grant,
  type PermDialect,
  type Permission,
} from '../../src-shared/permissions/model';
import type { StorageClient } from '../storage/client';
import { malformedResponseError } from '../storage/errors';
import { escapeXml, list, text, child } from '../storage/xml';
import { bodyHeaders } from '../storage/ops/body';
import type { BucketLoc } from '../storage/ops/types';

/** `GET ?acl` of the bucket, or of an object when `key` is given. */
export async function getAcl(client: StorageClient, loc: BucketLoc, key?: string): Promise<Acl> {
  const { doc, headers } = await client.requestXml({
    method: 'GET',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: { acl: '' },
  });
  const root = doc['AccessControlPolicy'];
  if (root === undefined) {
    throw malformedResponseError(
      { bucket: loc.bucket, key },
      200,
      headers['x-cos-request-id'] ?? headers['x-amz-request-id'],
    );
  }
  const owner = child(root, 'Owner');
  const grants: Grant[] = [];
  for (const g of list(child(root, 'AccessControlList'), 'Grant')) {
    const permission = text(g, 'Permission') as Permission | undefined;
    if (!permission || !PERMISSIONS.includes(permission)) continue;
    const who = child(g, 'Grantee');
    const uri = text(who, 'URI');
    if (uri !== undefined) {
      const group = groupOfUri(uri);
      // Groups other than all/authenticated (e.g. S3 LogDelivery) grant nothing a user can hold.
      if (group) grants.push({ grantee: { type: 'group', group }, permission });
      continue;
    }
    const id = text(who, 'ID');
    if (!id) continue;
    const displayName = text(who, 'DisplayName') || undefined;
    grants.push({
      grantee: displayName ? { type: 'user', id, displayName } : { type: 'user', id },
      permission,
    });
  }
  const displayName = text(owner, 'DisplayName') || undefined;
  return {
    owner: displayName ? { id: text(owner, 'ID') ?? '', displayName } : { id: text(owner, 'ID') ?? '' },
    grants,
  };
}

export interface AclChange {
  canned?: string;
  /** The whole grant list (owner included): a PUT replaces the ACL. */
  grants?: Grant[];
}

/** `PUT ?acl`: grants go in the XML body (with the current owner), a canned ACL in the header. */
export async function putAcl(
  client: StorageClient,
  loc: BucketLoc,
  key: string | undefined,
  change: AclChange,
): Promise<void> {
  const dialect = client.dialect.kind;
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (change.grants !== undefined) {
    const owner = (await getAcl(client, loc, key)).owner;
    body = aclXml(dialect, owner, change.grants);
    Object.assign(headers, bodyHeaders(body));
  } else if (change.canned !== undefined) {
    headers[`${client.dialect.headerPrefix}acl`] = change.canned;
  }
  const res = await client.request({
    method: 'PUT',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: { acl: '' },
    headers,
    body: body ?? '',
  });
  await res.body.dump();
}

export function aclXml(dialect: PermDialect, owner: Acl['owner'], grants: readonly Grant[]): string {
  const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
  const grantXml = grants
    .map((g) => {
      const who =
        g.grantee.type === 'group'
          ? `<Grantee ${xsi} xsi:type="Group"><URI>${GROUP_URIS[dialect][g.grantee.group]}</URI></Grantee>`
          : `<Grantee ${xsi} xsi:type="CanonicalUser"><ID>${escapeXml(g.grantee.id)}</ID></Grantee>`;
      return `<Grant>${who}<Permission>${g.permission}</Permission></Grant>`;
    })
    .join('');
  return (
    '<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Owner><ID>${escapeXml(owner.id)}</ID></Owner>` +
    `<AccessControlList>${grantXml}</AccessControlList></AccessControlPolicy>`
  );
}
