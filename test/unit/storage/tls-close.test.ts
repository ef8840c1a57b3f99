import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// In a child process: NODE_EXTRA_CA_CERTS is read only when a process starts.
describe('small GETs over https', () => {
  it('a server closing after each answer read slowly is no uncaught undici assertion', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', resolve('test/unit/storage/tls-close-child.ts')],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: resolve('test/fixtures/tls/loopback.crt'),
          TLS_CERT: resolve('test/fixtures/tls/loopback.crt'),
          TLS_KEY: resolve('test/fixtures/tls/loopback.key'),
        },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([...Array(5).fill(String(900 * 1024)), 'connections 5']);
  }, 90_000);
});
