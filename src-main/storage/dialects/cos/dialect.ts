import type { CosFields, SecretPlain } from '../../../../src-shared/contract';
import { cosTarget } from '../../endpoints';
import type { Dialect } from '../types';
import { buildKeyTime, signCos } from './sign';

export function createCosDialect(account: CosFields & { secret: SecretPlain }): Dialect {
  const { secretId, secret } = account;
  return {
    kind: 'cos',
    headerPrefix: 'x-cos-',
    region: account.region,
    target: (loc) => cosTarget(account, loc),
    async sign({ method, target, headers, signingTimeMs }) {
      const out = { ...headers };
      // Signed like the Python SDK does (the header contains x-cos-); COS accepts both.
      if (secret.sessionToken) out['x-cos-security-token'] = secret.sessionToken;
      out['authorization'] = signCos({
        secretId,
        secretKey: secret.secretKey,
        method,
        pathname: target.pathname,
        query: target.query,
        headers: out,
        keyTime: buildKeyTime({ nowMs: signingTimeMs }),
      });
      return out;
    },
  };
}
