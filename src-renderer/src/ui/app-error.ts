import { AppError, ERROR_CODES, type ErrorCode } from '../../../src-shared/errors';

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Anything a call can throw, as the AppError that stores keep and views show. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (typeof e === 'object' && e !== null && 'code' in e && isErrorCode(e.code)) {
    const message = 'message' in e && typeof e.message === 'string' ? e.message : e.code;
    const details =
      'details' in e && typeof e.details === 'object' && e.details !== null
        ? (e.details as Record<string, unknown>)
        : undefined;
    return new AppError(e.code, message, details);
  }
  return new AppError('INTERNAL', e instanceof Error ? e.message : String(e));
}

/** The message in the user's language: main sends Chinese wording as `details.messageZh`. */
export function localizedMessage(
  e: { message: string; details?: Record<string, unknown> },
  locale: string,
): string {
  const zh = e.details?.messageZh;
  return locale === 'zh-CN' && typeof zh === 'string' && zh !== '' ? zh : e.message;
}

/** The server's (or our) storage error code behind an AppError, e.g. 'BucketNotEmpty'. */
export function storageCodeOf(e: { details?: Record<string, unknown> }): string | undefined {
  const code = e.details?.storageCode;
  return typeof code === 'string' ? code : undefined;
}
