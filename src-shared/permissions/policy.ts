import { z } from 'zod';
import { COS_ANYONE, sameUser, type PermDialect } from './model';

/** One statement in dialect-neutral form; `'*'` in principals means anyone. */
export interface PolicyStatement {
  sid?: string;
  effect: 'allow' | 'deny';
  principals: string[];
  actions: string[];
  resources: string[];
  condition?: Record<string, unknown>;
}

export type Json = Record<string, unknown>;

/** What is wrong with a policy, in words the editor and the CLI show. */
export interface PolicyProblem {
  /** `statement 2 › effect`, or '' for the whole document. */
  at: string;
  en: string;
  zh: string;
}

export type ParsedPolicy =
  { ok: true; statements: PolicyStatement[]; raw: Json } | { ok: false; problems: PolicyProblem[] };

const stringOrList = z.union([z.string(), z.array(z.string())]);

// Keys are matched case-insensitively: COS documents use lower case, S3 ones capitalise.
const rawStatement = z.object({
  sid: z.string().optional(),
  effect: z.string(),
  principal: z.unknown().optional(),
  action: stringOrList,
  resource: stringOrList,
  condition: z.record(z.string(), z.unknown()).optional(),
});

/** Reads a policy document of either dialect; `dialect` adds that dialect's format checks. */
export function parsePolicy(text: string, dialect?: PermDialect): ParsedPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return fail('', `This is not valid JSON: ${detail}`, `这不是有效的 JSON：${detail}`);
  }
  if (!isObj(raw)) return fail('', 'A policy is a JSON object.', '策略必须是一个 JSON 对象。');
  const list = prop(raw, 'statement');
  const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
  if (items.length === 0) {
    return fail(
      '',
      'The policy has no statement: add at least one.',
      '策略没有任何语句（statement），请至少添加一条。',
    );
  }
  const problems: PolicyProblem[] = [];
  const statements: PolicyStatement[] = [];
  items.forEach((item, i) => {
    const at = `statement ${i + 1}`;
    if (!isObj(item)) {
      problems.push(problem(at, 'A statement is a JSON object.', '语句必须是 JSON 对象。'));
      return;
    }
    const parsed = rawStatement.safeParse(lowerKeys(item));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(fieldProblem(at, String(issue.path[0] ?? '')));
      return;
    }
    const s = parsed.data;
    const effect = s.effect.toLowerCase();
    if (effect !== 'allow' && effect !== 'deny') {
      problems.push(
        problem(`${at} › effect`, 'The effect is "allow" or "deny".', 'effect 只能是 "allow" 或 "deny"。'),
      );
      return;
    }
    const principals = principalsOf(s.principal);
    if (principals.length === 0) {
      problems.push(
        problem(
          `${at} › principal`,
          'Say who the statement is for (a principal, or anyone).',
          '请指定语句适用的主体（principal），或所有人。',
        ),
      );
    }
    const st: PolicyStatement = {
      effect,
      principals,
      actions: asList(s.action),
      resources: asList(s.resource),
    };
    if (s.sid !== undefined) st.sid = s.sid;
    if (s.condition !== undefined) st.condition = s.condition;
    if (dialect) problems.push(...dialectProblems(dialect, st, at));
    statements.push(st);
  });
  return problems.length ? { ok: false, problems } : { ok: true, statements, raw };
}

function dialectProblems(dialect: PermDialect, st: PolicyStatement, at: string): PolicyProblem[] {
  const out: PolicyProblem[] = [];
  const actionOk = (a: string) =>
    a === '*' || (dialect === 's3' ? /^s3:[A-Za-z*?]+$/.test(a) : /^name\/cos:[A-Za-z*?]+$/.test(a));
  for (const a of st.actions.filter((x) => !actionOk(x))) {
    const want = dialect === 's3' ? 's3:GetObject' : 'name/cos:GetObject';
    out.push(
      problem(
        `${at} › action`,
        `"${a}" is not an action of this storage; write it like ${want}.`,
        `"${a}" 不是此存储的操作，应写作 ${want} 这样的形式。`,
      ),
    );
  }
  const resOk = (r: string) =>
    r === '*' || (dialect === 's3' ? r.startsWith('arn:aws:s3:::') : /^qcs::cos:[^:]*:uid\/\d*:/.test(r));
  for (const r of st.resources.filter((x) => !resOk(x))) {
    const want =
      dialect === 's3'
        ? 'arn:aws:s3:::<bucket>/<prefix>*'
        : 'qcs::cos:<region>:uid/<appid>:<bucket>/<prefix>*';
    out.push(
      problem(
        `${at} › resource`,
        `"${r}" is not a resource of this storage; write it like ${want}.`,
        `"${r}" 不是此存储的资源，应写作 ${want} 这样的形式。`,
      ),
    );
  }
  if (st.actions.length === 0) out.push(fieldProblem(at, 'action'));
  if (st.resources.length === 0) out.push(fieldProblem(at, 'resource'));
  return out;
}

/** The document a dialect's server takes: COS lower-case `version 2.0`, S3 `2012-10-17`. */
export function policyDocument(dialect: PermDialect, statements: readonly PolicyStatement[]): Json {
  if (dialect === 's3') {
    return {
      Version: '2012-10-17',
      Statement: statements.map((s) => statementDoc('s3', s)),
    };
  }
  return { version: '2.0', statement: statements.map((s) => statementDoc('cos', s)) };
}

export function statementDoc(dialect: PermDialect, s: PolicyStatement): Json {
  const cap = dialect === 's3';
  const k = (name: string) => (cap ? name[0].toUpperCase() + name.slice(1) : name);
  const out: Json = {};
  if (s.sid !== undefined) out[k('sid')] = s.sid;
  out[k('effect')] = cap ? (s.effect === 'allow' ? 'Allow' : 'Deny') : s.effect;
  out[k('principal')] = principalDoc(dialect, s.principals);
  out[k('action')] = [...s.actions];
  out[k('resource')] = [...s.resources];
  if (s.condition !== undefined) out[k('condition')] = s.condition;
  return out;
}

function principalDoc(dialect: PermDialect, principals: readonly string[]): unknown {
  if (dialect === 's3') {
    if (principals.length === 1 && principals[0] === '*') return '*';
    return { AWS: principals.map((p) => (p === '*' ? '*' : s3PrincipalArn(p))) };
  }
  return { qcs: principals.map((p) => (p === '*' ? COS_ANYONE : p)) };
}

/** An S3 user id as a policy principal; an ARN stays as it is. */
export function s3PrincipalArn(idOrArn: string): string {
  return idOrArn.startsWith('arn:') ? idOrArn : `arn:aws:iam:::user/${idOrArn}`;
}

/** The canonical user id (what ACLs say) a policy principal names; '*' for anyone. */
export function principalUserId(dialect: PermDialect, principal: string): string {
  if (principal === '*' || principal === COS_ANYONE) return '*';
  if (dialect === 's3') return /:user\/(.+)$/.exec(principal)?.[1] ?? principal;
  return principal;
}

/** Whether a policy principal covers a user given by canonical id. */
export function principalCovers(dialect: PermDialect, principal: string, userId: string): boolean {
  const p = principalUserId(dialect, principal);
  if (p === '*') return true;
  if (dialect === 's3') return p === userId;
  // The whole (root, uin) pair: `uin/<owner>:uin/<X>` is a sub-user of the owner, not the root account X.
  return sameUser(p, userId);
}

/** The resource pattern as `<bucket>/<path>` (both dialects), for matching; '*' covers all. */
export function resourceTail(resource: string): string {
  const r = resource.trim();
  if (r === '*') return '*';
  if (r.startsWith('arn:aws:s3:::')) return r.slice('arn:aws:s3:::'.length);
  const m = /^qcs::cos:[^:]*:uid\/\d*:(.*)$/.exec(r);
  return m ? m[1] : r;
}

export interface ResourceContext {
  bucket: string;
  /** COS only. */
  region?: string;
  /** COS only; taken from the bucket's `-<APPID>` suffix when absent. */
  appId?: string;
}

/** The resource string naming `path` in a bucket (`''` for the bucket itself). */
export function resourceOf(dialect: PermDialect, ctx: ResourceContext, path: string): string {
  const tail = path === '' ? ctx.bucket : `${ctx.bucket}/${path}`;
  if (dialect === 's3') return `arn:aws:s3:::${tail}`;
  const appId = ctx.appId ?? /-(\d+)$/.exec(ctx.bucket)?.[1] ?? '';
  return `qcs::cos:${ctx.region ?? '*'}:uid/${appId}:${tail}`;
}

/**
 * Whether two policy texts say the same thing. Servers re-render what they were given (COS
 * answers capitalised keys, GET Bucket policy 436/8276), so compare documents, never text:
 * keys case-insensitively, values as they are (effect case-insensitively).
 */
export function samePolicy(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(canonical(JSON.parse(a))) === JSON.stringify(canonical(JSON.parse(b)));
  } catch {
    return false;
  }
}

function canonical(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => canonical(x, key));
  if (isObj(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .map((k) => [k.toLowerCase(), canonical(v[k], k.toLowerCase())] as const)
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
    );
  }
  if (key === 'effect' && typeof v === 'string') return v.toLowerCase();
  return v;
}

/** Pretty JSON as the editor and the diff show it. */
export function prettyPolicy(doc: unknown): string {
  return JSON.stringify(doc, null, 2);
}

export function statementsKey(doc: Json): string {
  return Object.keys(doc).find((k) => k.toLowerCase() === 'statement') ?? 'statement';
}

function principalsOf(p: unknown): string[] {
  if (p === undefined || p === null) return [];
  if (typeof p === 'string') return [p === COS_ANYONE ? '*' : p];
  if (Array.isArray(p)) return p.flatMap(principalsOf);
  if (isObj(p)) {
    return Object.values(p)
      .flatMap((v) => asList(v as string | string[]))
      .map((x) => (x === COS_ANYONE ? '*' : x));
  }
  return [];
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string');
}

function lowerKeys(o: Json): Json {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));
}

function prop(o: Json, name: string): unknown {
  const k = Object.keys(o).find((x) => x.toLowerCase() === name);
  return k === undefined ? undefined : o[k];
}

export function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function problem(at: string, en: string, zh: string): PolicyProblem {
  return { at, en, zh };
}

function fail(at: string, en: string, zh: string): ParsedPolicy {
  return { ok: false, problems: [problem(at, en, zh)] };
}

const FIELD_TEXT: Record<string, [string, string]> = {
  effect: [
    'Every statement needs an effect: "allow" or "deny".',
    '每条语句都需要 effect："allow" 或 "deny"。',
  ],
  action: ['Every statement needs at least one action.', '每条语句至少需要一个操作（action）。'],
  resource: ['Every statement needs at least one resource.', '每条语句至少需要一个资源（resource）。'],
  condition: ['A condition is a JSON object.', '条件（condition）必须是 JSON 对象。'],
  sid: ['A sid is a string.', 'sid 必须是字符串。'],
};

function fieldProblem(at: string, field: string): PolicyProblem {
  const [en, zh] = FIELD_TEXT[field] ?? [`"${field}" is not valid here.`, `"${field}" 在此无效。`];
  return problem(`${at} › ${field}`, en, zh);
}
