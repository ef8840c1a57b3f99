import { Command, CommanderError } from 'commander';
import { version } from '../../package.json';
import { AppError } from '../../src-shared/errors';
import { accountsCommand } from './accounts';
import { createCliContext, type GlobalFlags } from './context';
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
  .option('--data-dir <dir>', 'where account metadata lives (default: COSDESK_HOME or the user config folder)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const ctx = createCliContext(makeOut(wantsJson), () => {
  const g = program.opts<GlobalFlags>();
  return { ...g, account: g.account ?? (process.env.COSDESK_ACCOUNT || undefined) };
});
program.addCommand(accountsCommand(ctx));

try {
  await program.parseAsync(process.argv);
  process.exit(0);
} catch (err) {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) process.exit(0);
    failAndExit(new AppError('VALIDATION', err.message.replace(/^error: /, '')), wantsJson);
  }
  failAndExit(err, wantsJson);
}
