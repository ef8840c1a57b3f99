import { ACTION_GROUPS, actionsOf, groupOfAction, groupsOf, type ActionGroup } from './actions';
import { cosCamId, cosHeaderId, parseCosUser, type PermDialect } from './model';
import {
  parsePolicy,
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
  /**
   * One per line: a prefix in this bucket meaning everything under it (`2025/` is every object
   * whose key starts with `2025/`), `*` for every object in the bucket, or a full resource
   * (`arn:aws:s3:::…`, `qcs::cos:…`) kept as typed (to name one object exactly).
   */
  resources: string;
  /** Raw JSON, '' for none. */
  condition: string;
  /** The group actions the statement named, kept as they were while their group stays ticked. */
  keptActions?: string[];
}

// ---- prefixes and resources

/** A resource line as the pattern it stands for inside the bucket: `2025/` → `2025/*`; undefined for a full resource. */
export function prefixPattern(line: string): string | undefined {
  const l = line.trim();
  if (/^(arn:|qcs::)/.test(l)) return undefined;
  if (l === '*' || l === '/') return '*';
  const p = l.replace(/^\/+/, '');
  return p.endsWith('*') ? p : `${p}*`;
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** What a form's resource lines become on the server: `arn:aws:s3:::photos/2025/*` for `2025/`. */
export function resourcesOfForm(dialect: PermDialect, ctx: ResourceContext, text: string): string[] {
  return [
    ...new Set(
      lines(text).map((l) => {
        const p = prefixPattern(l);
        return p === undefined ? l : resourceOf(dialect, ctx, p);
      }),
    ),
  ];
}

/**
 * The COS form of a `cos:prefix` value: COS compares the condition with the URL-encoded prefix,
 * so `/` and non-ASCII characters are written encoded (`2025%2F*`), the wildcard `*` literally
 * (condition keys, cloud.tencent.com/document/product/436/46206 › cos:prefix).
 */
export function cosPrefixValue(pattern: string): string {
  return pattern
    .split('*')
    .map((part) =>
      encodeURIComponent(part).replace(/[!'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('*');
}

const PREFIX_KEY: Record<PermDialect, string> = { s3: 's3:prefix', cos: 'cos:prefix' };
const LIKE_OP: Record<PermDialect, string> = { s3: 'StringLike', cos: 'string_like' };

/** The resource ListBucket (COS GetBucket) is checked against: the bucket (COS writes `<bucket>/*`, 436/30580). */
export function bucketResource(dialect: PermDialect, ctx: ResourceContext): string {
  return dialect === 's3' ? resourceOf('s3', ctx, '') : resourceOf('cos', ctx, '*');
}

/**
 * The prefixes a statement's condition limits a listing to (decoded; `like` when they are
 * patterns with `*`, else exact values); `values` empty for no condition; undefined when the
 * condition says anything else (then it is no plain prefix condition).
 */
export function prefixCondition(
  dialect: PermDialect,
  condition: Record<string, unknown> | undefined,
): { like: boolean; values: string[] } | undefined {
  if (condition === undefined || Object.keys(condition).length === 0) return { like: true, values: [] };
  const ops = Object.entries(condition);
  if (ops.length !== 1) return undefined;
  const [op, body] = ops[0];
  if (!/^(stringlike|string_like|stringequals|string_equal)$/i.test(op)) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const keys = Object.entries(body as Record<string, unknown>);
  if (keys.length !== 1 || keys[0][0].toLowerCase() !== PREFIX_KEY[dialect]) return undefined;
  const raw = keys[0][1];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  return {
    like: /like/i.test(op),
    values: values.map((v) => {
      if (dialect !== 'cos') return v;
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    }),
  };
}

function isBucketResource(dialect: PermDialect, bucket: string, r: string): boolean {
  const tail = resourceTail(r);
  return dialect === 's3' ? tail === bucket : tail === `${bucket}/*` || tail === bucket;
}

// ---- statement ⇄ form

export function toForm(dialect: PermDialect, bucket: string, s: PolicyStatement): StatementForm {
  const groups = groupsOf(dialect, s.actions);
  const full = groups.includes('full');
  const member = (a: string) => {
    const g = groupOfAction(dialect, a);
    return g !== undefined && groups.includes(g);
  };
  const principals = s.principals
    .map((p) => {
      const id = principalUserId(dialect, p);
      if (dialect !== 'cos' || id === '*') return id;
      const u = parseCosUser(id);
      return u ? cosHeaderId(u) : id;
    })
    .join(', ');
  const base = {
    sid: s.sid ?? '',
    effect: s.effect,
    principals,
    groups,
    otherActions: full ? [] : s.actions.filter((a) => !member(a)),
    keptActions: full ? [] : s.actions.filter(member),
  };
  // A listing statement: list actions only, on the bucket, limited by prefix (or not at all).
  const listOnly = groups.length === 1 && groups[0] === 'list' && base.otherActions.length === 0;
  const prefixes = prefixCondition(dialect, s.condition);
  if (listOnly && prefixes?.like && s.resources.every((r) => isBucketResource(dialect, bucket, r))) {
    return {
      ...base,
      resources: prefixes.values.length ? prefixes.values.map(showPattern).join('\n') : '*',
      condition: '',
    };
  }
  return {
    ...base,
    resources: s.resources
      .map((r) => {
        const tail = resourceTail(r);
        if (!tail.startsWith(`${bucket}/`)) return r;
        const path = tail.slice(bucket.length + 1);
        // Only a plain prefix with its one trailing wildcard reads back as a prefix.
        if (path === '*') return '*';
        if (path.endsWith('*') && !/[*?]/.test(path.slice(0, -1))) return path.slice(0, -1);
        return r;
      })
      .join('\n'),
    condition: s.condition ? JSON.stringify(s.condition, null, 2) : '',
  };
}

function showPattern(p: string): string {
  if (p === '*') return '*';
  return p.endsWith('*') && !/[*?]/.test(p.slice(0, -1)) ? p.slice(0, -1) : p;
}

/** What still keeps a form from being saved, in words the card shows under it. */
export interface FormProblem {
  field: 'principals' | 'actions' | 'resources' | 'condition';
  en: string;
  zh: string;
}

export function formProblems(f: StatementForm): FormProblem[] {
  const out: FormProblem[] = [];
  if (lines(f.principals.replace(/,/g, '\n')).length === 0)
    out.push({
      field: 'principals',
      en: 'Choose who this statement is for: add an account, a sub-account or anyone.',
      zh: '请选择此语句适用于谁：添加账号、子账号或所有人。',
    });
  if (f.groups.length === 0 && f.otherActions.length === 0)
    out.push({
      field: 'actions',
      en: 'Tick what it allows or denies: Read, Write, List or Full control.',
      zh: '请勾选允许或拒绝的操作：读、写、列出或完全控制。',
    });
  if (lines(f.resources).length === 0)
    out.push({
      field: 'resources',
      en: 'Choose what it covers: a prefix such as 2025/ (everything under it), or * for every object in the bucket.',
      zh: '请选择适用范围：例如前缀 2025/（其下的所有内容），或 * 表示存储桶中的所有对象。',
    });
  if (f.condition.trim()) {
    let ok: boolean;
    try {
      const c = JSON.parse(f.condition) as unknown;
      ok = typeof c === 'object' && c !== null && !Array.isArray(c);
    } catch {
      ok = false;
    }
    if (!ok)
      out.push({
        field: 'condition',
        en: 'The condition is not a JSON object: fix it or empty the field.',
        zh: '条件不是 JSON 对象：请修正或清空该字段。',
      });
  }
  return out;
}

function principalsOfForm(dialect: PermDialect, text: string): string[] {
  return text
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
}

/**
 * Back to policy statements. Objects and listing are checked against different resources, so a
 * form that ticks List becomes two statements: the object actions on `<bucket>/<prefix>*`, and
 * ListBucket (COS GetBucket) on the bucket with a prefix condition, never on an object resource.
 * Throws an Error naming the field when the condition is not JSON.
 */
export function fromForm(
  dialect: PermDialect,
  ctx: ResourceContext,
  _ownerId: string,
  f: StatementForm,
): PolicyStatement[] {
  const principals = principalsOfForm(dialect, f.principals);
  let condition: Record<string, unknown> | undefined;
  if (f.condition.trim()) {
    const c = JSON.parse(f.condition) as unknown;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error('condition');
    condition = c as Record<string, unknown>;
  }
  const full = f.groups.includes('full');
  const kept = f.keptActions ?? [];
  const groupActions = (g: ActionGroup): string[] => {
    const had = kept.filter((a) => groupOfAction(dialect, a) === g);
    return had.length ? had : actionsOf(dialect, g);
  };
  const objectActions = full
    ? actionsOf(dialect, 'full')
    : [
        ...new Set([
          ...ACTION_GROUPS.filter((g) => g !== 'list' && f.groups.includes(g)).flatMap(groupActions),
          ...f.otherActions,
        ]),
      ];
  const wantsList = full || f.groups.includes('list');
  const all = lines(f.resources);
  const patterns = all.map(prefixPattern);
  const raw = all.filter((_, i) => patterns[i] === undefined);
  const prefixes = [...new Set(patterns.filter((p): p is string => p !== undefined))];

  const out: PolicyStatement[] = [];
  const sid = f.sid.trim();
  if (objectActions.length) {
    const st: PolicyStatement = {
      effect: f.effect,
      principals,
      actions: objectActions,
      resources: resourcesOfForm(dialect, ctx, f.resources),
    };
    if (sid) st.sid = sid;
    if (condition) st.condition = condition;
    out.push(st);
  }
  if (wantsList) {
    const listActions = full ? actionsOf(dialect, 'list') : groupActions('list');
    const st: PolicyStatement = {
      effect: f.effect,
      principals,
      actions: listActions,
      resources: prefixes.length || raw.length === 0 ? [bucketResource(dialect, ctx)] : raw,
    };
    if (sid) st.sid = out.length ? `${sid}-list` : sid;
    const everything = prefixes.includes('*');
    const c: Record<string, unknown> = { ...(condition ?? {}) };
    if (prefixes.length && !everything) {
      const values = prefixes.map((p) => (dialect === 'cos' ? cosPrefixValue(p) : p));
      const op = LIKE_OP[dialect];
      const inner = typeof c[op] === 'object' && c[op] !== null ? (c[op] as Record<string, unknown>) : {};
      c[op] = { ...inner, [PREFIX_KEY[dialect]]: values };
    }
    if (Object.keys(c).length) st.condition = c;
    out.push(st);
  }
  return out;
}

/** Whether a statement lets anyone (anonymous) in: an allow for principal `*`. */
export function grantsAnyone(s: Pick<PolicyStatement, 'effect' | 'principals'>): boolean {
  return s.effect === 'allow' && s.principals.some((p) => principalUserId('s3', p) === '*' || p === '*');
}

/**
 * The statements of `after` that let anyone in and that `before` did not already have (sids
 * aside): what a save newly opens to the internet, to be confirmed.
 */
export function newlyPublic(before: string | null, after: string): PolicyStatement[] {
  const read = (text: string | null) => {
    if (!text?.trim()) return [];
    const p = parsePolicy(text);
    return p.ok ? p.statements : [];
  };
  const key = (st: PolicyStatement) =>
    JSON.stringify([
      st.effect,
      st.principals.map((p) => principalUserId('cos', p)).sort(),
      [...st.actions].map((a) => a.toLowerCase()).sort(),
      [...st.resources].sort(),
      st.condition ?? null,
    ]);
  const had = new Set(read(before).map(key));
  return read(after).filter((st) => grantsAnyone(st) && !had.has(key(st)));
}

export function formGrantsAnyone(f: StatementForm): boolean {
  return f.effect === 'allow' && f.principals.split(',').some((p) => p.trim() === '*');
}

/** A new statement: nobody, nothing, nowhere; it cannot be saved until it says who and what. */
export function emptyForm(): StatementForm {
  return {
    sid: '',
    effect: 'allow',
    principals: '',
    groups: [],
    otherActions: [],
    resources: '',
    condition: '',
  };
}
