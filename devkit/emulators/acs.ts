// A loopback endpoint compatible with the Azure Communication Services e-mail REST API, for the local host and
// tests: it checks the HMAC signature like ACS does, answers 202 with an Operation-Location, reports the
// operation as Succeeded, honours Operation-Id (a retried send is the same operation, stored once) and
// writes each message under the data directory as .eml and .html, so `npm start` shows the mails a user gets.
// The Operation-Ids it accepted are kept on disk (operations.jsonl, written and synced before it answers), so
// a restarted endpoint still knows them — as the real service is expected to — and answers their status.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export interface EmailAddress {
  address: string;
  displayName?: string;
}

export interface ReceivedEmail {
  operationId: string;
  receivedAt: string;
  senderAddress: string;
  subject: string;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  plainText?: string;
  html?: string;
  headers?: Record<string, string>;
  /** Files written for it (absent when the emulator keeps mail in memory only). */
  emlPath?: string;
  htmlPath?: string;
}

export interface AcsEmulatorOptions {
  /** Directory for .eml/.html files; null keeps messages in memory only. */
  mailDir: string | null;
  port?: number;
  /** Access key (base64); a random one by default. */
  accessKey?: string;
}

export interface AcsEmulator {
  endpoint: string;
  connectionString: string;
  messages: ReceivedEmail[];
  /** Number of send requests received, including rejected and repeated ones. */
  sendRequests: number;
  /** The next `count` sends answer this status (429 with Retry-After, or 5xx) instead of accepting. */
  failNextSends(count: number, status?: number): void;
  close(): Promise<void>;
}

interface SendBody {
  senderAddress?: string;
  content?: { subject?: string; plainText?: string; html?: string };
  recipients?: { to?: EmailAddress[]; cc?: EmailAddress[]; bcc?: EmailAddress[] };
  headers?: Record<string, string>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
}

function error(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { error: { code, message } }, { 'x-ms-error-code': code, ...headers });
}

/** Verifies the ACS HMAC-SHA256 signature (string to sign: VERB\npathAndQuery\ndate;host;contentHash). */
export function verifyHmac(req: IncomingMessage, raw: Buffer, key: Buffer): string | undefined {
  const auth = req.headers.authorization ?? '';
  const m = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/.exec(auth);
  if (!m) return 'missing or malformed HMAC-SHA256 Authorization header';
  if (m[1] !== 'x-ms-date;host;x-ms-content-sha256') return `unexpected SignedHeaders ${m[1]}`;
  const date = req.headers['x-ms-date'] as string | undefined;
  const contentHash = req.headers['x-ms-content-sha256'] as string | undefined;
  if (!date || !contentHash) return 'x-ms-date and x-ms-content-sha256 are required';
  const actualHash = createHash('sha256').update(raw).digest('base64');
  if (actualHash !== contentHash) return 'x-ms-content-sha256 does not match the body';
  const skew = Math.abs(Date.now() - Date.parse(date));
  if (!Number.isFinite(skew) || skew > 15 * 60_000) return 'x-ms-date is missing or more than 15 minutes off';
  const stringToSign = `${req.method}\n${req.url}\n${date};${req.headers.host};${contentHash}`;
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(m[2] as string, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature does not match';
  return undefined;
}

async function writeMessage(dir: string, message: ReceivedEmail): Promise<void> {
  mkdirSync(dir, { recursive: true });
  // Named by the operation alone: a send repeated after a crash (before its operation was recorded) rewrites
  // the same files instead of adding a second copy.
  const base = path.join(dir, message.operationId);
  const composer = new MailComposer({
    from: message.senderAddress,
    to: message.to.map((a) => ({ name: a.displayName ?? '', address: a.address })),
    cc: message.cc.map((a) => ({ name: a.displayName ?? '', address: a.address })),
    subject: message.subject,
    text: message.plainText,
    html: message.html,
    messageId: `<${message.operationId}@acs-emulator.local>`,
    date: new Date(message.receivedAt),
    headers: message.headers,
  });
  const eml = await new Promise<Buffer>((resolve, reject) => composer.compile().build((err, out) => (err ? reject(err) : resolve(out))));
  writeFileSync(`${base}.eml`, eml);
  if (message.html) writeFileSync(`${base}.html`, message.html);
  message.emlPath = `${base}.eml`;
  message.htmlPath = message.html ? `${base}.html` : undefined;
}

/** The operations a mail directory's endpoint accepted before (one JSON line each). */
function loadOperations(mailDir: string | null): Map<string, { status: string; message?: ReceivedEmail }> {
  const operations = new Map<string, { status: string; message?: ReceivedEmail }>();
  const file = mailDir ? path.join(mailDir, 'operations.jsonl') : null;
  if (!file || !existsSync(file)) return operations;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const { operationId, status } = JSON.parse(line) as { operationId: string; status: string };
      operations.set(operationId, { status });
    } catch {
      // a line cut short by a crash: that operation was not answered, so it was never accepted
    }
  }
  return operations;
}

/** Appends one accepted operation and syncs it to disk before the endpoint answers. */
function persistOperation(mailDir: string, operationId: string, status: string): void {
  mkdirSync(mailDir, { recursive: true });
  const fd = openSync(path.join(mailDir, 'operations.jsonl'), 'a');
  try {
    writeSync(fd, `${JSON.stringify({ operationId, status, acceptedAt: new Date().toISOString() })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function startAcsEmulator(options: AcsEmulatorOptions): Promise<AcsEmulator> {
  const accessKey = options.accessKey ?? randomBytes(32).toString('base64');
  const key = Buffer.from(accessKey, 'base64');
  const operations = loadOperations(options.mailDir);
  let failures: { count: number; status: number } = { count: 0, status: 429 };
  const state = { sendRequests: 0 };
  const messages: ReceivedEmail[] = [];
  let endpoint = '';

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await body(req);
      const url = new URL(req.url ?? '/', 'http://acs.invalid');
      const problem = verifyHmac(req, raw, key);
      if (problem) return error(res, 401, 'Denied', problem);
      if (req.method === 'POST' && url.pathname === '/emails:send') {
        state.sendRequests++;
        if (!url.searchParams.get('api-version')) return error(res, 400, 'MissingApiVersionParameter', 'api-version is required');
        if (failures.count > 0) {
          failures.count--;
          return failures.status === 429
            ? error(res, 429, 'TooManyRequests', 'Too many requests: the domain sending limit was reached.', { 'retry-after': '1' })
            : error(res, failures.status, 'ServiceUnavailable', 'The service is unavailable.');
        }
        let parsed: SendBody;
        try {
          parsed = JSON.parse(raw.toString('utf8')) as SendBody;
        } catch {
          return error(res, 400, 'InvalidRequest', 'body is not JSON');
        }
        const to = parsed.recipients?.to ?? [];
        const cc = parsed.recipients?.cc ?? [];
        const bcc = parsed.recipients?.bcc ?? [];
        if (!parsed.senderAddress) return error(res, 400, 'InvalidSenderAddress', 'senderAddress is required');
        if (!parsed.content?.subject) return error(res, 400, 'InvalidRequest', 'content.subject is required');
        if (to.length + cc.length + bcc.length === 0) return error(res, 400, 'InvalidRequest', 'at least one recipient is required');
        if (to.length + cc.length + bcc.length > 50) return error(res, 400, 'InvalidRequest', 'at most 50 recipients per message');
        if (!parsed.content.plainText && !parsed.content.html) return error(res, 400, 'InvalidRequest', 'plainText or html is required');
        const operationId = (req.headers['operation-id'] as string | undefined) ?? randomUUID();
        const location = `${endpoint}/emails/operations/${encodeURIComponent(operationId)}?api-version=${url.searchParams.get('api-version')}`;
        const existing = operations.get(operationId);
        if (existing) {
          // The same Operation-Id is the same send: accepted again, delivered once.
          return json(res, 202, { id: operationId, status: existing.status }, { 'operation-location': location, 'retry-after': '0' });
        }
        const message: ReceivedEmail = {
          operationId,
          receivedAt: new Date().toISOString(),
          senderAddress: parsed.senderAddress,
          subject: parsed.content.subject,
          to,
          cc,
          bcc,
          plainText: parsed.content.plainText,
          html: parsed.content.html,
          headers: parsed.headers,
        };
        if (options.mailDir) {
          await writeMessage(options.mailDir, message);
          persistOperation(options.mailDir, operationId, 'Succeeded');
        }
        messages.push(message);
        operations.set(operationId, { status: 'Succeeded', message });
        return json(res, 202, { id: operationId, status: 'Running' }, { 'operation-location': location, 'retry-after': '0' });
      }
      const op = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && op) {
        const id = decodeURIComponent(op[1] as string);
        const operation = operations.get(id);
        if (!operation) return error(res, 404, 'NotFound', `operation ${id} not found`);
        return json(res, 200, { id, status: operation.status });
      }
      return error(res, 404, 'NotFound', `no route ${req.method} ${url.pathname}`);
    })().catch((e: unknown) => error(res, 500, 'InternalError', (e as Error).message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    endpoint,
    connectionString: `endpoint=${endpoint}/;accesskey=${accessKey}`,
    messages,
    get sendRequests() {
      return state.sendRequests;
    },
    failNextSends(count: number, status = 429) {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
