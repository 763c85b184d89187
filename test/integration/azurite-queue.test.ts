// Azurite's queue service beside the table service (issue 20): both in the embedded storage's connection string,
// in process and in a child process, in memory and persisted under the data directory, shared through endpoint.json.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableServiceClient } from '@azure/data-tables';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedAzurite, startAzurite } from '../../devkit/emulators/azurite.js';

const dirs: string[] = [];
const running: EmbeddedAzurite[] = [];
afterAll(async () => {
  for (const a of running.splice(0).reverse()) await a.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
async function start(options: Parameters<typeof startAzurite>[0]): Promise<EmbeddedAzurite> {
  const a = await startAzurite(options);
  running.push(a);
  return a;
}

/** The queue endpoint named by the connection string (the SDK reads the same key). */
function queueEndpoint(connectionString: string): string {
  accountKey = /(?:^|;)AccountKey=([^;]+)/.exec(connectionString)?.[1] ?? '';
  const m = /(?:^|;)QueueEndpoint=([^;]+)/.exec(connectionString);
  if (!m?.[1]) throw new Error(`no QueueEndpoint in ${connectionString}`);
  return m[1];
}

/**
 * A request to Azure Queue Storage's REST API signed with the account key the connection string names
 * (Shared Key Lite: Azurite, like Azure, refuses anonymous queue requests with 403).
 */
let accountKey = '';
async function queueFetch(url: string, init: { method?: string; body?: string } = {}): Promise<Response> {
  const method = init.method ?? 'GET';
  const contentType = init.body === undefined ? '' : 'application/xml';
  const headers: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': '2025-11-05' };
  const canonicalHeaders = Object.keys(headers).sort().map((k) => `${k}:${headers[k]}\n`).join('');
  const u = new URL(url);
  const comp = u.searchParams.get('comp');
  const resource = `/devstoreaccount1${u.pathname}${comp === null ? '' : `?comp=${comp}`}`;
  const toSign = `${method}\n\n${contentType}\n\n${canonicalHeaders}${resource}`;
  const signature = createHmac('sha256', Buffer.from(accountKey, 'base64')).update(toSign, 'utf8').digest('base64');
  return fetch(url, { method, body: init.body, headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}), authorization: `SharedKeyLite devstoreaccount1:${signature}` } });
}

/** Create a queue, put a message and get it back over Azure Queue Storage's REST API. */
async function roundTrip(endpoint: string, queue: string, text: string): Promise<string> {
  const created = await queueFetch(`${endpoint}/${queue}`, { method: 'PUT' });
  expect(created.status).toBe(201);
  await put(endpoint, queue, text);
  return (await getOne(endpoint, queue)) ?? '';
}

async function put(endpoint: string, queue: string, text: string): Promise<void> {
  const res = await queueFetch(`${endpoint}/${queue}/messages`, { method: 'POST', body: `<QueueMessage><MessageText>${text}</MessageText></QueueMessage>` });
  expect(res.status).toBe(201);
}

async function getOne(endpoint: string, queue: string): Promise<string | undefined> {
  const res = await queueFetch(`${endpoint}/${queue}/messages?numofmessages=1&visibilitytimeout=30`);
  expect(res.status).toBe(200);
  return /<MessageText>([^<]*)<\/MessageText>/.exec(await res.text())?.[1];
}

describe('embedded Azurite: the queue service', () => {
  it('runs in process on its own OS-chosen port, named by QueueEndpoint beside TableEndpoint', async () => {
    const a = await start({ dataDir: null });
    expect(a.queuePort).toBeGreaterThan(0);
    expect(a.queuePort).not.toBe(a.port);
    expect(a.queuePort).not.toBe(10001);
    expect(a.connectionString).toContain(`TableEndpoint=http://127.0.0.1:${a.port}/devstoreaccount1;`);
    expect(queueEndpoint(a.connectionString)).toBe(`http://127.0.0.1:${a.queuePort}/devstoreaccount1`);
    expect(await roundTrip(queueEndpoint(a.connectionString), 'collect-work', 'tenant-1')).toBe('tenant-1');
    // The table service still answers on the same connection string.
    const tables = TableServiceClient.fromConnectionString(a.connectionString, { allowInsecureConnection: true });
    await tables.createTable('queuetestside');
  });

  it('two in-memory instances do not see each other\'s queues', async () => {
    const one = await start({ dataDir: null });
    const two = await start({ dataDir: null });
    await roundTrip(queueEndpoint(one.connectionString), 'isolated', 'x');
    const res = await queueFetch(`${queueEndpoint(two.connectionString)}/isolated/messages`);
    expect(res.status).toBe(404);
  });

  it('runs in a child process, persists messages under the data directory, and shares itself through endpoint.json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'amm-queue-'));
    dirs.push(dir);
    const child = await start({ dataDir: dir, mode: 'child' });
    const endpoint = queueEndpoint(child.connectionString);
    await roundTrip(endpoint, 'persisted', 'first');
    await put(endpoint, 'persisted', 'kept');
    const file = JSON.parse(readFileSync(path.join(dir, 'azurite', 'endpoint.json'), 'utf8')) as { port: number; queuePort: number };
    expect(file).toMatchObject({ port: child.port, queuePort: child.queuePort });
    // A second run on the same data directory uses the running server, queue service included.
    const shared = await start({ dataDir: dir });
    expect(shared.connectionString).toBe(child.connectionString);
    await shared.stop();
    await child.stop();
    // After a restart on the same directory the message put before the stop is still there.
    const again = await start({ dataDir: dir });
    expect(again.queuePort).not.toBe(child.queuePort);
    expect(await getOne(queueEndpoint(again.connectionString), 'persisted')).toBe('kept');
  }, 60_000);

  it('works with the Azure SDK\'s QueueServiceClient.fromConnectionString (when @azure/storage-queue is installed)', async (ctx) => {
    interface QueueSdk {
      QueueServiceClient: {
        fromConnectionString(cs: string): {
          getQueueClient(name: string): {
            create(): Promise<unknown>;
            sendMessage(text: string): Promise<unknown>;
            receiveMessages(o?: { numberOfMessages?: number }): Promise<{ receivedMessageItems: Array<{ messageText: string }> }>;
          };
        };
      };
    }
    const name = '@azure/storage-queue';
    const sdk = (await import(name).catch(() => null)) as QueueSdk | null;
    if (!sdk) return ctx.skip();
    const a = await start({ dataDir: null });
    const queue = sdk.QueueServiceClient.fromConnectionString(a.connectionString).getQueueClient('sdk-queue');
    await queue.create();
    await queue.sendMessage('hello from the sdk');
    const got = await queue.receiveMessages({ numberOfMessages: 1 });
    expect(got.receivedMessageItems.map((m) => m.messageText)).toEqual(['hello from the sdk']);
  });
});
