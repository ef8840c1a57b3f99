import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src-main/storage/errors';
import { IntegrityError } from '../../../src-main/transfers/hash';
import { failureText, isRetryable, type Job } from '../../../src-main/transfers/job';

const job = (kind: 'upload' | 'download'): Job => ({
  rec: {
    id: 'j',
    kind,
    batchId: 'b',
    accountId: 'a',
    bucket: 'photos',
    key: '2024/a.jpg',
    localPath: '/home/me/a.jpg',
    size: 10,
    onConflict: 'overwrite',
  },
  seq: 0,
  state: 'running',
  parts: new Map(),
  chunks: new Map(),
  transferred: 0,
  speed: 0,
  sampleBytes: 0,
  sampleAt: 0,
  autoRetries: 0,
});
const storage = (storageCode: string, status: number, serverMessage?: string) =>
  new StorageError(
    'STORAGE',
    { storageCode, status, serverMessage },
    { bucket: 'photos', key: '2024/a.jpg' },
  );
const fsError = (code: string, path = '/home/me/a.jpg') =>
  Object.assign(new Error(`${code}: failed, open '${path}'`), { code, syscall: 'open', path });

describe('why a transfer failed, in words a person can act on', () => {
  it('names the object or file and says what to do', () => {
    expect(failureText(storage('NoSuchKey', 404), job('download'))).toMatch(
      /^Download of photos\/2024\/a\.jpg to "\/home\/me\/a\.jpg" failed: no such object: .*Check the key/,
    );
    expect(failureText(storage('AccessDenied', 403), job('upload'))).toMatch(
      /^Upload of "\/home\/me\/a\.jpg" to photos\/2024\/a\.jpg failed: access denied: .*write to bucket "photos"\. Check the key's permissions/,
    );
    expect(failureText(storage('RequestTimeTooSkewed', 403), job('download'))).toMatch(/clock/);
    const expired = failureText(storage('AccessDenied', 403, 'Request has expired'), job('download'));
    expect(expired).toMatch(/clock/);
    expect(expired).not.toMatch(/access denied/i);
    expect(failureText(storage('ServiceUnavailable', 503), job('download'), 4)).toMatch(
      /the server kept failing \(ServiceUnavailable, HTTP 503\) in all 4 attempts/,
    );
    expect(failureText(new IntegrityError('a.jpg: CRC64 1, the server says 2'), job('download'), 4)).toMatch(
      /did not match their checksum in all 4 attempts/,
    );
  });

  it('explains local failures: full disk, read-only, no permission, a file in the way', () => {
    expect(failureText(fsError('ENOSPC'), job('download'))).toMatch(/the disk is full.*Free some space/);
    expect(failureText(fsError('EROFS'), job('download'))).toMatch(/read-only.*Choose another folder/);
    expect(failureText(fsError('EACCES'), job('download'))).toMatch(/cannot write to .*permission denied/);
    expect(failureText(fsError('EACCES'), job('upload'))).toMatch(/cannot read .*permission denied/);
    expect(failureText(fsError('ENOTDIR', '/home/me/file/x'), job('download'))).toMatch(
      /is a file, not a folder/,
    );
    expect(failureText(fsError('ENOENT'), job('upload'))).toMatch(/no longer exists/);
  });

  it('retries only what another go can fix', () => {
    for (const e of [
      storage('ServiceUnavailable', 503),
      storage('SlowDown', 503),
      storage('InternalError', 500),
    ])
      expect(isRetryable(e)).toBe(true);
    expect(isRetryable(new IntegrityError('x'))).toBe(true);
    expect(isRetryable(new StorageError('NETWORK', { storageCode: 'ECONNRESET', cause: 'ECONNRESET' }))).toBe(
      true,
    );
    for (const e of [
      storage('AccessDenied', 403),
      storage('NoSuchKey', 404),
      storage('RequestTimeTooSkewed', 403),
      fsError('ENOSPC'),
      fsError('EACCES'),
      fsError('EROFS'),
    ])
      expect(isRetryable(e)).toBe(false);
  });
});
