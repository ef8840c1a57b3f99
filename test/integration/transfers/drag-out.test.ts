import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanDragOut,
  dragOutRoot,
  prepareDragOut,
  releaseDragOut,
} from '../../../src-main/transfers/drag-out';
import { requireEnv, startMain } from '../../support/main';
import { rgwAccount } from '../../support/seed';

// Objects dragged to the desktop are fetched into a temporary folder first; only their
// names travel, made safe, so a key like `../x` can never land outside that folder.
describe('drag-out preparation', () => {
  const env = requireEnv('S3_ENDPOINT', 'AK', 'SK');
  const bucket = `dragout-${Date.now().toString(36)}`;
  let ctx: Awaited<ReturnType<typeof startMain>>;
  let accountId: string;

  beforeAll(async () => {
    ctx = await startMain();
    accountId = ctx.main.accounts.registerEphemeral(rgwAccount(env.S3_ENDPOINT, env.AK, env.SK));
    await ctx.bridge.storage.createBucket({ accountId, bucket });
    const at = { accountId, bucket };
    await ctx.main.storage.putObject({ ...at, key: 'docs/report.txt' }, 'report body');
    await ctx.main.storage.putObject({ ...at, key: 'other/report.txt' }, 'second report');
    await ctx.main.storage.putObject({ ...at, key: '../escape.txt' }, 'escape attempt');
    await ctx.main.storage.putObject({ ...at, key: 'big.bin' }, new Uint8Array(2048));
  });
  afterAll(async () => {
    await ctx.bridge.storage.deleteObjects({
      accountId,
      bucket,
      keys: ['docs/', 'other/', '../escape.txt', 'big.bin'],
    });
    await ctx.bridge.storage.deleteBucket({ accountId, bucket });
    await ctx.main.close();
  });

  it('writes each dragged object into one fresh folder, names made safe and distinct', async () => {
    const root = mkdtempSync(join(tmpdir(), 'drag-test-'));
    const files = await prepareDragOut(
      ctx.main.storage,
      { accountId, bucket, keys: ['docs/report.txt', 'other/report.txt', '../escape.txt', 'docs/'] },
      root,
    );
    expect(files.map((f) => basename(f))).toEqual(['report.txt', 'report (1).txt', 'escape.txt']);
    const dir = dirname(files[0]);
    expect(dirname(dir)).toBe(root);
    expect(readdirSync(root)).toEqual([basename(dir)]);
    expect(readFileSync(files[0], 'utf8')).toBe('report body');
    expect(readFileSync(files[1], 'utf8')).toBe('second report');
    expect(readFileSync(files[2], 'utf8')).toBe('escape attempt');
  });

  it('keeps its copies private under the data folder, and removes them after use and at start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drag-data-'));
    const root = dragOutRoot(dataDir);
    expect(root.startsWith(dataDir + '/')).toBe(true);
    // What a crashed run left behind goes at start.
    mkdirSync(join(root, 'left-by-a-crash'), { recursive: true });
    writeFileSync(join(root, 'left-by-a-crash', 'old.txt'), 'old');
    expect(await cleanDragOut(root)).toBe(1);
    expect(readdirSync(root)).toEqual([]);

    const files = await prepareDragOut(
      ctx.main.storage,
      { accountId, bucket, keys: ['docs/report.txt'] },
      root,
    );
    const dir = dirname(files[0]);
    expect(dirname(dir)).toBe(root);
    expect(basename(dir)).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(files[0]).mode & 0o777).toBe(0o600);
    expect(readFileSync(files[0], 'utf8')).toBe('report body');

    // Once the drop target has had its time, the copies go.
    releaseDragOut(files, root, 0);
    for (let i = 0; i < 200 && existsSync(dir); i++) await new Promise((r) => setTimeout(r, 25));
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses more than its size limit before fetching anything', async () => {
    const root = mkdtempSync(join(tmpdir(), 'drag-test-'));
    await expect(
      prepareDragOut(ctx.main.storage, { accountId, bucket, keys: ['big.bin'] }, root, 1024),
    ).rejects.toThrow(/Use Download/);
    expect(readdirSync(root)).toEqual([]);
  });
});
