import { accountFields, secretPlain } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { ResolvedAccount } from '../accounts/types';

export interface ConnectionFlags {
  endpoint?: string;
  serviceEndpoint?: string;
  region?: string;
  pathStyle?: boolean;
  appId?: string;
}

/**
 * An account that exists only for this command, from flags and COSDESK_* variables, so
 * scripts and CI can run cosdesk without a keychain or a stored account.
 */
export function adHocAccount(
  dialect: 'cos' | 's3',
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedAccount {
  const keyId = env.COSDESK_SECRET_ID;
  const secretKey = env.COSDESK_SECRET_KEY;
  if (!keyId || !secretKey) {
    throw new AppError(
      'VALIDATION',
      'No account given: pass --account <name>, or set COSDESK_SECRET_ID and COSDESK_SECRET_KEY (and COSDESK_TOKEN for a temporary key).',
    );
  }
  const raw =
    dialect === 's3'
      ? {
          kind: 's3',
          name: 'command line',
          endpoint: flags.endpoint,
          region: flags.region ?? 'us-east-1',
          accessKeyId: keyId,
          pathStyle: flags.pathStyle ?? false,
        }
      : {
          kind: 'cos',
          name: 'command line',
          secretId: keyId,
          region: flags.region ?? 'ap-guangzhou',
          appId: flags.appId,
          endpointTemplate: flags.endpoint,
          serviceEndpoint: flags.serviceEndpoint,
        };
  if (dialect === 's3' && !flags.endpoint) {
    throw new AppError('VALIDATION', 'An s3:// target without a stored account needs --endpoint <url>.');
  }
  const fields = accountFields.safeParse(raw);
  if (!fields.success) {
    throw new AppError(
      'VALIDATION',
      fields.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const secret = secretPlain.parse({ secretKey, sessionToken: env.COSDESK_TOKEN || undefined });
  return { ...fields.data, secret };
}
