import { ACTION_GROUPS, actionsOf, groupsOf, type ActionGroup } from './actions';
import { cosCamId, cosHeaderId, parseCosUser, type PermDialect } from './model';
import {
  principalUserId,
  resourceOf,
  resourceTail,
  type PolicyStatement,
  type ResourceContext,
} from './policy';

/** A statement as the friendly editor shows it: groups of actions, prefixes, principals as typed. */
export interface StatementForm {
  sid: string;
  effect: 'allow' | 'deny';
  /**
   * Comma-separated: `*` for anyone; COS `X` (root account X) or `O/S` (sub-account S of O);
   * S3 user ids. Full CAM ids and ARNs are kept as typed.
   */
  principals: string;
  groups: ActionGroup[];
  /** Actions no group covers, kept as they were. */
  otherActions: string[];
  /** One per line: a prefix pattern in this bucket (`docs/*`), '' for the bucket, or a full resource. */
  resources: string;
  /** Raw JSON, '' for none. */
  condition: string;
}

export function toForm(dialect: PermDialect, bucket: string, s: PolicyStatement): StatementForm {
  const groups = groupsOf(dialect, s.actions);
  const covered = new Set(groups.flatMap((g) => actionsOf(dialect, g)));
  return {
    sid: s.sid ?? '',
    effect: s.effect,
    principals: s.principals
      .map((p) => {
        const id = principalUserId(dialect, p);
        if (dialect !== 'cos' || id === '*') return id;
        const u = parseCosUser(id);
        return u ? cosHeaderId(u) : id;
      })
      .join(', '),
    groups,
    otherActions: s.actions.filter((a) => !covered.has(a) && !groups.includes('full')),
    resources: s.resources
      .map((r) => {
        const tail = resourceTail(r);
        if (tail === bucket) return '';
        return tail.startsWith(`${bucket}/`) ? tail.slice(bucket.length + 1) : r;
      })
      .join('\n'),
    condition: s.condition ? JSON.stringify(s.condition, null, 2) : '',
  };
}

/** Back to a statement; throws an Error naming the field when the condition is not JSON. */
export function fromForm(
  dialect: PermDialect,
  ctx: ResourceContext,
  _ownerId: string,
  f: StatementForm,
): PolicyStatement {
  const principals = f.principals
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      if (p === '*') return '*';
      if (dialect === 'cos' && !p.startsWith('qcs::')) {
        // `X` is the root account X (never a sub-user of the owner); `O/S` the sub-account S of O.
        const u = parseCosUser(p);
        return u ? cosCamId(u) : p;
      }
      return p;
    });
  const actions = f.groups.includes('full')
    ? actionsOf(dialect, 'full')
    : [
        ...new Set([
          ...ACTION_GROUPS.filter((g) => f.groups.includes(g)).flatMap((g) => actionsOf(dialect, g)),
          ...f.otherActions,
        ]),
      ];
  const resources = f.resources
    .split('\n')
    .map((l) => l.trim())
    .map((l) => (/^(arn:|qcs::)/.test(l) ? l : resourceOf(dialect, ctx, l)));
  const st: PolicyStatement = { effect: f.effect, principals, actions, resources: [...new Set(resources)] };
  if (f.sid.trim()) st.sid = f.sid.trim();
  if (f.condition.trim()) {
    const c = JSON.parse(f.condition) as unknown;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error('condition');
    st.condition = c as Record<string, unknown>;
  }
  return st;
}

export function emptyForm(): StatementForm {
  return {
    sid: '',
    effect: 'allow',
    principals: '*',
    groups: ['read'],
    otherActions: [],
    resources: '*',
    condition: '',
  };
}
