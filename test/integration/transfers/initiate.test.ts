import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortUpload, initiateUpload } from '../../../src-main/transfers/multipart';
import { StorageClient } from '../../../src-main/storage/client';
import { DIALECTS, rgwEnv, s3Account } from '../storage/helpers';
import { MiB, randomFile } from './harness';
import { initiateStack, sha256Of, type InitiateFault, type InitiateStack } from './initiate-proxy';

const CHILD = join(import.meta.dirname, 'child-engine.ts');

// Issue 10 §5: Initiate is not idempotent. A lost, garbled or doubled answer must not leave a
// second upload behind, nor a kill -9 between the answer and its journal record.
describe.each(DIALECTS)('Initiate without orphans (%s)', (dialect) => {
  let s: InitiateStack;
  let seq = 0;
  beforeAll(async () => {
    s = await initiateStack(dialect);
  });
  afterAll(async () => {
    await s?.close();
  });

  async function upload(key: string, engineClient = s.client) {
    const file = join(s.dir, `${key}.src`);
    await randomFile(file, 6 * MiB + 123, ++seq);
    const st = await stat(file);
    const e = await s.engine({}, engineClient);
    const [id] = await e.add([
      {
        kind: 'upload',
        accountId: 'a',
        bucket: s.bucket,
        key,
        localPath: file,
        size: st.size,
        mtimeMs: st.mtimeMs,
        onConflict: 'overwrite',
      },
    ]);
    await e.idle();
    return { job: e.get(id)!, file };
  }

  const faults: InitiateFault[] = ['reset', 'garbage', 'no-id', 'error500', 'stall'];
  it.each(faults)(
    'after a lost Initiate answer (%s) the upload is found, completed whole, and none is left',
    async (fault) => {
      const key = `lost-${fault}.bin`;
      s.proxy.faults = [fault];
      const before = s.proxy.initiates;
      // The stalled answer needs a client that gives up waiting.
      const client = fault === 'stall' ? s.newClient({ timeoutMs: 8000 }) : s.client;
      const { job, file } = await upload(key, client);
      expect(job.error).toBeUndefined();
      expect(job.state).toBe('done');
      // The upload the lost answer named was adopted: the server saw one Initiate, not two.
      expect(s.proxy.initiates - before).toBe(1);
      expect(await s.pendingUploads()).toEqual([]);
      expect(await s.objectSha(key)).toBe(await sha256Of(file));
    },
    120_000,
  );

  it('two uploads from one lost attempt are aborted, another tool’s upload of the key is left alone', async () => {
    const key = 'doubled.bin';
    const foreign = await initiateUpload(s.client, { bucket: s.bucket }, key);
    s.proxy.faults = ['twice-reset'];
    const before = s.proxy.initiates;
    const { job, file } = await upload(key);
    expect(job.state).toBe('done');
    // Two started by the lost attempt (both aborted), then one that was answered.
    expect(s.proxy.initiates - before).toBe(3);
    const left = await s.pendingUploads();
    expect(left.map((u) => u.uploadId)).toEqual([foreign]);
    expect(await s.objectSha(key)).toBe(await sha256Of(file));
    await abortUpload(s.client, { bucket: s.bucket }, key, foreign);
  }, 120_000);

  it('cancelled while its Initiate is unanswered: the upload the server started is aborted', async () => {
    const key = 'cancel-init.bin';
    const file = join(s.dir, 'cancel-init.src');
    await randomFile(file, 6 * MiB, 42);
    const st = await stat(file);
    const e = await s.engine();
    let id = '';
    s.proxy.faults = ['stall'];
    s.proxy.onInitiateAnswered = async () => {
      s.proxy.onInitiateAnswered = undefined;
      e.cancel([id]);
    };
    [id] = await e.add([
      {
        kind: 'upload',
        accountId: 'a',
        bucket: s.bucket,
        key,
        localPath: file,
        size: st.size,
        mtimeMs: st.mtimeMs,
        onConflict: 'overwrite',
      },
    ]);
    await expect.poll(() => e.get(id)?.state, { timeout: 60_000 }).toBe('cancelled');
    await e.idle();
    await expect
      .poll(async () => (await s.pendingUploads()).filter((u) => u.key === key), { timeout: 30_000 })
      .toEqual([]);
  }, 120_000);

  it('kill -9 between the Initiate answer and its journal record, then resume: the upload is found, no orphan', async () => {
    const key = 'crash-init.bin';
    const file = join(s.dir, 'crash-init.src');
    await randomFile(file, 6 * MiB + 7, 99);
    const dataDir = join(s.dir, 'crash-data');
    const run = (resume: boolean) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
        env: {
          ...process.env,
          ACCOUNT_JSON: JSON.stringify(s.account),
          DATA_DIR: dataDir,
          FILE: file,
          BUCKET: s.bucket,
          KEY: key,
          RESUME: resume ? '1' : '0',
          CONCURRENCY: '2',
          THRESHOLD: String(MiB),
          PART_SIZE: String(5 * MiB),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      child
        .stdout!.setEncoding('utf8')
        .on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, lines, exited };
    };
    const before = s.proxy.initiates;
    // The server has started the upload; the engine dies before it hears (and journals) the answer.
    s.proxy.onInitiateAnswered = async () => {
      s.proxy.onInitiateAnswered = undefined;
      first.child.kill('SIGKILL');
      await first.exited;
    };
    s.proxy.faults = ['reset'];
    const first = run(false);
    await first.exited;
    expect(s.proxy.initiates - before).toBe(1);
    expect((await s.pendingUploads()).filter((u) => u.key === key)).toHaveLength(1);
    const journal = readFileSync(join(dataDir, 'journal.jsonl'), 'utf8');
    expect(journal).not.toContain('"t":"upload"');

    const second = run(true);
    expect(await second.exited).toBe(0);
    expect(second.lines.at(-1)).toBe('idle ["done"]');
    // The resumed run adopted the upload the killed one started instead of starting another.
    expect(s.proxy.initiates - before).toBe(1);
    expect(await s.pendingUploads()).toEqual([]);
    expect(await s.objectSha(key)).toBe(await sha256Of(file));
  }, 120_000);
});

describe('Initiate without orphans, for a key that may upload but not list uploads (s3)', () => {
  let s: InitiateStack;
  beforeAll(async () => {
    s = await initiateStack('s3');
    const env = rgwEnv();
    // tester2 may write objects (Initiate and parts are PutObject) but not list uploads.
    await s.client
      .request({
        method: 'PUT',
        bucket: s.bucket,
        query: { policy: '' },
        body: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: ['arn:aws:iam:::user/tester2'] },
              Action: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
              Resource: [`arn:aws:s3:::${s.bucket}/*`],
            },
          ],
        }),
      })
      .then((r) => r.body.dump());
    expect(env.ak2).toBeTruthy();
  });
  afterAll(async () => {
    await s?.client.request({ method: 'DELETE', bucket: s.bucket, query: { policy: '' } }).then(
      (r) => r.body.dump(),
      () => undefined,
    );
    await s?.close();
  });

  it('a lost answer is not answered by a second Initiate: the job fails and says why', async () => {
    const env = rgwEnv();
    const limited = new StorageClient(s3Account(`http://127.0.0.1:${s.proxy.port}`, env.ak2, env.sk2), {
      maxAttempts: 2,
    });
    try {
      const file = join(s.dir, 'limited.src');
      await randomFile(file, 6 * MiB, 3);
      const st = await stat(file);
      const e = await s.engine({}, limited);
      s.proxy.faults = ['reset'];
      const before = s.proxy.initiates;
      const [id] = await e.add([
        {
          kind: 'upload',
          accountId: 'a',
          bucket: s.bucket,
          key: 'limited.bin',
          localPath: file,
          size: st.size,
          mtimeMs: st.mtimeMs,
          onConflict: 'overwrite',
        },
      ]);
      await e.idle();
      const job = e.get(id)!;
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(/answer to starting the multipart upload of limited\.bin was lost/);
      expect(s.proxy.initiates - before).toBe(1);
      // The one upload it may have started is there for the owner to see (and abort).
      expect((await s.pendingUploads()).filter((u) => u.key === 'limited.bin')).toHaveLength(1);
    } finally {
      await limited.close();
    }
  }, 120_000);
});
