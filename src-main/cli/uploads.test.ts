import { describe, expect, it } from 'vitest';
import { StorageError } from '../storage/errors';
import { mayHaveStarted } from '../transfers/multipart';
import { age } from './uploads';

describe('uploads --older-than', () => {
  it('reads 30m, 12h, 1d, 2w and a bare number as days', () => {
    expect(age('30m')).toBe(30 * 60_000);
    expect(age('12h')).toBe(12 * 3_600_000);
    expect(age('1d')).toBe(86_400_000);
    expect(age('2w')).toBe(14 * 86_400_000);
    expect(age('3')).toBe(3 * 86_400_000);
    expect(() => age('yesterday')).toThrow(/30m, 12h, 1d or 2w/);
  });
});

describe('an Initiate that failed may have started an upload', () => {
  const net = (storageCode: string, cause?: string) => new StorageError('NETWORK', { storageCode, cause });
  const answer = (status: number, storageCode: string) =>
    new StorageError('STORAGE', { status, storageCode });
  it('when the answer was lost, garbled, late or a 5xx', () => {
    expect(mayHaveStarted(net('ECONNRESET', 'UND_ERR_SOCKET'))).toBe(true);
    expect(mayHaveStarted(net('ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT'))).toBe(true);
    expect(mayHaveStarted(net('Aborted', 'ABORT_ERR'))).toBe(true);
    expect(mayHaveStarted(answer(200, 'MalformedResponse'))).toBe(true);
    expect(mayHaveStarted(answer(500, 'InternalError'))).toBe(true);
    expect(mayHaveStarted(answer(503, 'SlowDown'))).toBe(true);
    expect(mayHaveStarted(new Error('something else'))).toBe(true);
  });
  it('not when it never left this machine, or the server refused it', () => {
    expect(mayHaveStarted(net('ECONNREFUSED', 'ECONNREFUSED'))).toBe(false);
    expect(mayHaveStarted(net('ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT'))).toBe(false);
    expect(mayHaveStarted(net('ENOTFOUND', 'ENOTFOUND'))).toBe(false);
    expect(mayHaveStarted(answer(403, 'AccessDenied'))).toBe(false);
    expect(mayHaveStarted(answer(404, 'NoSuchBucket'))).toBe(false);
  });
});
