/** A small logger. Callers pass messages, never request payloads: those may carry sealed secrets. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(
  scope: string,
  out: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Logger {
  const line = (level: string, msg: string) => out(`${new Date().toISOString()} ${level} [${scope}] ${msg}`);
  return {
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
