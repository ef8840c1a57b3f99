import { Command } from 'commander';
import { accountFields, type AccountView, type ConnectionTestResult } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import { testConnection } from '../storage/test-connection';
import { adHocAccount } from './adhoc';
import type { CliContext } from './context';
import { table } from './output';
import { inferDialect } from './resolve';
import { readSecret } from './secret-input';
import { isTarget, parseTarget } from './target';

export function accountsCommand(ctx: CliContext): Command {
  const cmd = new Command('accounts')
    .description('manage saved accounts (secrets live in the OS keychain)')
    .exitOverride();

  cmd
    .command('list')
    .description('list saved accounts')
    .action(async () => {
      const { bridge } = await ctx.main();
      const accounts = await bridge.accounts.list({});
      const rows = [['ID', 'NAME', 'KIND', 'KEY ID', 'REGION', 'ENDPOINT', 'SECRET']].concat(
        accounts.map((a) => [a.id, a.name, a.kind, a.keyIdMasked, a.region, endpointOf(a), a.secretStorage]),
      );
      ctx.out.print(accounts.length ? table(rows) : 'No accounts yet. Add one with `cosdesk accounts add`.', {
        ok: true,
        accounts,
      });
    });

  cmd
    .command('add')
    .description('save an account; the secret key comes from COSDESK_SECRET_KEY, stdin, or a prompt')
    .requiredOption('--kind <kind>', 'cos or s3')
    .requiredOption('--name <name>', 'a name to recognise the account by')
    .option('--secret-id <id>', 'SecretId / access key id (default: COSDESK_SECRET_ID)')
    .option('--app-id <appid>', 'COS APPID')
    .option('--token-expires <iso>', 'expiry of COSDESK_TOKEN, as an ISO date-time')
    .option('--session-only', 'keep the secret in memory for this command only (no keychain)')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const g = ctx.globals();
      const keyId = (o.secretId as string | undefined) ?? process.env.COSDESK_SECRET_ID;
      if (!keyId) throw new AppError('VALIDATION', 'Give the key id with --secret-id or COSDESK_SECRET_ID.');
      const fields = accountFields.safeParse(
        o.kind === 's3'
          ? {
              kind: 's3',
              name: o.name,
              endpoint: g.endpoint,
              region: g.region ?? 'us-east-1',
              accessKeyId: keyId,
              pathStyle: g.pathStyle ?? false,
              tokenExpiresAt: o.tokenExpires,
            }
          : {
              kind: o.kind,
              name: o.name,
              secretId: keyId,
              appId: o.appId,
              region: g.region ?? 'ap-guangzhou',
              endpointTemplate: g.endpoint,
              serviceEndpoint: g.serviceEndpoint,
              tokenExpiresAt: o.tokenExpires,
            },
      );
      if (!fields.success) {
        throw new AppError(
          'VALIDATION',
          fields.error.issues.map((i) => `${i.path.join('.') || 'kind'}: ${i.message}`).join('; '),
        );
      }
      const secretKey = process.env.COSDESK_SECRET_KEY || (await readSecret('Secret key: '));
      const { bridge, main } = await ctx.main();
      const secret = await main.sealer.seal({
        secretKey,
        sessionToken: process.env.COSDESK_TOKEN || undefined,
      });
      const view = await bridge.accounts.add({
        fields: fields.data,
        secret,
        sessionOnly: o.sessionOnly === true,
      });
      ctx.out.print(
        `Added ${view.kind} account "${view.name}" (${view.id}); secret kept in the ${view.secretStorage}.`,
        {
          ok: true,
          account: view,
        },
      );
    });

  cmd
    .command('remove <account>')
    .description('remove a saved account and its keychain entry (by id or name)')
    .action(async (ref: string) => {
      const { bridge, main } = await ctx.main();
      const { id } = await main.accounts.resolveRef(ref);
      const { removed } = await bridge.accounts.remove({ id });
      ctx.out.print(`Removed account ${ref}.`, { ok: removed, id });
    });

  cmd
    .command('test [account]')
    .description(
      'check that an account (id, name, or cos:// / s3:// with COSDESK_* variables) can reach its storage',
    )
    .action(async (ref: string | undefined) => {
      const g = ctx.globals();
      let result: ConnectionTestResult;
      const account = ref && !isTarget(ref) ? ref : g.account;
      if (account) {
        const { bridge, main } = await ctx.main();
        result = await bridge.accounts.test({ id: (await main.accounts.resolveRef(account)).id });
      } else {
        const dialect = ref ? parseTarget(ref).dialect : inferDialect(g);
        result = await testConnection(adHocAccount(dialect, g));
      }
      if (!result.ok) throw new AppError('STORAGE', result.message, { storageCode: result.code });
      ctx.out.print(
        `Connection OK: ${result.bucketCount ?? 0} bucket(s), ${Math.round(result.latencyMs)} ms.`,
        result,
      );
    });

  return cmd;
}

function endpointOf(a: AccountView): string {
  if (a.kind === 's3') return a.endpoint + (a.pathStyle ? ' (path-style)' : '');
  return a.endpointTemplate ?? 'myqcloud.com';
}
