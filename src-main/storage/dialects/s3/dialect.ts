import type { S3Fields, SecretPlain } from '../../../../src-shared/contract';
import { s3Target } from '../../endpoints';
import type { Dialect } from '../types';
import { signS3 } from './sign';

export function createS3Dialect(account: S3Fields & { secret: SecretPlain }): Dialect {
  const { accessKeyId, region, secret } = account;
  return {
    kind: 's3',
    headerPrefix: 'x-amz-',
    target: (loc) => s3Target(account, loc),
    sign: ({ method, target, headers, signingTimeMs }) =>
      signS3({
        accessKeyId,
        secretAccessKey: secret.secretKey,
        sessionToken: secret.sessionToken,
        region,
        method,
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: target.encodedPath,
        query: target.query,
        headers,
        signingDate: new Date(signingTimeMs),
      }),
  };
}
