import { lookup as dnsLookup } from 'node:dns';
import type { LinkCheckResult } from '../../src-shared/contract';
import { localhostAwareLookup } from '../storage/endpoints';
import { oneShotDispatcher } from '../storage/http';
import { codeForStatus, lowLevelCode } from '../storage/errors';
import { text, parseXml } from '../storage/xml';

/**
 * Does a pasted link still work? A HEAD cannot tell: the method is part of the signature, so a
 * download link answers 403 to HEAD. Instead ask for its first byte (`Range` is not signed) and
 * read nothing more. A PUT link cannot be checked without uploading, and is not.
 */
export async function checkLink(url: string, timeoutMs = 10_000): Promise<LinkCheckResult> {
  const checkedAt = new Date().toISOString();
  const u = new URL(url);
  // Through the proxy setting, like every request of main.
  const agent = await oneShotDispatcher(u.origin, {
    connect: { timeout: timeoutMs, lookup: localhostAwareLookup(dnsLookup as never) as never },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  try {
    const res = await agent.request({
      origin: u.origin,
      path: u.pathname + u.search,
      method: 'GET',
      headers: { range: 'bytes=0-0', 'user-agent': 'cosdesk/0.1 link-check' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    let code: string | undefined;
    if (!ok) {
      const body = await res.body.text().catch(() => '');
      try {
        code = text(parseXml(body)['Error'], 'Code') || undefined;
      } catch {
        code = undefined;
      }
      code ??= codeForStatus(res.statusCode);
    } else {
      await res.body.dump();
    }
    return { status: res.statusCode, ok, code, checkedAt };
  } catch (e) {
    return { status: 0, ok: false, code: lowLevelCode(e) ?? 'NETWORK', checkedAt };
  } finally {
    await agent.close().catch(() => undefined);
  }
}
