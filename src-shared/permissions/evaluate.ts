import { OPERATION_ACTION, actionCovers, glob } from './actions';
import { sameUser, type Acl, type Grant, type PermDialect, type Permission } from './model';
import { cosPrefixValue } from './form';
import { principalCovers, principalUserId, resourceTail, type PolicyStatement } from './policy';

export const OPERATIONS = ['read', 'write', 'list'] as const;
export type Operation = (typeof OPERATIONS)[number];

export type Subject =
  { kind: 'anyone' } | { kind: 'authenticated' } | { kind: 'user'; id: string; owner: boolean };

/** What decided an answer: the owner rule, a policy statement, or an ACL grant. */
export type Rule =
  | { source: 'owner' }
  | { source: 'policy'; effect: 'allow' | 'deny'; index: number; sid?: string }
  | AclRule
  | { source: 'none' };

export interface AclRule {
  source: 'bucket-acl' | 'object-acl';
  permission: Permission;
  grantee: string;
  inherited?: boolean;
}

export interface Decision {
  decision: 'allow' | 'deny' | 'none';
  rule: Rule;
}

export interface AccessRow {
  subject: Subject;
  decisions: Record<Operation, Decision>;
}

export interface AccessInput {
  dialect: PermDialect;
  bucket: string;
  /** An object key, or a folder prefix ending in '/' ('' for the whole bucket). */
  key: string;
  bucketAcl: Acl;
  /** The object's ACL; absent for a folder (each object has its own). */
  objectAcl?: Acl;
  statements: readonly PolicyStatement[];
  /**
   * COS objects with the default ACL inherit the bucket's; COS reports such an ACL as the owner
   * alone, so an owner-only object ACL is read as "inherits" (the cautious answer).
   */
  objectAclInheritsBucket?: boolean;
  /** More user ids to answer for (the second account a user wants to check). */
  users?: readonly string[];
}

export interface AccessReport {
  rows: AccessRow[];
  /** Statements with conditions cannot be decided offline: they are listed, not applied. */
  conditional: { index: number; sid?: string }[];
  /** For a folder: object ACLs may still grant more on single objects. */
  perObjectAcls: boolean;
}

const READS: readonly Permission[] = ['READ', 'FULL_CONTROL'];
const WRITES: readonly Permission[] = ['WRITE', 'FULL_CONTROL'];

/**
 * Who may read, write and list, and which rule says so. Order as the servers apply it: an
 * explicit deny in the policy beats everything (RGW denies even the owner); then the owner;
 * then a policy allow; then an ACL grant.
 */
export function whoCanAccess(input: AccessInput): AccessReport {
  const folder = input.key === '' || input.key.endsWith('/');
  // A condition on the listing prefix alone is decided here (the prefix of the listing is known);
  // any other condition cannot be decided offline: listed, not applied.
  const decidable = (s: PolicyStatement) =>
    s.condition === undefined ||
    Object.keys(s.condition).length === 0 ||
    prefixTest(input.dialect, s.condition) !== undefined;
  const applicable = input.statements.map((s, index) => ({ s, index })).filter(({ s }) => decidable(s));
  const conditional = input.statements
    .map((s, index) => ({ index, sid: s.sid, s }))
    .filter((x) => !decidable(x.s))
    .map(({ index, sid }) => (sid === undefined ? { index } : { index, sid }));

  const rows = subjectsOf(input).map((subject) => ({
    subject,
    decisions: Object.fromEntries(
      OPERATIONS.map((op) => [op, decide(input, subject, op, applicable, folder)]),
    ) as Record<Operation, Decision>,
  }));
  return { rows, conditional, perObjectAcls: folder };
}

/** The prefix "list" is answered for: the folder itself, or the folder an object is in. */
export function listingPrefix(key: string): string {
  if (key === '' || key.endsWith('/')) return key;
  const i = key.lastIndexOf('/');
  return i < 0 ? '' : key.slice(0, i + 1);
}

/**
 * A condition that tests only the listing prefix (`s3:prefix` StringLike/StringEquals; COS
 * `cos:prefix` string_like/string_equal, compared with the URL-encoded prefix as COS does,
 * 436/46206): a test of a prefix; undefined for any other condition. A request without a
 * prefix parameter (GET, PUT) never meets it.
 */
function prefixTest(
  dialect: PermDialect,
  condition: Record<string, unknown>,
): ((prefix: string | undefined) => boolean) | undefined {
  const ops = Object.entries(condition);
  if (ops.length !== 1) return undefined;
  const [op, body] = ops[0];
  const m = /^(?:string_?like|string_?equals?)$/i.exec(op);
  if (!m || typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const keys = Object.entries(body as Record<string, unknown>);
  const want = dialect === 's3' ? 's3:prefix' : 'cos:prefix';
  if (keys.length !== 1 || keys[0][0].toLowerCase() !== want) return undefined;
  const raw = keys[0][1];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  const like = /like/i.test(op);
  return (prefix) => {
    if (prefix === undefined) return false;
    const actual = dialect === 'cos' ? cosPrefixValue(prefix) : prefix;
    return values.some((v) => (like ? glob(v, actual) : v === actual));
  };
}

function decide(
  input: AccessInput,
  subject: Subject,
  op: Operation,
  statements: readonly { s: PolicyStatement; index: number }[],
  folder: boolean,
): Decision {
  const prefix = op === 'list' ? listingPrefix(input.key) : undefined;
  const matching = statements.filter(
    ({ s }) =>
      s.principals.some((p) => principalMatches(input.dialect, p, subject)) &&
      s.actions.some((a) => actionCovers(a, OPERATION_ACTION[input.dialect][op])) &&
      s.resources.some((r) => resourceMatches(input, r, op, folder)) &&
      (s.condition === undefined ||
        Object.keys(s.condition).length === 0 ||
        (prefixTest(input.dialect, s.condition)?.(prefix) ?? false)),
  );
  const deny = matching.find(({ s }) => s.effect === 'deny');
  if (deny) return { decision: 'deny', rule: policyRule(deny, 'deny') };
  if (subject.kind === 'user' && subject.owner) return { decision: 'allow', rule: { source: 'owner' } };
  const allow = matching.find(({ s }) => s.effect === 'allow');
  if (allow) return { decision: 'allow', rule: policyRule(allow, 'allow') };
  const grant = aclGrant(input, subject, op, folder);
  if (grant) return { decision: 'allow', rule: grant };
  return { decision: 'none', rule: { source: 'none' } };
}

function aclGrant(input: AccessInput, subject: Subject, op: Operation, folder: boolean): Rule | undefined {
  if (op === 'list') return fromAcl('bucket-acl', input.bucketAcl, subject, READS);
  if (op === 'write') return fromAcl('bucket-acl', input.bucketAcl, subject, WRITES);
  const objectAcl = folder ? undefined : input.objectAcl;
  const own = objectAcl && fromAcl('object-acl', objectAcl, subject, READS);
  if (own) return own;
  const inherits =
    input.objectAclInheritsBucket === true &&
    (objectAcl === undefined || objectAcl.grants.every((g) => isOwnerGrant(g, objectAcl)));
  if (!inherits) return undefined;
  const r = fromAcl('bucket-acl', input.bucketAcl, subject, READS);
  return r && { ...r, inherited: true };
}

function fromAcl(
  source: 'bucket-acl' | 'object-acl',
  acl: Acl,
  subject: Subject,
  wanted: readonly Permission[],
): AclRule | undefined {
  const g = acl.grants.find((x) => wanted.includes(x.permission) && granteeMatches(x, subject));
  if (!g) return undefined;
  const grantee = g.grantee.type === 'group' ? `group:${g.grantee.group}` : g.grantee.id;
  return { source, permission: g.permission, grantee };
}

function granteeMatches(g: Grant, subject: Subject): boolean {
  if (g.grantee.type === 'group') {
    if (g.grantee.group === 'all') return true;
    return subject.kind !== 'anyone';
  }
  return subject.kind === 'user' && sameUser(g.grantee.id, subject.id);
}

function isOwnerGrant(g: Grant, acl: Acl): boolean {
  return g.grantee.type === 'user' && sameUser(g.grantee.id, acl.owner.id);
}

function principalMatches(dialect: PermDialect, principal: string, subject: Subject): boolean {
  if (principalUserId(dialect, principal) === '*') return true;
  return subject.kind === 'user' && principalCovers(dialect, principal, subject.id);
}

// A placeholder no literal key contains: a folder answer holds for "any object under it".
const ANY = '\u0001';

function resourceMatches(input: AccessInput, resource: string, op: Operation, folder: boolean): boolean {
  const tail = resourceTail(resource);
  if (tail === '*') return true;
  if (op === 'list') {
    // COS checks GetBucket against `<bucket>/*` as well as the bucket itself.
    return glob(tail, input.bucket) || (input.dialect === 'cos' && tail === `${input.bucket}/*`);
  }
  const path = folder ? `${input.key}${ANY}` : input.key;
  return glob(tail, `${input.bucket}/${path}`);
}

function policyRule({ s, index }: { s: PolicyStatement; index: number }, effect: 'allow' | 'deny'): Rule {
  return s.sid === undefined
    ? { source: 'policy', effect, index }
    : { source: 'policy', effect, index, sid: s.sid };
}

function subjectsOf(input: AccessInput): Subject[] {
  const owner = input.bucketAcl.owner.id;
  const ids: string[] = [owner];
  const add = (id: string) => {
    if (id !== '*' && !ids.some((x) => sameUser(x, id))) ids.push(id);
  };
  for (const acl of [input.bucketAcl, input.objectAcl]) {
    for (const g of acl?.grants ?? []) if (g.grantee.type === 'user') add(g.grantee.id);
  }
  for (const s of input.statements) for (const p of s.principals) add(principalUserId(input.dialect, p));
  for (const u of input.users ?? []) add(u);
  return [
    { kind: 'anyone' },
    { kind: 'authenticated' },
    ...ids.map((id): Subject => ({ kind: 'user', id, owner: sameUser(id, owner) })),
  ];
}

/** The rule in words, for the CLI and the panel. */
export function ruleText(rule: Rule): { en: string; zh: string } {
  switch (rule.source) {
    case 'owner':
      return { en: 'bucket owner (full control)', zh: '存储桶所有者（完全控制）' };
    case 'policy': {
      const name = rule.sid ? `"${rule.sid}"` : `#${rule.index + 1}`;
      return rule.effect === 'deny'
        ? { en: `policy statement ${name} denies`, zh: `策略语句 ${name} 拒绝` }
        : { en: `policy statement ${name} allows`, zh: `策略语句 ${name} 允许` };
    }
    case 'bucket-acl':
    case 'object-acl': {
      const where = rule.source === 'bucket-acl' ? ['bucket ACL', '存储桶 ACL'] : ['object ACL', '对象 ACL'];
      const inh = rule.inherited ? [' (inherited by the object)', '（对象继承）'] : ['', ''];
      return {
        en: `${where[0]} grants ${rule.permission} to ${rule.grantee}${inh[0]}`,
        zh: `${where[1]} 授予 ${rule.grantee} ${rule.permission}${inh[1]}`,
      };
    }
    default:
      return { en: 'no rule grants it', zh: '没有规则授予' };
  }
}
