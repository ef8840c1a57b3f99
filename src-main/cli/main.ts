import { Command, CommanderError } from 'commander';
import { version } from '../../package.json';
import { AppError } from '../../src-shared/errors';
import { accountsCommand } from './accounts';
import { bucketCommands } from './buckets';
import { bucketGroupCommand } from './bucket-settings';
import { createCliContext, type GlobalFlags } from './context';
import { lsCommand } from './ls';
import { objectCommands } from './objects';
import { transfersCommand } from './transfers';
import { uploadsCommand } from './uploads';
import { permissionCommands } from './permissions';
import { sharingCommands } from './sharing';
import { versionsCommand } from './versions';
import { opsCommand } from './ops';
import { explainFailure } from './resolve';
import { failAndExit, makeOut } from './output';

const wantsJson = process.argv.includes('--json');
const program = new Command('cosdesk')
  .description('cosdesk: Tencent COS and S3-compatible storage from the command line')
  .version(version)
  .option('--json', 'machine-readable output')
  .option('--account <name|id>', 'a saved account (default: COSDESK_ACCOUNT)')
  .option('--endpoint <url>', 'S3 endpoint URL, or COS endpoint template with {bucket} and {region}')
  .option('--service-endpoint <url>', 'COS service endpoint for listing buckets')
  .option('--region <region>', 'region')
  .option('--app-id <appid>', 'COS APPID')
  .option('--path-style', 'S3: address buckets as <endpoint>/<bucket>')
  .option(
    '--data-dir <dir>',
    'where account metadata lives (default: COSDESK_HOME or the user config folder)',
  )
  .option('--no-wait', 'transfers: refuse instead of waiting while another cosdesk transfer runs')
  .option(
    '--proxy <url>',
    'this run only: http://[user:pw@]host:port, socks5://host:port, system or none (default: the settings)',
  )
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const ctx = createCliContext(makeOut(wantsJson), () => {
  const g = program.opts<GlobalFlags>();
  return { ...g, account: g.account ?? (process.env.COSDESK_ACCOUNT || undefined) };
});
program.addCommand(accountsCommand(ctx));
program.addCommand(lsCommand(ctx));
program.addCommand(transfersCommand(ctx));
program.addCommand(uploadsCommand(ctx));
program.addCommand(bucketGroupCommand(ctx));
program.addCommand(versionsCommand(ctx));
program.addCommand(opsCommand(ctx));
for (const c of [
  ...bucketCommands(ctx),
  ...objectCommands(ctx),
  ...permissionCommands(ctx),
  ...sharingCommands(ctx),
])
  program.addCommand(c);
// Every command: usage errors come back here, as one `cosdesk: <reason>` line and exit 2.
const quiet = (c: Command): void => {
  c.exitOverride().configureOutput({
    writeErr: (t) => process.stderr.write(t),
    outputError: () => undefined,
  });
  c.commands.forEach(quiet);
};
quiet(program);

// `cosdesk ls … | head`: a closed pipe ends the listing quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
  // Everything printed reaches the reader first: a pipe may still hold a long --json answer.
  await flushed(process.stdout);
  await flushed(process.stderr);
  // A batch with per-key failures (rm, cp, mv) has set process.exitCode to 1.
  process.exit();
} catch (err) {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) process.exit(0);
    failAndExit(new AppError('VALIDATION', err.message.replace(/^error: /, '')), wantsJson);
  }
  failAndExit(await explainFailure(err), wantsJson);
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}
