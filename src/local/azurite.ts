// Embedded storage for the local host and tests: Azurite's table service as a child process on loopback,
// persisting under the data directory. Only used when no storage is configured.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import path from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface EmbeddedAzurite {
  connectionString: string;
  port: number;
  location: string | null;
  stop(): Promise<void>;
}

export function azuriteConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
}

/** A free TCP port on loopback: `preferred` if it is free, else one the OS picks. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : port;
        server.close(() => resolve(chosen));
      });
    });
  if (preferred > 0) {
    try {
      return await tryPort(preferred);
    } catch {
      // taken: fall through to any free port
    }
  }
  return tryPort(0);
}

function azuriteEntry(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('azurite/dist/src/table/main.js');
  } catch {
    throw new Error('No storage is configured and the optional dependency "azurite" is not installed: set AzureWebJobsStorage (or AzureWebJobsStorage__accountName) or run `npm install azurite@3.35.0`.');
  }
}

/**
 * Starts Azurite's table service. `dataDir` null keeps everything in memory (tests); otherwise data persists
 * under `<dataDir>/azurite`.
 */
/** An Azurite another process of ours already runs on this data directory (two would overwrite each other's files). */
async function running(location: string): Promise<{ port: number } | undefined> {
  try {
    const { port, pid } = JSON.parse(readFileSync(path.join(location, 'endpoint.json'), 'utf8')) as { port: number; pid: number };
    process.kill(pid, 0);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
    return { port };
  } catch {
    return undefined;
  }
}

export async function startAzurite(options: { dataDir: string | null; port?: number }): Promise<EmbeddedAzurite> {
  const location = options.dataDir ? path.resolve(options.dataDir, 'azurite') : null;
  if (location) {
    // `npm start` running and `check` / `history` in another terminal share one Azurite, not one each.
    const existing = await running(location);
    if (existing) return { connectionString: azuriteConnectionString(existing.port), port: existing.port, location, stop: async () => undefined };
  }
  const port = await freePort(options.port ?? 0);
  const args = [azuriteEntry(), '--tableHost', '127.0.0.1', '--tablePort', String(port), '--disableTelemetry', '--silent', '--skipApiVersionCheck'];
  if (location) {
    mkdirSync(location, { recursive: true });
    args.push('--location', location);
  } else {
    args.push('--inMemoryPersistence');
  }
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('successfully started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}:\n${output}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.removeAllListeners('exit');
  let closed = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('successfully closed')) closed = true;
  });
  child.stderr?.resume();
  // The monitor must not keep running with storage gone, nor leave Azurite behind when it exits.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  const endpointFile = location ? path.join(location, 'endpoint.json') : null;
  if (endpointFile && child.pid) writeFileSync(endpointFile, JSON.stringify({ port, pid: child.pid }));
  return {
    connectionString: azuriteConnectionString(port),
    port,
    location,
    // SIGINT is Azurite's graceful stop: it saves its database (SIGTERM would lose the last seconds of writes).
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (endpointFile) rmSync(endpointFile, { force: true });
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      const deadline = Date.now() + 10_000;
      while (!closed && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
