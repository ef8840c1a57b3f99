/**
 * The official cos-nodejs-sdk-v5 sets and reads bucket versioning, CORS, lifecycle, static
 * website and logging through the COS gateway, and gets COS's answers (and refusals).
 */
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CosGateway } from '../cos-gateway/server';
import { REGION, destroyBucket, rejection, rgwEnv, sdk, startGateway, uniqueBucket } from './helpers';

let gw: CosGateway;
let cos: COS;
let cos2: COS;
let Bucket: string;
const Region = REGION;

beforeAll(async () => {
  const env = rgwEnv();
  gw = await startGateway(env);
  cos = sdk(gw, env.ak, env.sk);
  cos2 = sdk(gw, env.ak2, env.sk2);
  Bucket = uniqueBucket('conf-cfg');
  await cos.putBucket({ Bucket, Region });
});

afterAll(async () => {
  if (cos && Bucket) await destroyBucket(cos, Bucket);
  await gw?.close();
});

describe('bucket configuration through the official SDK', () => {
  it('website: none (NoSuchWebsiteConfiguration), put, get, delete; https-only redirect', async () => {
    expect((await cos.getBucketWebsite({ Bucket, Region })).WebsiteConfiguration).toEqual({});
    await cos.putBucketWebsite({
      Bucket,
      Region,
      WebsiteConfiguration: {
        IndexDocument: { Suffix: 'index.html' },
        ErrorDocument: { Key: 'error.html' },
        RedirectAllRequestsTo: { Protocol: 'https' },
      },
    });
    const got = await cos.getBucketWebsite({ Bucket, Region });
    expect(got.WebsiteConfiguration).toMatchObject({
      IndexDocument: { Suffix: 'index.html' },
      ErrorDocument: { Key: 'error.html' },
      RedirectAllRequestsTo: { Protocol: 'https' },
    });
    const http = await rejection(
      cos.putBucketWebsite({
        Bucket,
        Region,
        WebsiteConfiguration: {
          IndexDocument: { Suffix: 'index.html' },
          RedirectAllRequestsTo: { Protocol: 'http' },
        },
      }),
    );
    expect(http).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    expect((await cos.deleteBucketWebsite({ Bucket, Region })).statusCode).toBe(204);
    expect((await cos.getBucketWebsite({ Bucket, Region })).WebsiteConfiguration).toEqual({});
  });

  it('logging: off, on (target in the same account and region), off; a missing target is refused', async () => {
    expect((await cos.getBucketLogging({ Bucket, Region })).BucketLoggingStatus).toBe('');
    await cos.putBucketLogging({
      Bucket,
      Region,
      BucketLoggingStatus: { LoggingEnabled: { TargetBucket: Bucket, TargetPrefix: 'logs/' } },
    });
    expect((await cos.getBucketLogging({ Bucket, Region })).BucketLoggingStatus).toEqual({
      LoggingEnabled: { TargetBucket: Bucket, TargetPrefix: 'logs/' },
    });
    const missing = await rejection(
      cos.putBucketLogging({
        Bucket,
        Region,
        BucketLoggingStatus: {
          LoggingEnabled: { TargetBucket: uniqueBucket('nobody'), TargetPrefix: 'logs/' },
        },
      }),
    );
    expect(missing).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    await cos.putBucketLogging({ Bucket, Region, BucketLoggingStatus: {} as never });
    expect((await cos.getBucketLogging({ Bucket, Region })).BucketLoggingStatus).toBe('');
  });

  it('only who may configure the bucket reads its website and logging', async () => {
    const e = await rejection(cos2.getBucketLogging({ Bucket, Region }));
    expect(e).toMatchObject({ statusCode: 403, code: 'AccessDenied' });
  });

  it('versioning, CORS and lifecycle round trips', async () => {
    await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Enabled' } });
    expect((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration.Status).toBe(
      'Enabled',
    );
    await cos.putBucketCors({
      Bucket,
      Region,
      CORSRules: [
        {
          AllowedOrigins: ['https://a.example'],
          AllowedMethods: ['GET'],
          AllowedHeaders: ['*'],
          MaxAgeSeconds: '60',
        },
      ],
    } as never);
    const cors = await cos.getBucketCors({ Bucket, Region });
    expect(cors.CORSRules[0]).toMatchObject({
      AllowedOrigins: ['https://a.example'],
      AllowedMethods: ['GET'],
    });
    await cos.putBucketLifecycle({
      Bucket,
      Region,
      Rules: [{ ID: 'r', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: '1' } }],
    } as never);
    const life = await cos.getBucketLifecycle({ Bucket, Region });
    expect(life.Rules[0]).toMatchObject({ ID: 'r', Status: 'Enabled' });
    await cos.deleteBucketCors({ Bucket, Region });
    await cos.deleteBucketLifecycle({ Bucket, Region });
    await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Suspended' } });
  });
});
