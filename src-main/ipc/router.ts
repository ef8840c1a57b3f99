import { lookupCall, type Services } from '../../src-shared/contract';
import { AppError, type Envelope } from '../../src-shared/errors';
import type { Logger } from '../log';

export interface Router {
  /** Validate `payload` against the contract, run the service method, validate its answer. */
  call(method: string, payload: unknown): Promise<Envelope<unknown>>;
}

export function createRouter(services: Services, log: Logger): Router {
  return {
    async call(method, payload) {
      const def = lookupCall(method);
      if (!def) {
        return fail(
          new AppError('UNKNOWN_METHOD', `There is no call named "${String(method).slice(0, 80)}".`),
        );
      }
      // A call made with no argument arrives as undefined; null and everything else is validated.
      const parsed = def.request.safeParse(payload === undefined ? {} : payload);
      if (!parsed.success) {
        return fail(
          new AppError('VALIDATION', `Invalid request for ${method}: ${summarize(parsed.error.issues)}`, {
            issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
          }),
        );
      }
      const [svc, name] = splitMethod(method);
      const impl = (services as unknown as Record<string, Record<string, (r: unknown) => Promise<unknown>>>)[
        svc
      ][name];
      try {
        const value = def.response.parse(await impl.call(services[svc as keyof Services], parsed.data));
        return { ok: true, value };
      } catch (err) {
        if (err instanceof AppError) return fail(err);
        // Unexpected: log the message only (never the payload, which may hold a sealed secret).
        log.error(`${method} failed: ${err instanceof Error ? err.message : String(err)}`);
        return fail(
          new AppError('INTERNAL', 'Something went wrong inside cosdesk. The details are in the log.'),
        );
      }
    },
  };
}

function fail(err: AppError): Envelope<never> {
  return { ok: false, error: err.toPayload() };
}

function splitMethod(method: string): [string, string] {
  const dot = method.indexOf('.');
  return [method.slice(0, dot), method.slice(dot + 1)];
}

function summarize(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}
