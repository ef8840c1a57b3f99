/**
 * A mixed transfer queue in a process of its own, for the kill -9 runs: the same composition
 * root and data folder ($COSDESK_HOME) as the CLI, so `cosdesk transfers resume` carries on with
 * what it journaled. It uploads the folder $SRC to $BUCKET/$UP_PREFIX and downloads the folder
 * $DOWN_PREFIX into $DST (both through the saved account "rel"), then waits for the queue.
 */
import { silentLogger } from '../../src-main/log';
import { createMain } from '../../src-main/services';

const env = process.env as Record<string, string>;
const main = await createMain({ mode: 'cli', dataDir: env.COSDESK_HOME, log: silentLogger });
const account = (await main.accounts.list()).find((a) => a.name === 'rel');
if (!account) throw new Error('no account "rel" in COSDESK_HOME');
const engine = await main.transfersHere().engine();
engine.setPartSize(5 * 1024 * 1024);
await main.transfersHere().upload({
  accountId: account.id,
  bucket: env.BUCKET,
  paths: [env.SRC],
  prefix: env.UP_PREFIX,
  onConflict: 'overwrite',
});
await main.transfers.download({
  accountId: account.id,
  bucket: env.BUCKET,
  keys: [env.DOWN_PREFIX],
  prefix: env.DOWN_PREFIX,
  localDir: env.DST,
  onConflict: 'overwrite',
});
await main.transfers.idle();
process.stdout.write(JSON.stringify(engine.summary()) + '\n');
await main.close();
process.exit(0);
