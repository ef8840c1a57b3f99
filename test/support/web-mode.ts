import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface WebMode {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Start the built web mode (`node out/main/web.js`) and wait for the URL it prints. */
export function startWebMode(env: Record<string, string>): Promise<WebMode> {
  const child = spawn(process.execPath, [resolve('out/main/web.js'), '--port', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  return new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`web mode printed no URL in 20 s:\n${out}\n${err}`)),
      20_000,
    );
    child.on('exit', (code) => fail(new Error(`web mode exited (${code}):\n${err}`)));
    child.stdout.on('data', (c) => {
      out += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({
          url: m[1],
          process: child,
          stop: () =>
            new Promise((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
