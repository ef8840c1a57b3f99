import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../storage/helpers';
import { failure, storageStack, type Stack } from '../storage/stack';
import { curl, makeBucket, sleep, tamper } from './helpers';

// Issue 6 acceptance: links the app makes work with curl within their validity, and get 403
// after expiry and when any character of the signature, the key id or the expiry is changed.
describe.each(DIALECTS)('pre-signed links (%s)', (dialect) => {
  let s: Stack;
  let bucket: string;
  const body = 'hello, shared world';
  const key = 'docs/报告 (final)+v1.txt';

  beforeAll(async () => {
    s = await storageStack(dialect);
    bucket = await makeBucket(s);
    await s.storage.putObject({ accountId: s.id, bucket, key }, body);
  });
  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  const sigParam = () => (dialect === 'cos' ? 'q-signature' : 'X-Amz-Signature');
  const keyParam = () => (dialect === 'cos' ? 'q-ak' : 'X-Amz-Credential');
  const expiryParam = () => (dialect === 'cos' ? 'q-key-time' : 'X-Amz-Expires');

  it('GET works with curl, and any changed character of signature, key id or expiry gets 403', async () => {
    const r = await s.bridge.sharing.presign({ accountId: s.id, bucket, keys: [key], expiresSeconds: 600 });
    expect(r.seconds).toBe(600);
    expect(r.capped).toBeUndefined();
    expect(Date.parse(r.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    const url = r.links[0].url;
    expect(r.links[0].publicReason).toBeUndefined();
    expect(await curl(url)).toEqual({ status: 200, body });
    // The key id is all of q-ak, and the part of X-Amz-Credential before the first slash.
    const keyEnd = dialect === 'cos' ? 'last' : s.env.ak.length - 1;
    const cases: Array<[string, 'first' | 'last' | number]> = [
      [sigParam(), 'first'],
      [sigParam(), 'last'],
      [keyParam(), 'first'],
      [keyParam(), keyEnd],
      [expiryParam(), 'first'],
      [expiryParam(), 'last'],
    ];
    for (const [name, at] of cases) {
      const bad = tamper(url, name, at);
      expect(bad).not.toBe(url);
      expect((await curl(bad)).status, `${name} changed at ${at}`).toBe(403);
    }
  });

  it('PUT with a fixed Content-Type uploads; another type or a changed signature gets 403', async () => {
    const r = await s.bridge.sharing.presign({
      accountId: s.id,
      bucket,
      keys: ['up/new.json'],
      method: 'PUT',
      contentType: 'application/json',
      expiresSeconds: 600,
    });
    const url = r.links[0].url;
    const put = await curl(url, {
      method: 'PUT',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(put.status).toBe(200);
    const props = await s.bridge.storage.headObject({ accountId: s.id, bucket, key: 'up/new.json' });
    expect(props.size).toBe(7);
    expect(props.contentType).toBe('application/json');
    const wrongType = await curl(url, {
      method: 'PUT',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(403);
    const tampered = await curl(tamper(url, sigParam()), {
      method: 'PUT',
      body: 'x',
      headers: { 'content-type': 'application/json' },
    });
    expect(tampered.status).toBe(403);
  });

  it('GET and PUT links stop working when they expire', async () => {
    const get = await s.bridge.sharing.presign({ accountId: s.id, bucket, keys: [key], expiresSeconds: 2 });
    const put = await s.bridge.sharing.presign({
      accountId: s.id,
      bucket,
      keys: ['up/late.txt'],
      method: 'PUT',
      expiresSeconds: 2,
    });
    expect((await curl(get.links[0].url)).status).toBe(200);
    await sleep(3500);
    expect((await curl(get.links[0].url)).status).toBe(403);
    expect((await curl(put.links[0].url, { method: 'PUT', body: 'late' })).status).toBe(403);
  });

  it('forces a download name with a signed response-content-disposition', async () => {
    const r = await s.bridge.sharing.presign({
      accountId: s.id,
      bucket,
      keys: [key],
      expiresSeconds: 600,
      downloadName: 'Q3 report.txt',
    });
    // curl runs asynchronously: the COS gateway answers from this very process.
    const out = await curl(r.links[0].url, { dumpHeaders: true });
    expect(out.status).toBe(200);
    expect(out.headers?.toLowerCase()).toContain(
      "content-disposition: attachment; filename*=utf-8''q3%20report.txt",
    );
  });

  it('gives the plain URL for a public-read object and says why', async () => {
    const pubKey = 'public/readme.txt';
    await s.storage.putObject({ accountId: s.id, bucket, key: pubKey }, 'public!');
    const client = (await import('../../../src-main/storage/client')).createStorageClient(
      s.account(s.env.ak, s.env.sk),
    );
    try {
      const prefix = dialect === 'cos' ? 'x-cos-' : 'x-amz-';
      await (
        await client.request({
          method: 'PUT',
          bucket,
          key: pubKey,
          query: { acl: '' },
          headers: { [`${prefix}acl`]: 'public-read' },
        })
      ).body.dump();
    } finally {
      await client.close();
    }
    const r = await s.bridge.sharing.presign({
      accountId: s.id,
      bucket,
      keys: [pubKey, key],
      expiresSeconds: 600,
    });
    expect(r.publicCheck).toBe('done');
    const [pub, priv] = r.links;
    expect(pub.publicReason).toBe('object-acl');
    expect(pub.url).not.toContain('?');
    expect(await curl(pub.url)).toEqual({ status: 200, body: 'public!' });
    expect(priv.publicReason).toBeUndefined();
    expect((await curl(priv.url.split('?')[0])).status).toBe(403);
  });

  it('caps S3 links at 7 days and says so; COS permanent keys are not capped', async () => {
    const week = 7 * 86_400;
    const r = await s.bridge.sharing.presign({
      accountId: s.id,
      bucket,
      keys: [key],
      expiresSeconds: 30 * 86_400,
    });
    if (dialect === 's3') {
      expect(r.capped).toEqual({ reason: 's3-max', maxSeconds: week });
      expect(r.seconds).toBe(week);
    } else {
      expect(r.capped).toBeUndefined();
      expect(r.seconds).toBe(30 * 86_400);
    }
    expect((await curl(r.links[0].url)).status).toBe(200);
    const limits = await s.bridge.sharing.limits({ accountId: s.id });
    expect(limits.maxSeconds).toBe(dialect === 's3' ? week : undefined);
  });

  it('logs every link without secrets, re-issues and clears', async () => {
    await s.bridge.sharing.clearLinks({});
    const r = await s.bridge.sharing.presign({
      accountId: s.id,
      bucket,
      keys: [key, 'up/new.json'],
      expiresSeconds: 900,
    });
    const { entries } = await s.bridge.sharing.listLinks({});
    expect(entries).toHaveLength(2);
    const e = entries.find((x) => x.key === key)!;
    expect(e).toMatchObject({
      accountId: s.id,
      bucket,
      method: 'GET',
      expiresAt: r.expiresAt,
      url: r.links[0].url,
    });
    expect(e.keyIdMasked).toContain('…');
    const file = await import('node:fs/promises').then((fs) => fs.readFile(s.main.sharing.log.path, 'utf8'));
    expect(file).not.toContain(s.env.sk);
    const again = await s.bridge.sharing.reissue({ id: e.id, expiresSeconds: 60 });
    expect(again.seconds).toBe(60);
    expect((await curl(again.links[0].url)).status).toBe(200);
    expect((await s.bridge.sharing.listLinks({})).entries).toHaveLength(3);
    expect((await s.bridge.sharing.clearLinks({})).removed).toBe(3);
    expect((await s.bridge.sharing.listLinks({})).entries).toHaveLength(0);
  });

  it('checks a pasted link: works, then not once tampered', async () => {
    const r = await s.bridge.sharing.presign({
      accountId: s.id,
      bucket,
      keys: [key],
      expiresSeconds: 600,
      log: false,
    });
    expect(await s.bridge.sharing.checkLink({ url: r.links[0].url })).toMatchObject({ ok: true });
    const bad = await s.bridge.sharing.checkLink({ url: tamper(r.links[0].url, sigParam()) });
    expect(bad).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses options that do not fit the method', async () => {
    const e = await failure(
      s.bridge.sharing.presign({
        accountId: s.id,
        bucket,
        keys: [key],
        expiresSeconds: 60,
        contentType: 'text/plain',
      }),
    );
    expect(e.code).toBe('VALIDATION');
  });
});
