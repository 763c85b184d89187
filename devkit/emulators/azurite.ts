// Embedded storage for the local host, the CLI, tests and the bench: Azurite's table and queue services on
// loopback, persisting under the data directory (or in memory). The operating system picks the port when the server
// binds it (each service its own), so any number of runs on one machine never race for a port. Azurite runs in this process
// (`inline`: no start-up cost, stopped with the process) or in a child process (`child`: the bench keeps it out
// of the measured process). Runs on one data directory share one server (endpoint.json names it).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { TableServiceClient, odata } from '@azure/data-tables';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The ports `UseDevelopmentStorage=true` names: table and queue service. */
export const DEVELOPMENT_STORAGE_PORT = 10002;
export const DEVELOPMENT_QUEUE_PORT = 10001;

export interface EmbeddedAzurite {
  /** Names both services (`TableEndpoint=` and `QueueEndpoint=`): TableServiceClient and QueueServiceClient take it. */
  connectionString: string;
  /** The table service's port. */
  port: number;
  /** The queue service's port. */
  queuePort: number;
  location: string | null;
  /** The process serving it (this one when inline; the bench reads its CPU time). */
  pid?: number;
  stop(): Promise<void>;
}

/** The connection string of the development account on loopback; without `queuePort` the table service only. */
export function azuriteConnectionString(port: number, queuePort?: number): string {
  const queue = queuePort === undefined ? '' : `QueueEndpoint=http://127.0.0.1:${queuePort}/${DEV_ACCOUNT};`;
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};${queue}`;
}

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
  /** Azurite's LokiJS database (an implementation detail of 3.35, used only to shorten its save interval). */
  metadataStore?: { db?: { autosaveInterval?: number; autosaveDisable?(): void; autosaveEnable?(): void } };
}

/**
 * How often the embedded storage saves its database (Azurite's default is 5 s). Each save is a whole snapshot
 * written to a temporary file and renamed over the old one, so a kill leaves the state as of the last save:
 * the writes of at most this last second are lost, as if the monitor had stopped a second earlier — which the
 * monitor's write order makes safe (docs/storage.md, "Crashes").
 */
export const AZURITE_SAVE_INTERVAL_MS = 1_000;

function azuriteModule<T>(file: string): T {
  const require = createRequire(import.meta.url);
  try {
    return (require(`azurite/dist/src/${file}`) as { default: T }).default;
  } catch {
    throw new Error('No storage is configured and the optional dependency "azurite" is not installed: set AzureWebJobsStorage (or AzureWebJobsStorage__accountName) or run `npm install azurite@3.35.0`.');
  }
}

/**
 * Starts Azurite's table server in this process on `port` (0: one the OS picks). `location` null keeps
 * everything in memory; otherwise the database is `<location>/__azurite_db_table__.json`.
 */
export async function startTableServer(location: string | null, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  type Configuration = new (...args: unknown[]) => object;
  const TableConfiguration = azuriteModule<Configuration>('table/TableConfiguration.js');
  const Server = azuriteModule<new (config: object) => AzuriteServer>('table/TableServer.js');
  if (location) mkdirSync(location, { recursive: true });
  const db = path.join(location ?? '.', '__azurite_db_table__.json');
  // host, port, keep-alive s, db path, debug log, access log, log stream, debug file, loose, skip API version
  // check, cert, key, pwd, oauth, disable product-style URLs, in memory.
  const config = new TableConfiguration('127.0.0.1', port, 5, db, false, false, undefined, undefined, false, true, '', '', '', undefined, false, location === null);
  return listen(new Server(config), location);
}

async function listen(server: AzuriteServer, location: string | null): Promise<{ port: number; close(): Promise<void> }> {
  await server.start();
  const loki = server.metadataStore?.db;
  if (location && loki?.autosaveDisable && loki.autosaveEnable) {
    loki.autosaveDisable();
    loki.autosaveInterval = AZURITE_SAVE_INTERVAL_MS;
    loki.autosaveEnable();
  }
  const bound = Number(/:(\d+)$/.exec(server.getHttpServerAddress())?.[1]);
  if (!Number.isInteger(bound) || bound <= 0) throw new Error(`Azurite started without a port: ${server.getHttpServerAddress()}`);
  return { port: bound, close: () => server.close() };
}

/**
 * Starts Azurite's queue server in this process on `port` (0: one the OS picks). `location` null keeps
 * everything in memory (its own chunk store, freed when it closes); otherwise the metadata database is
 * `<location>/__azurite_db_queue__.json` and the messages live under `<location>/__queuestorage__`.
 */
export async function startQueueServer(location: string | null, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  type Configuration = new (...args: unknown[]) => object;
  const QueueConfiguration = azuriteModule<Configuration>('queue/QueueConfiguration.js');
  const Server = azuriteModule<new (config: object) => AzuriteServer>('queue/QueueServer.js');
  const require = createRequire(import.meta.url);
  const { MemoryExtentChunkStore, DEFAULT_EXTENT_MEMORY_LIMIT } = require('azurite/dist/src/common/persistence/MemoryExtentStore.js') as {
    MemoryExtentChunkStore: new (limit: number) => object;
    DEFAULT_EXTENT_MEMORY_LIMIT: number;
  };
  if (location) mkdirSync(location, { recursive: true });
  const at = (file: string): string => path.join(location ?? '.', file);
  const persistence = [{ locationId: 'Default', locationPath: at('__queuestorage__'), maxConcurrency: 1 }];
  // host, port, keep-alive s, metadata db, extent db, persistence locations, access log, log stream, debug log,
  // debug file, loose, skip API version check, cert, key, pwd, oauth, disable product-style URLs, in memory,
  // memory store.
  const config = new QueueConfiguration('127.0.0.1', port, 5, at('__azurite_db_queue__.json'), at('__azurite_db_queue_extent__.json'), persistence, false, undefined, false, undefined, false, true, '', '', '', undefined, false, location === null, location === null ? new MemoryExtentChunkStore(DEFAULT_EXTENT_MEMORY_LIMIT) : undefined);
  return listen(new Server(config), location);
}

/** Both services, started together; if the second fails the first is stopped again. */
async function startServers(location: string | null, port: number, queuePort: number): Promise<{ port: number; queuePort: number; close(): Promise<void> }> {
  const table = await startTableServer(location, port);
  let queue: { port: number; close(): Promise<void> };
  try {
    queue = await startQueueServer(location, queuePort);
  } catch (error) {
    await table.close();
    throw error;
  }
  return { port: table.port, queuePort: queue.port, close: async () => void (await Promise.all([queue.close(), table.close()])) };
}

/**
 * An Azurite another process of ours already runs on this data directory (two would overwrite each other's
 * files). A process id and a port can both be reused once their owner has gone, so the server must also hold
 * the owner's marker table, whose name only endpoint.json knows.
 */
async function running(location: string): Promise<{ port: number; queuePort: number } | undefined> {
  try {
    const { port, queuePort, pid, marker } = JSON.parse(readFileSync(path.join(location, 'endpoint.json'), 'utf8')) as { port: number; queuePort?: number; pid: number; marker?: string };
    // An owner without a queue service (an older version) is not shared: its connection string would lack queues.
    if (!marker || pid === process.pid || typeof queuePort !== 'number') return undefined;
    process.kill(pid, 0);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
    const tables = TableServiceClient.fromConnectionString(azuriteConnectionString(port), { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    for await (const t of tables.listTables({ queryOptions: { filter: odata`TableName eq ${marker}` } })) if (t.name === marker) return { port, queuePort };
    return undefined;
  } catch {
    return undefined;
  }
}

/** Marks this server as the data directory's (see running): one table named by a random marker; stale ones go. */
async function claim(port: number): Promise<{ marker: string; release(): Promise<void> }> {
  const tables = TableServiceClient.fromConnectionString(azuriteConnectionString(port), { allowInsecureConnection: true });
  for await (const t of tables.listTables()) if (t.name?.startsWith(MARKER_PREFIX)) await tables.deleteTable(t.name);
  const marker = `${MARKER_PREFIX}${randomBytes(8).toString('hex')}`;
  await tables.createTable(marker);
  return { marker, release: () => tables.deleteTable(marker).catch(() => undefined) };
}

const MARKER_PREFIX = 'ammowner';

/** Starts both servers in a child process (this file is its entry) and learns the ports they bound. */
async function startChild(location: string | null, port: number, queuePort: number): Promise<{ port: number; queuePort: number; pid: number; close(): Promise<void> }> {
  const entry = fileURLToPath(import.meta.url);
  const args = [...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry, '--serve', JSON.stringify({ location, port, queuePort })];
  // stdin stays open as a lifeline: when this process dies, the child sees it end and stops.
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const bound = await new Promise<{ port: number; queuePort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 20 s:\n${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /"port":(\d+),"queuePort":(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), queuePort: Number(m[2]) });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  // The monitor must not leave Azurite behind when it exits.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  return {
    ...bound,
    pid: child.pid ?? 0,
    // SIGINT is the child's graceful stop: it saves the database, then exits.
    close: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Azurite's table and queue services. `port` / `queuePort` 0 (default): ports the OS picks; give fixed ones only
 * to serve `UseDevelopmentStorage=true` (DEVELOPMENT_STORAGE_PORT, DEVELOPMENT_QUEUE_PORT).
 */
export async function startAzurite(options: { dataDir: string | null; mode?: 'inline' | 'child'; port?: number; queuePort?: number }): Promise<EmbeddedAzurite> {
  const location = options.dataDir ? path.resolve(options.dataDir, 'azurite') : null;
  if (location) {
    // `npm start` running and `check` / `history` in another terminal share one Azurite, not one each.
    const existing = await running(location);
    if (existing) return { connectionString: azuriteConnectionString(existing.port, existing.queuePort), ...existing, location, stop: async () => undefined };
  }
  const server =
    options.mode === 'child'
      ? await startChild(location, options.port ?? 0, options.queuePort ?? 0)
      : { ...(await startServers(location, options.port ?? 0, options.queuePort ?? 0)), pid: process.pid };
  const endpointFile = location ? path.join(location, 'endpoint.json') : null;
  const owner = endpointFile ? await claim(server.port) : undefined;
  if (endpointFile && owner) writeFileSync(endpointFile, JSON.stringify({ port: server.port, queuePort: server.queuePort, pid: server.pid, marker: owner.marker }));
  let stopped: Promise<void> | undefined;
  return {
    connectionString: azuriteConnectionString(server.port, server.queuePort),
    port: server.port,
    queuePort: server.queuePort,
    location,
    pid: server.pid,
    stop: () =>
      (stopped ??= (async () => {
        if (endpointFile) rmSync(endpointFile, { force: true });
        await owner?.release();
        await server.close();
      })()),
  };
}

// Child-process entry: `node azurite.js --serve '{"location":...,"port":0,"queuePort":0}'` prints
// {"port":N,"queuePort":M} once both are bound.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === '--serve') {
  const { location, port, queuePort } = JSON.parse(process.argv[3] ?? '{}') as { location: string | null; port: number; queuePort?: number };
  const server = await startServers(location, port, queuePort ?? 0);
  process.stdout.write(`${JSON.stringify({ port: server.port, queuePort: server.queuePort })}\n`);
  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', close);
  process.on('SIGTERM', close);
  // The parent went away without stopping us (its end of stdin closed): save and go.
  process.stdin.on('end', close);
  process.stdin.resume();
}
