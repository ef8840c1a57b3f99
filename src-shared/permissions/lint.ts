import { groupOfAction } from './actions';
import type { PermDialect } from './model';
import { resourceTail, type PolicyStatement } from './policy';

/** Something a valid policy says that is probably not what its author meant. */
export interface PolicyWarning {
  /** `statement 2`. */
  at: string;
  en: string;
  zh: string;
}

/**
 * The surprises a hand-written policy can hold, for the JSON editor and `policy set`:
 * a resource ending in `/` (names only the folder marker object, grants nothing under it), and
 * listing put on an object resource (ListBucket / GetBucket is checked against the bucket).
 */
export function policyWarnings(
  dialect: PermDialect,
  bucket: string,
  statements: readonly PolicyStatement[],
): PolicyWarning[] {
  const out: PolicyWarning[] = [];
  statements.forEach((s, i) => {
    const at = `statement ${i + 1}`;
    for (const r of s.resources) {
      const tail = resourceTail(r);
      if (tail.endsWith('/') && tail.startsWith(`${bucket}/`))
        out.push({
          at,
          en: `"${r}" names only the folder marker object ${tail.slice(bucket.length + 1)}, nothing under it: write ${r}* for everything under the prefix.`,
          zh: `“${r}”仅指文件夹标记对象 ${tail.slice(bucket.length + 1)}，不包括其下的内容：要包含前缀下的所有内容，请写作 ${r}*。`,
        });
    }
    const lists = s.actions.some((a) => groupOfAction(dialect, a) === 'list');
    const objectOnly = (r: string) => {
      const tail = resourceTail(r);
      if (tail === '*' || tail === bucket) return false;
      if (dialect === 'cos' && tail === `${bucket}/*`) return false;
      return tail.startsWith(`${bucket}/`);
    };
    if (lists && s.resources.length > 0 && s.resources.every(objectOnly))
      out.push({
        at,
        en:
          dialect === 's3'
            ? `Listing (s3:ListBucket) is checked against the bucket (arn:aws:s3:::${bucket}), not objects: this statement never lets anyone list. Limit it to a prefix with the condition StringLike s3:prefix.`
            : `Listing (name/cos:GetBucket) is checked against the bucket (…:${bucket}/*), not objects: this statement never lets anyone list. Limit it to a prefix with the condition string_like cos:prefix (URL-encoded, e.g. 2025%2F*).`,
        zh:
          dialect === 's3'
            ? `列出（s3:ListBucket）针对存储桶（arn:aws:s3:::${bucket}）而非对象检查：此语句不会允许任何人列出。请用条件 StringLike s3:prefix 限定前缀。`
            : `列出（name/cos:GetBucket）针对存储桶（…:${bucket}/*）而非对象检查：此语句不会允许任何人列出。请用条件 string_like cos:prefix 限定前缀（需 URL 编码，如 2025%2F*）。`,
      });
  });
  return out;
}
