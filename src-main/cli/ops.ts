import { Command } from 'commander';
import { AppError } from '../../src-shared/errors';
import type { CliContext } from './context';
import { table } from './output';

/**
 * `cosdesk ops interrupted | resume <id> | dismiss <id>`: bulk operations (rm -r, cp -r, mv of a
 * folder, the app's copy/move/delete) that a crash or kill -9 cut short, from the data dir's
 * operations journal.
 */
export function opsCommand(ctx: CliContext): Command {
  const cmd = new Command('ops').description(
    'bulk operations cut short by a crash: list, run the rest, forget',
  );

  cmd
    .command('interrupted')
    .description('list operations a previous run did not finish ("interrupted: N of M done")')
    .action(async () => {
      const { main } = await ctx.main();
      const cut = await main.operations.interrupted();
      const human =
        cut.length === 0
          ? 'No interrupted operations.'
          : table([
              ['ID', 'KIND', 'BUCKET', 'STATE', 'STARTED'],
              ...cut.map((e) => [e.id, e.kind, e.bucket, e.summary, e.startedAt]),
            ]) + '\nRun the rest with: cosdesk ops resume <id>   (or forget it: cosdesk ops dismiss <id>)';
      ctx.out.print(human, { interrupted: cut });
    });

  cmd
    .command('resume')
    .description('run the rest of an interrupted operation (the same request again: what is left)')
    .argument('<id>')
    .action(async (id: string) => {
      const { main } = await ctx.main();
      const v = await main.operations.resume(id);
      ctx.out.print(
        `${v.kind}: ${v.done.toLocaleString('en')} of ${v.total.toLocaleString('en')} done, ${v.failed} failed (${v.state}).`,
        v,
      );
      if (v.state === 'failed' || v.failed > 0) process.exitCode = 1;
    });

  cmd
    .command('dismiss')
    .description('forget an interrupted operation without running it')
    .argument('<id>')
    .action(async (id: string) => {
      const { main } = await ctx.main();
      const { dismissed } = await main.operations.dismissInterrupted({ id });
      if (!dismissed)
        throw new AppError(
          'NOT_FOUND',
          `No interrupted operation "${id}" is known: it may have been resumed.`,
        );
      ctx.out.print(`Forgot the interrupted operation ${id}.`, { ok: true, id });
    });
  return cmd;
}
