import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { undiciAgent } from '../../../src-main/lazy-require';

const requireHere = createRequire(import.meta.url);

describe('undiciAgent: undici’s Agent without its index', () => {
  it('sends a request, and is the same Agent (and request) the index exports', async () => {
    const server = createServer((req, res) => res.end(`${req.method} ${req.url}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const Agent = undiciAgent();
    const agent = new Agent({ connections: 2 });
    try {
      const { port } = server.address() as AddressInfo;
      const res = await agent.request({ origin: `http://127.0.0.1:${port}`, path: '/x?y=1', method: 'GET' });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('GET /x?y=1');
      const undici = requireHere('undici') as typeof import('undici');
      expect(Agent).toBe(undici.Agent);
      expect(agent.request).toBe(undici.Dispatcher.prototype.request);
      expect(undiciAgent()).toBe(Agent);
    } finally {
      await agent.close();
      await new Promise((r) => server.close(r));
    }
  });
});
