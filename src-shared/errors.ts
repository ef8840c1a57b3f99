/** Error codes that cross the IPC boundary. A caller branches on `code`, shows `message`. */
export const ERROR_CODES = [
  'VALIDATION',
  'UNKNOWN_METHOD',
  'FORBIDDEN',
  'NOT_FOUND',
  'KEYCHAIN_UNAVAILABLE',
  'SECRET_MISSING',
  'SEAL_INVALID',
  'STORAGE',
  'NETWORK',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorPayload {
  code: ErrorCode;
  message: string;
  /** Machine-readable detail: validation issues, a storage error code, a cause. Never a secret. */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  toPayload(): AppErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromPayload(p: AppErrorPayload): AppError {
    return new AppError(p.code, p.message, p.details);
  }
}

/**
 * What kind of failure a storage error is, so a view (and the CLI) can say what happened and
 * what to do: the server's code alone does not tell (Ceph RGW answers AccessDenied for a wrong
 * secret, COS names an expired token in a message). Main sets `details.kind`; a caller may also
 * classify a payload from an older main with `storageErrorKind`.
 */
export const STORAGE_ERROR_KINDS = [
  /** The key is valid but may not do this (a policy or ACL says no). */
  'denied',
  /** The key may not list buckets: open one by name, or ask for ListBuckets. */
  'listDenied',
  /** The server refused the credentials (RGW: AccessDenied everywhere, listing buckets too). */
  'credentials',
  /** SignatureDoesNotMatch: the secret key is wrong. */
  'signature',
  /** InvalidAccessKeyId: the key id is unknown. */
  'unknownKey',
  /** ExpiredToken / TokenExpired / a token "expired" message: fresh temporary keys are needed. */
  'expiredToken',
  /** InvalidToken: the token does not belong to the key. */
  'badToken',
  /** RequestTimeTooSkewed (or COS "Request has expired"): this computer's clock is off. */
  'clockSkew',
  /** No answer in time. */
  'timeout',
  /** Refused, reset, unreachable, DNS, TLS. */
  'network',
  'notFound',
  'cancelled',
  'other',
] as const;
export type StorageErrorKind = (typeof STORAGE_ERROR_KINDS)[number];

const TOKEN_EXPIRED = /token[^.]*expired|expired[^.]*token|令牌.*过期|token.*过期/i;

/** The kind of a storage failure from its code and the server's message (see STORAGE_ERROR_KINDS). */
export function storageErrorKind(d: { storageCode?: string; serverMessage?: string }): StorageErrorKind {
  const code = d.storageCode ?? '';
  const msg = d.serverMessage ?? '';
  // COS (API doc 436/7730) says ExpiredToken; STS-backed servers also say TokenExpired, or
  // answer InvalidAccessKeyId / AccessDenied with a "token expired" message.
  if (code === 'ExpiredToken' || code === 'TokenExpired' || TOKEN_EXPIRED.test(msg)) return 'expiredToken';
  switch (code) {
    case 'SignatureDoesNotMatch':
      return 'signature';
    case 'InvalidAccessKeyId':
      return 'unknownKey';
    case 'InvalidToken':
    case 'InvalidSecurity':
      return 'badToken';
    case 'RequestTimeTooSkewed':
      return 'clockSkew';
    case 'AccessDenied':
      // COS answers a signature outside its time window so (436/7730): a clock problem.
      return /request has expired/i.test(msg) ? 'clockSkew' : 'denied';
    case 'ETIMEDOUT':
    case 'RequestTimeout':
      return 'timeout';
    case 'Aborted':
      return 'cancelled';
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'TLS':
    case 'NETWORK':
      return 'network';
    case 'NoSuchBucket':
    case 'NoSuchKey':
    case 'NotFound':
      return 'notFound';
    default:
      return 'other';
  }
}

/** The kind carried by an error payload's details (main sets it), else classified from its code. */
export function errorKindOf(
  e: { details?: Record<string, unknown> } | null | undefined,
): StorageErrorKind | undefined {
  const d = e?.details;
  if (!d) return undefined;
  if (typeof d.kind === 'string' && (STORAGE_ERROR_KINDS as readonly string[]).includes(d.kind)) {
    return d.kind as StorageErrorKind;
  }
  if (typeof d.storageCode !== 'string') return undefined;
  return storageErrorKind({
    storageCode: d.storageCode,
    serverMessage: typeof d.serverMessage === 'string' ? d.serverMessage : undefined,
  });
}

/** What every transport carries back for a call: errors travel as data, not as thrown objects. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: AppErrorPayload };
