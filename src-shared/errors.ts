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

/** What every transport carries back for a call: errors travel as data, not as thrown objects. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: AppErrorPayload };
