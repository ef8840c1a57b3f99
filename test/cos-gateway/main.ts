/**
 * CLI entry: `npm run cos-gateway`.
 * Env: S3_ENDPOINT, AK, SK, AK2, SK2 (as test/backend/rgw.sh writes them), ROLE_ARN (for STS),
 * COS_GATEWAY_PORT (default 7481), COS_GATEWAY_DATA (sidecar dir; default a temp dir),
 * COS_GATEWAY_LOG=1 (one line per request on stderr), COS_GATEWAY_USER2_ROOT=<uin> (tester2 is
 * then the sub-account 100000000022 of that root account instead of the root account 100000000002).
 */
import { startCosGateway, type GatewayUser } from './server';

const env = process.env;
const need = (name: string): string => {
  const v = env[name];
  if (!v) {
    process.stderr.write(
      `cos-gateway: ${name} is not set (source the RGW env file: set -a; . <dir>/env; set +a)\n`,
    );
    process.exit(2);
  }
  return v;
};

const users: GatewayUser[] = [
  { secretId: need('AK'), secretKey: need('SK'), uin: '100000000001', rgwUser: 'tester' },
];
if (env.AK2 && env.SK2)
  users.push(
    env.COS_GATEWAY_USER2_ROOT
      ? {
          secretId: env.AK2,
          secretKey: env.SK2,
          uin: '100000000022',
          rootUin: env.COS_GATEWAY_USER2_ROOT,
          rgwUser: 'tester2',
        }
      : { secretId: env.AK2, secretKey: env.SK2, uin: '100000000002', rgwUser: 'tester2' },
  );

const gw = await startCosGateway({
  port: Number(env.COS_GATEWAY_PORT ?? 7481),
  s3Endpoint: need('S3_ENDPOINT'),
  users,
  roleArn: env.ROLE_ARN,
  dataDir: env.COS_GATEWAY_DATA || undefined,
  log: env.COS_GATEWAY_LOG === '1',
});
process.stdout.write(
  `cos-gateway listening on ${gw.url} (APPID ${gw.appId}, data ${gw.dataDir})\n` +
    `  bucket host: <name>-${gw.appId}.cos.<region>.localhost:${gw.port}   service host: service.cos.localhost:${gw.port}\n`,
);
const stop = () => {
  void gw.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
