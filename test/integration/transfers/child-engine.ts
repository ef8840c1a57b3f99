/**
 * The engine in a process of its own, for the crash test: uploads FILE to BUCKET/KEY with
 * the account in ACCOUNT_JSON, journaling under DATA_DIR; with RESUME=1 it only carries on
 * with what the journal holds. Prints "part <n>" as parts finish and "idle" at the end.
 */
import { stat } from 'node:fs/promises';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageClient } from '../../../src-main/storage/client';
import { TransferEngine } from '../../../src-main/transfers/engine';

const env = process.env as Record<string, string>;
const account = JSON.parse(env.ACCOUNT_JSON) as ResolvedAccount;
const client = new StorageClient(account, { maxAttempts: 3 });
const engine = await TransferEngine.open({
  dir: env.DATA_DIR,
  clientFor: async () => client,
  concurrency: Number(env.CONCURRENCY ?? 2),
  ...(env.THRESHOLD ? { threshold: Number(env.THRESHOLD), partSize: Number(env.PART_SIZE) } : {}),
  onProgress: (p) => process.stdout.write(`progress ${p.summary.bytesDone}\n`),
});
// A throttled first run gives a test time to kill it mid-upload, however busy the machine.
if (env.UPLOAD_BPS) engine.setLimits({ uploadBps: Number(env.UPLOAD_BPS), downloadBps: 0 });
if (env.RESUME === '1') engine.start();
else {
  const st = await stat(env.FILE);
  await engine.add([
    {
      kind: 'upload',
      accountId: 'a',
      bucket: env.BUCKET,
      key: env.KEY,
      localPath: env.FILE,
      size: st.size,
      mtimeMs: st.mtimeMs,
      onConflict: 'overwrite',
    },
  ]);
}
await engine.idle();
process.stdout.write(`idle ${JSON.stringify(engine.list(0, 10).jobs.map((j) => j.state))}\n`);
await engine.close();
await client.close();
process.exit(0);
