import type { StorageClientOptions } from './client';

/**
 * Request timeout and attempts from the environment, for the headless modes and tests:
 * COSDESK_TIMEOUT_MS (the connect timeout and the longest silence allowed: a transfer that keeps
 * moving never times out, however slow) and COSDESK_MAX_ATTEMPTS.
 */
export function storageOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StorageClientOptions {
  const out: StorageClientOptions = {};
  const timeout = Number(env.COSDESK_TIMEOUT_MS);
  if (Number.isFinite(timeout) && timeout > 0) out.timeoutMs = timeout;
  const attempts = Number(env.COSDESK_MAX_ATTEMPTS);
  if (Number.isInteger(attempts) && attempts >= 1) out.maxAttempts = attempts;
  return out;
}
