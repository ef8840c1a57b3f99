import { actionsOf, type ActionGroup } from './actions';
import { cosPrefixValue } from './form';
import type { PermDialect } from './model';
import { resourceOf, type Json, type ResourceContext } from './policy';

/**
 * A CAM (COS) or IAM (S3) user policy granting `groups` on a bucket or a prefix: the document
 * is attached to the sub-account in the cloud console, not to the bucket, so it names no principal.
 */
export function userPolicy(
  dialect: PermDialect,
  ctx: ResourceContext,
  groups: readonly ActionGroup[],
  prefix = '',
): Json {
  const objectActions = groups.filter((g) => g !== 'list').flatMap((g) => actionsOf(dialect, g));
  const objects = resourceOf(dialect, ctx, `${prefix}*`);
  const bucket = resourceOf(dialect, ctx, '');
  if (dialect === 'cos') {
    const statement: Json[] = [];
    if (objectActions.length) statement.push({ effect: 'allow', action: objectActions, resource: [objects] });
    if (groups.includes('list')) {
      // COS checks GetBucket against the bucket resource; a prefix is limited by a condition,
      // its value URL-encoded (`team%2F*`: condition keys, 436/46206 › cos:prefix).
      const st: Json = {
        effect: 'allow',
        action: actionsOf('cos', 'list'),
        resource: [resourceOf(dialect, ctx, '*')],
      };
      if (prefix) st.condition = { string_like: { 'cos:prefix': [cosPrefixValue(`${prefix}*`)] } };
      statement.push(st);
    }
    return { version: '2.0', statement };
  }
  const Statement: Json[] = [];
  if (objectActions.length) Statement.push({ Effect: 'Allow', Action: objectActions, Resource: [objects] });
  if (groups.includes('list')) {
    const st: Json = { Effect: 'Allow', Action: actionsOf('s3', 'list'), Resource: [bucket] };
    if (prefix) st.Condition = { StringLike: { 's3:prefix': [`${prefix}*`] } };
    Statement.push(st);
  }
  return { Version: '2012-10-17', Statement };
}
