// The Graph gateway's retries on the failed request only: a connection reset, a body that stalls past the
// timeout, a 500 — each retried, the page succeeding on the next attempt.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { GraphGateway, staticTokenCredential } from '../../src/graph/gateway.js';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

async function serve(handler: (n: number, res: ServerResponse, req: IncomingMessage) => void): Promise<{ url: string; count: () => number }> {
  let n = 0;
  server = createServer((req, res) => handler(++n, res, req));
  await new Promise<void>((r) => (server as Server).listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, count: () => n };
}

const gateway = (url: string, timeoutMs = 2000) => new GraphGateway({ baseUrl: url, credential: staticTokenCredential('t'), pacing: false, maxConcurrency: 4, timeoutMs, maxRetries: 3, retryDelaySeconds: 0 });

describe('gateway retries', () => {
  it('retries a connection reset', async () => {
    const s = await serve((n, res, req) => {
      if (n === 1) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: [{ id: 'x' }] }));
    });
    expect(await gateway(s.url).all('/users')).toEqual([{ id: 'x' }]);
    expect(s.count()).toBe(2);
  });

  it('retries a body that stalls past the timeout', async () => {
    const s = await serve((n, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"value":[');
      if (n === 1) return void setTimeout(() => res.end('{"id":"late"}]}'), 1500);
      res.end('{"id":"y"}]}');
    });
    expect(await gateway(s.url, 500).all('/users')).toEqual([{ id: 'y' }]);
    expect(s.count()).toBe(2);
  });

  it('retries a 500 on that page only, following nextLinks', async () => {
    const s = await serve((n, res, req) => {
      const page2 = (req.url ?? '').includes('skiptoken');
      if (page2 && n === 2) return void res.writeHead(500).end('boom');
      const body = page2 ? { value: [{ id: 'b' }] } : { value: [{ id: 'a' }], '@odata.nextLink': `http://${req.headers.host}/v1.0/users?$skiptoken=2` };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    expect(await gateway(s.url).all('/users')).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(s.count()).toBe(3);
  });

  it('refuses to follow a nextLink to another host (it would carry the token)', async () => {
    const s = await serve((_n, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: [], '@odata.nextLink': 'https://evil.example/v1.0/users?$skiptoken=1' }));
    });
    await expect(gateway(s.url).all('/users')).rejects.toThrow(/refusing to follow a link to https:\/\/evil\.example/);
  });
});
