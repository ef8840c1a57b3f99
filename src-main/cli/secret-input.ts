import { AppError } from '../../src-shared/errors';

/** Read a secret without echo on a terminal, or the whole of stdin when piped. */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!text) throw new AppError('VALIDATION', 'No secret key: set COSDESK_SECRET_KEY or pipe it on stdin.');
    return text;
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          return value ? resolve(value) : reject(new AppError('VALIDATION', 'No secret key entered.'));
        }
        if (ch === '\u0003') {
          done();
          return reject(new AppError('VALIDATION', 'Cancelled.'));
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
