import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../paths';
import { createLogger } from '../log';
import { createMain } from '../services';
import { previewSources } from '../security/csp';
import { startWebServer } from './server';

const log = createLogger('web');

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'download-dir': { type: 'string' } },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a number from 0 to 65535, not "${values.port}"`);
  }
  const main = await createMain({
    mode: 'web',
    dataDir: values['data-dir'] ?? defaultDataDir(),
    downloadDir: values['download-dir'],
    log,
  });
  const staticDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
  const server = await startWebServer({
    router: main.router,
    hub: main.hub,
    staticDir,
    port,
    log,
    receiveUpload: (t, i, body) => main.transfers.receive(t, i, body),
    previewSources: async () => previewSources(await main.accounts.list()),
  });
  process.stdout.write(
    `cosdesk web mode is running. Open this address (it holds a one-time token):\n${server.url}\n`,
  );
  const stop = () => {
    void server
      .close()
      .then(() => main.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

run().catch((err: unknown) => {
  process.stderr.write(`cosdesk web: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
