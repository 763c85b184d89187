// A loopback webhook receiver for the local host and tests, like the local ACS endpoint: it checks the HMAC
// signature (when given a secret) and the timestamp, keeps every idempotency key it accepted on disk
// (receipts.jsonl, written and synced before it answers) so a delivery repeated after any stop is recognised
// and stored once, and writes each delivery's body under the data directory. It can be told to answer the next
// requests with 429 or 5xx, to exercise the outbox's retries. It is a dev-kit stand-in: it imports nothing from
// the app (the header names and the signature scheme are restated from docs/alerts.md).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import path from 'node:path';

export interface WebhookDelivery {
  key: string;
  receivedAt: string;
  body: unknown;
  /** Set when the receiver keeps bodies on disk. */
  file?: string;
}

export interface WebhookReceiverOptions {
  /** Directory for bodies and the receipts; null keeps everything in memory. */
  dir: string | null;
  /** Signing secret the sender uses; empty: signatures are not required. */
  secret?: string;
  port?: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every delivery accepted once (a repeated key is not added again). */
  deliveries: WebhookDelivery[];
  /** Requests received, repeats and refusals included. */
  requests: number;
  /** Requests answered as repeats of an accepted key. */
  repeats: number;
  /** The next `count` requests answer `status` (429 with Retry-After 0, or 5xx) instead of accepting. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

const MAX_SKEW_SECONDS = 300;

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function signatureProblem(req: IncomingMessage, body: string, secret: string): string | undefined {
  const timestamp = String(req.headers['x-admin-mfa-monitor-timestamp'] ?? '');
  const given = String(req.headers['x-admin-mfa-monitor-signature'] ?? '');
  if (!/^\d+$/.test(timestamp)) return 'x-admin-mfa-monitor-timestamp is missing';
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return 'the timestamp is more than five minutes off';
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'x-admin-mfa-monitor-signature does not match';
  return undefined;
}

function loadReceipts(dir: string | null): Set<string> {
  const keys = new Set<string>();
  const file = dir ? path.join(dir, 'receipts.jsonl') : null;
  if (!file || !existsSync(file)) return keys;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      if (line.trim()) keys.add((JSON.parse(line) as { key: string }).key);
    } catch {
      // a line cut short by a crash: that request was not answered, so it was not accepted
    }
  }
  return keys;
}

function persist(dir: string, key: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${key.replace(/[^A-Za-z0-9-]/g, '_')}.json`);
  writeFileSync(file, body);
  const fd = openSync(path.join(dir, 'receipts.jsonl'), 'a');
  try {
    writeSync(fd, `${JSON.stringify({ key, receivedAt: new Date().toISOString() })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return file;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const seen = loadReceipts(options.dir);
  const deliveries: WebhookDelivery[] = [];
  const counters = { requests: 0, repeats: 0 };
  let failures = { count: 0, status: 429 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      counters.requests++;
      const answer = (status: number, value: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/hook') return answer(404, { error: 'POST /hook' });
      if (options.secret) {
        const problem = signatureProblem(req, body, options.secret);
        if (problem) return answer(401, { error: problem });
      }
      const key = String(req.headers['idempotency-key'] ?? '');
      if (!key) return answer(400, { error: 'Idempotency-Key is required' });
      if (failures.count > 0) {
        failures.count--;
        return answer(failures.status, { error: 'try again' }, failures.status === 429 ? { 'retry-after': '0' } : {});
      }
      if (seen.has(key)) {
        counters.repeats++;
        return answer(200, { status: 'duplicate', key });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return answer(400, { error: 'body is not JSON' });
      }
      const file = options.dir ? persist(options.dir, key, body) : undefined;
      seen.add(key);
      deliveries.push({ key, receivedAt: new Date().toISOString(), body: parsed, ...(file ? { file } : {}) });
      return answer(202, { status: 'accepted', key });
    })().catch((e: unknown) => res.writeHead(500).end(String((e as Error).message)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`,
    deliveries,
    get requests() {
      return counters.requests;
    },
    get repeats() {
      return counters.repeats;
    },
    failNext(count: number, status = 429) {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
