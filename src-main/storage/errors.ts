import { AppError, storageErrorKind, type StorageErrorKind } from '../../src-shared/errors';
import { describeOffset, SMALL_OFFSET_MS } from './clock';
import { describeStorageError, type MessageContext } from './messages';
import { parseXml, text, XmlSyntaxError } from './xml';

export { describeStorageError, type Lang, type MessageContext } from './messages';

export type StorageErrorInput = {
  /** The server's error code (AccessDenied, NoSuchKey, …) or ours (ECONNREFUSED, ETIMEDOUT, MalformedResponse, …). */
  storageCode: string;
  status?: number;
  requestId?: string;
  /** The server's own Message text, if any: diagnostic, not for display. */
  serverMessage?: string;
  /** The low-level error code behind a network failure (e.g. UND_ERR_HEADERS_TIMEOUT). */
  cause?: string;
  /** What kind of failure this is; classified from the code and message when not given. */
  kind?: StorageErrorKind;
  /**
   * The message was written by the operation that met the failure (`restate`, or words given
   * to the constructor), not the generic text for the code. Decisions read this flag, never the
   * wording, so a translated or reworded message cannot change them.
   */
  specific?: boolean;
};

export type StorageErrorDetails = StorageErrorInput & {
  messageZh: string;
  kind: StorageErrorKind;
  specific: boolean;
};

export class StorageError extends AppError {
  declare readonly details: StorageErrorDetails;

  /** `text` replaces the generic wording when an operation knows better what the code means for it. */
  constructor(
    kind: 'STORAGE' | 'NETWORK',
    details: StorageErrorInput,
    ctx: MessageContext = {},
    text?: { en: string; zh: string },
  ) {
    const errorKind = details.kind ?? storageErrorKind(details);
    const c: MessageContext = { ...ctx, status: details.status, serverMessage: details.serverMessage };
    const describeAs = describeCode(details, errorKind);
    super(kind, text?.en ?? describeStorageError(describeAs, 'en', c), {
      ...details,
      kind: errorKind,
      specific: text !== undefined || details.specific === true,
      messageZh: text?.zh ?? describeStorageError(describeAs, 'zh-CN', c),
    });
    this.name = 'StorageError';
  }

  /** The same failure in words specific to the operation that met it. */
  restate(text: { en: string; zh: string }, kind?: StorageErrorKind): StorageError {
    const { messageZh: _zh, ...details } = this.details;
    return new StorageError(
      this.code as 'STORAGE' | 'NETWORK',
      kind ? { ...details, kind } : details,
      {},
      text,
    );
  }

  get kind(): StorageErrorKind {
    return this.details.kind;
  }

  get storageCode(): string {
    return this.details.storageCode;
  }

  get status(): number | undefined {
    return this.details.status;
  }
}

/** COS reports a stale signature as AccessDenied "Request has expired": it is a clock problem. */
export function isExpiredRequest(d: { storageCode: string; serverMessage?: string }): boolean {
  return d.storageCode === 'AccessDenied' && /request has expired/i.test(d.serverMessage ?? '');
}

/**
 * A skew error we could not fix by following the server's clock: say by how much this
 * computer's clock is off, and that the fix is setting it right.
 */
export function clockSkewError(se: StorageError, offsetMs: number): StorageError {
  if (Math.abs(offsetMs) < SMALL_OFFSET_MS) return se;
  const off = describeOffset(offsetMs);
  const en = offsetMs > 0 ? 'behind' : 'ahead of';
  const zh = offsetMs > 0 ? '慢' : '快';
  return se.restate({
    en: `This computer's clock is ${off.en} ${en} the server's, and the server refused the request for it. Fix the clock (set the correct time or enable automatic time) and try again.`,
    zh: `本机时钟比服务器${zh}了 ${off.zh}，服务器因此拒绝了请求。请校准系统时间（或开启自动对时）后重试。`,
  });
}

function describeCode(d: { storageCode: string; serverMessage?: string }, kind: StorageErrorKind): string {
  if (kind === 'expiredToken') return 'ExpiredToken';
  return isExpiredRequest(d) ? 'RequestTimeTooSkewed' : d.storageCode;
}

/** A code for an error response that carries no usable body (HEAD, proxies, empty 5xx). */
export function codeForStatus(status: number, ctx: MessageContext = {}): string {
  switch (status) {
    case 301:
    case 307:
      return 'PermanentRedirect';
    case 400:
      return 'InvalidArgument';
    case 401:
    case 403:
      return 'AccessDenied';
    case 404:
      return ctx.key ? 'NoSuchKey' : ctx.bucket ? 'NoSuchBucket' : 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 412:
      return 'PreconditionFailed';
    case 416:
      return 'InvalidRange';
    case 429:
      return 'SlowDown';
    case 503:
      return 'ServiceUnavailable';
    default:
      return status >= 500 ? 'InternalError' : `HTTP${status}`;
  }
}

/** Builds the error for a non-success response from its status, headers and (possibly empty) body. */
export function storageErrorFromResponse(res: {
  status: number;
  body?: string;
  requestIdHeader?: string;
  ctx?: MessageContext;
}): StorageError {
  const ctx = res.ctx ?? {};
  const base = { status: res.status, requestId: res.requestIdHeader };
  const body = res.body?.trim() ?? '';
  if (body !== '') {
    try {
      const doc = parseXml(body);
      const err = doc['Error'];
      const code = text(err, 'Code');
      if (code) {
        return new StorageError(
          'STORAGE',
          {
            ...base,
            storageCode: code,
            requestId: text(err, 'RequestId') || base.requestId,
            serverMessage: text(err, 'Message') || undefined,
          },
          ctx,
        );
      }
    } catch (e) {
      if (!(e instanceof XmlSyntaxError)) throw e;
      // Proxies and load balancers answer with HTML or plain text: the status still says enough.
    }
  }
  return new StorageError('STORAGE', { ...base, storageCode: codeForStatus(res.status, ctx) }, ctx);
}

export function malformedResponseError(
  ctx: MessageContext = {},
  status?: number,
  requestId?: string,
): StorageError {
  return new StorageError('STORAGE', { storageCode: 'MalformedResponse', status, requestId }, ctx);
}

export function invalidEndpointError(detail: string): StorageError {
  return new StorageError('STORAGE', { storageCode: 'InvalidEndpoint', serverMessage: detail });
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'ECONNREFUSED',
  ENOTFOUND: 'ENOTFOUND',
  EAI_AGAIN: 'ENOTFOUND',
  EAI_NONAME: 'ENOTFOUND',
  EAI_FAIL: 'ENOTFOUND',
  ETIMEDOUT: 'ETIMEDOUT',
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_BODY_TIMEOUT: 'ETIMEDOUT',
  COSDESK_IDLE_TIMEOUT: 'ETIMEDOUT',
  ECONNRESET: 'ECONNRESET',
  ECONNABORTED: 'ECONNRESET',
  EPIPE: 'ECONNRESET',
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CLOSED: 'ECONNRESET',
  EHOSTUNREACH: 'EHOSTUNREACH',
  ENETUNREACH: 'EHOSTUNREACH',
  EHOSTDOWN: 'EHOSTUNREACH',
  ENETDOWN: 'EHOSTUNREACH',
  UND_ERR_ABORTED: 'Aborted',
  ABORT_ERR: 'Aborted',
};

/** The first low-level code found on an error, its cause chain, or an AggregateError's members. */
export function lowLevelCode(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (e.name === 'TimeoutError') return 'ETIMEDOUT';
  if (e.name === 'AbortError') return 'ABORT_ERR';
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const c = lowLevelCode(inner, depth + 1);
      if (c) return c;
    }
  }
  return lowLevelCode(e.cause, depth + 1);
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'EPROTO'
  );
}

export function storageErrorFromNetwork(err: unknown, ctx: MessageContext = {}): StorageError {
  if (err instanceof StorageError) return err;
  const cause = lowLevelCode(err);
  const storageCode =
    cause === undefined ? 'NETWORK' : (NETWORK_CODES[cause] ?? (isTlsCode(cause) ? 'TLS' : 'NETWORK'));
  return new StorageError('NETWORK', { storageCode, cause }, ctx);
}
