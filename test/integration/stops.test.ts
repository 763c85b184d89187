// Issue 16, exactly once across every stop: the local host is stopped at random moments with every signal
// (SIGKILL, SIGINT, SIGTERM, SIGHUP), restarted each time on the same data, and finally run to the end; the
// result must be what one clean run produces — the same mails, each delivered once, the same findings, and
// history and its indexes complete, with nothing recorded twice. Two set-ups: the host alone is stopped
// (storage and the mail endpoint stay up), and host and storage stop together (all in one process).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AcsEmulator, startAcsEmulator } from '../../devkit/emulators/acs.js';
import { type EmbeddedAzurite, startAzurite } from '../../devkit/emulators/azurite.js';
import { TableStore } from '../../src/storage/tables.js';
import { tempDir } from '../helpers/environment.js';
import { baseTenant } from '../helpers/tenant.js';

const CLI = new URL('../../dist/devkit/cli/main.js', import.meta.url).pathname;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGINT', 'SIGTERM', 'SIGHUP'];
/** Timers that never fire during the test (once a year), so only the start-up cycles run. */
const QUIET: Record<string, string> = Object.fromEntries(['ROLES', 'POLICIES', 'ACTIVATIONS', 'SIGNINS', 'EVALUATE'].map((t) => [`SCHEDULE_${t}`, '0 0 0 1 1 *']));
const MAIL = { ALERT_RECIPIENTS: 'secops@contoso.test', ALERT_SENDER: 'DoNotReply@contoso.test', ALERT_MIN_SEVERITY: 'low' };

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** A small deterministic generator, so a failing schedule can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function host(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...QUIET, ...MAIL, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function runOnce(fixture: string, dataDir: string, env: Record<string, string>): Promise<void> {
  const child = host(['run', '--once', '--tenant', fixture, '--data-dir', dataDir], env);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  expect(await exited(child, 120_000), out).toBe(0);
}

interface EndState {
  alerts: string[];
  unsent: string[];
  deliveries: Record<string, number>;
  open: string[];
  findingEvents: string[];
  history: Record<string, string[]>;
  incompleteIndexes: string[];
}

async function endState(store: TableStore, mailDir: string): Promise<EndState> {
  const alerts: string[] = [];
  const unsent: string[] = [];
  for await (const e of store.partition('outbox', 'alert')) {
    alerts.push(e.rowKey ?? '');
    if (e.status !== 'sent') unsent.push(`${e.rowKey}:${String(e.status)}`);
  }
  // Each accepted send is one line of the endpoint's operation log and one .eml file.
  const deliveries: Record<string, number> = {};
  const log = path.join(mailDir, 'operations.jsonl');
  for (const line of existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) {
    const id = (JSON.parse(line) as { operationId: string }).operationId;
    deliveries[id] = (deliveries[id] ?? 0) + 1;
  }
  for (const f of existsSync(mailDir) ? readdirSync(mailDir).filter((n) => n.endsWith('.eml')) : []) deliveries[`eml:${f}`] = 1;
  const open: string[] = [];
  for await (const e of store.partition('findings', 'open')) open.push(e.rowKey ?? '');
  const findingEvents: string[] = [];
  for await (const e of store.partition('findings', 'all')) findingEvents.push(`${String(e.event)}|${String(e.rowKey).split('|').slice(1).join('|')}`);
  const history: Record<string, string[]> = {};
  const incompleteIndexes: string[] = [];
  for (const table of ['assignments', 'policies', 'admins'] as const) {
    const primary = new Map<string, Record<string, unknown>>();
    const copies = new Map<string, number>();
    for await (const e of store.partition(table, 'all')) primary.set(e.rowKey ?? '', e);
    for await (const e of store.client(table).listEntities()) if (e.partitionKey !== 'all') copies.set(`${e.partitionKey}|${e.rowKey}`, 1);
    history[table] = [...primary.values()].map((e) => `${String(e.dataset)}|${String(e.itemId)}|${String(e.change)}|${String(e.afterHash)}`).sort();
    // Every primary entry has its index copies (by principal, role, group, version) under the same key.
    for (const [rowKey, e] of primary) {
      const wanted = [e.principalId && `p|${String(e.principalId)}`, e.roleId && `r|${String(e.roleId)}`, e.groupId && `g|${String(e.groupId)}`].filter(Boolean) as string[];
      for (const pk of wanted) if (!copies.has(`${pk}|${rowKey}`)) incompleteIndexes.push(`${table}:${pk}|${rowKey}`);
    }
  }
  return { alerts: alerts.sort(), unsent, deliveries, open: open.sort(), findingEvents: findingEvents.sort(), history, incompleteIndexes };
}

/** Stops the host `rounds` times at random moments with random signals, then lets one run finish. */
async function chaos(fixture: string, dataDir: string, env: Record<string, string>, seed: number, rounds: number): Promise<string[]> {
  const random = rng(seed);
  const schedule: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const signal = SIGNALS[Math.floor(random() * SIGNALS.length)] as NodeJS.Signals;
    const delay = Math.floor(300 + random() * 3_500);
    schedule.push(`${signal}@${delay}ms`);
    const child = host(['run', '--tenant', fixture, '--data-dir', dataDir], env);
    await new Promise((r) => setTimeout(r, delay));
    child.kill(signal);
    await exited(child, 90_000);
  }
  await runOnce(fixture, dataDir, env);
  return schedule;
}

function compare(clean: EndState, after: EndState, schedule: string[]): void {
  const why = `stop schedule (seed-replayable): ${schedule.join(', ')}; end state: ${after.alerts.length} alerts, ${after.open.length} open findings, ${after.findingEvents.length} finding events, ${Object.entries(after.history).map(([t, h]) => `${h.length} ${t}`).join(', ')}`;
  expect(after.unsent, why).toEqual([]);
  expect(after.alerts, why).toEqual(clean.alerts);
  expect(Object.values(after.deliveries).every((n) => n === 1), `${why}: every mail delivered once ${JSON.stringify(after.deliveries)}`).toBe(true);
  expect(Object.keys(after.deliveries).length, why).toBe(Object.keys(clean.deliveries).length);
  expect(after.open, why).toEqual(clean.open);
  expect(after.findingEvents, why).toEqual(clean.findingEvents);
  expect(after.history, why).toEqual(clean.history);
  expect(after.incompleteIndexes, why).toEqual([]);
}

describe.skipIf(!existsSync(CLI))('stops at random moments (needs `npm run build`; `npm test` builds first)', () => {
  const dir = tempDir('amm-stops-');
  const fixture = path.join(dir, 'tenant.json');
  writeFileSync(fixture, JSON.stringify(baseTenant({ signIns: 12 })));
  let clean: EndState;

  it('one clean run: the reference', async () => {
    const data = path.join(dir, 'clean');
    await runOnce(fixture, data, {});
    const azurite = await startAzurite({ dataDir: data });
    try {
      clean = await endState(new TableStore({ kind: 'connectionString', connectionString: azurite.connectionString }), path.join(data, 'mail'));
    } finally {
      await azurite.stop();
    }
    expect(clean.alerts).toHaveLength(1);
    expect(Object.values(clean.deliveries)).toEqual([1, 1]);
  });

  it('host and storage stopped together, again and again: the same end state', async () => {
    const data = path.join(dir, 'together');
    const schedule = await chaos(fixture, data, {}, 20261206, 6);
    const azurite = await startAzurite({ dataDir: data });
    try {
      compare(clean, await endState(new TableStore({ kind: 'connectionString', connectionString: azurite.connectionString }), path.join(data, 'mail')), schedule);
    } finally {
      await azurite.stop();
    }
  });

  it('the host alone stopped (storage and the mail endpoint stay up): the same end state', async () => {
    const data = path.join(dir, 'alone');
    const storage: EmbeddedAzurite = await startAzurite({ dataDir: path.join(data, 'storage'), mode: 'child' });
    const mail: AcsEmulator = await startAcsEmulator({ mailDir: path.join(data, 'mail') });
    cleanup.push(() => storage.stop(), () => mail.close());
    const env = { AzureWebJobsStorage: storage.connectionString, ACS_CONNECTION_STRING: mail.connectionString };
    const schedule = await chaos(fixture, data, env, 1206, 6);
    compare(clean, await endState(new TableStore({ kind: 'connectionString', connectionString: storage.connectionString }), path.join(data, 'mail')), schedule);
  });
});
