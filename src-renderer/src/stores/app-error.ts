import { AppError, ERROR_CODES, type ErrorCode } from '../../../src-shared/errors';

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Anything a call can throw, as the AppError that stores keep and views show. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (typeof e === 'object' && e !== null && 'code' in e && isErrorCode(e.code)) {
    const message = 'message' in e && typeof e.message === 'string' ? e.message : e.code;
    return new AppError(e.code, message);
  }
  return new AppError('INTERNAL', e instanceof Error ? e.message : String(e));
}
