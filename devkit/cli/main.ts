#!/usr/bin/env node
// admin-mfa-monitor: the command line. `run` starts the local host (or runs one cycle with --once), `check`
// and `history` call the same HTTP function handlers the deployed app serves, `simulate` serves a tenant
// fixture as a Graph-compatible endpoint.
import { Command, InvalidArgumentError, Option } from 'commander';
import { evaluateStored } from '../../src/app/evaluation.js';
import { consoleLogger } from '../../src/app/logger.js';
import { SettingsError } from '../../src/app/settings.js';
import { type LatestRuns, RUN_PARTITION, type RunRecord, latestRuns, runFromEntity } from '../../src/collect/runs.js';
import { newestFirstKey } from '../../src/storage/codec.js';
import { FixtureError } from '../fixture/format.js';
import { fixtureForServing } from '../fixture/load.js';
import { type SimulatorFaultRule, parseFaults } from '../simulator/faults.js';
import { readFileSync } from 'node:fs';
import type { Report } from '../../src/core/report.js';
import { HOST_STOPPING, type Host, runStartupCycle, startHost } from '../host/host.js';
import { historyText, reportText, rolloutText, runsText, scoreText, setWide } from './format.js';
import { addRemediationCommands } from './remediate.js';
import { addTenantCommands } from './tenants.js';
import { isGuid } from '../../src/core/ids.js';
import { exemptionsText, exemptionsView } from './exemptions.js';

interface CommonOptions {
  tenant?: string;
  faults?: SimulatorFaultRule[];
  dataDir?: string;
  json?: boolean;
  live?: boolean;
  verbose?: boolean;
  wide?: boolean;
}

/** `--faults`: a JSON array of fault rules, inline or in a file. */
function faultsOption(value: string): SimulatorFaultRule[] {
  try {
    return parseFaults(value.trim().startsWith('[') ? value : readFileSync(value, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a TCP port number (0-65535)');
  return n;
}

function withCommon(command: Command): Command {
  return command
    .option('--tenant <file-or-id>', 'run against a simulated tenant served from this fixture file; history: a registered tenant\'s id (a GUID) reads its history')
    .option('--faults <json-or-file>', 'fault rules for the simulated tenant: a JSON array, or a file holding one (docs/simulator.md)', faultsOption)
    .option('--data-dir <dir>', 'local data directory (embedded storage, mail outbox, function key)', undefined)
    .option('--json', 'print JSON instead of text')
    .option('--live', 'read the real tenant through DefaultAzureCredential (e.g. after az login)')
    .option('--wide', 'do not wrap tables to the terminal width')
    .option('--verbose', 'log more');
}

/** Starts the local host; a bad setting or fixture ends the command with its message. */
async function host(options: CommonOptions, serve: boolean, portNumber?: number): Promise<Host> {
  setWide(options.wide === true);
  // In JSON mode logs go to stderr so stdout stays parseable.
  const log = options.json ? { ...consoleLogger(options.verbose), info: (m: string) => console.error(m) } : consoleLogger(options.verbose);
  return startHost({
    env: process.env,
    // A GUID names a registered tenant (history --tenant), not a fixture file.
    tenantFile: options.tenant && !isGuid(options.tenant) ? options.tenant : undefined,
    dataDir: options.dataDir,
    live: options.live,
    ...(options.faults ? { faults: options.faults } : {}),
    serve,
    port: portNumber,
    log,
  }).catch(fail);
}

async function currentReport(h: Host, runs: LatestRuns): Promise<Report> {
  const rt = h.runtime;
  return (await evaluateStored(rt.store, rt.settings, rt.source.tenant, rt.now().toISOString(), runs)).report;
}

function fail(error: unknown): never {
  if (error instanceof SettingsError || error instanceof FixtureError) console.error(error.message);
  else console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}

const program = new Command();
program.name('admin-mfa-monitor').description('Per-admin MFA coverage monitor for Microsoft Entra ID (Conditional Access, PIM, security defaults).').showHelpAfterError();

withCommon(
  program
    .command('run')
    .description('start the local host: timers on their schedules, HTTP functions on 127.0.0.1, one full cycle at start-up')
    .option('--once', 'run one full cycle and exit (0 on success)')
    .addOption(new Option('--port <port>', 'HTTP port of the local host (default 7071, or a free port when 7071 is taken)').argParser(port)),
).action(async (options: CommonOptions & { once?: boolean; port?: number }) => {
  const h = await host(options, !options.once, options.port);
  const out = (text: string) => (options.json ? console.error(text) : console.log(text));
  // Stop cleanly on Ctrl+C, a kill or a hang-up at any point, start-up cycle included: work in flight finishes,
  // then the local endpoints and the embedded storage stop (it saves). A second signal stops at once.
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) {
      out('stopping now');
      process.exit(code);
    }
    stopping = true;
    out('\nstopping: finishing the work in flight (Ctrl+C again to stop at once)…');
    await h.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(130));
  process.on('SIGTERM', () => void stop(143));
  process.on('SIGHUP', () => void stop(129));
  out(`admin-mfa-monitor: reading ${h.sourceDescription}`);
  const started = Date.now();
  const ok = await runStartupCycle(h);
  // A stop that began meanwhile finishes on its own (and exits): storage is not read while it stops.
  const summary = stopping ? undefined : await h.run(async () => {
    const latest = await latestRuns(h.runtime.store);
    return { runs: latest, report: await currentReport(h, latest) };
  }).catch((error: unknown) => {
    if ((error as { code?: string }).code === HOST_STOPPING) return undefined;
    throw error;
  });
  if (!summary) return;
  const { runs, report } = summary;
  if (options.json) {
    console.log(JSON.stringify({ source: h.sourceDescription, ok, runs, report }, null, 2));
  } else {
    console.log(`\nCycle ${ok ? 'completed' : 'FAILED'} in ${Date.now() - started} ms:`);
    console.log(runsText(Object.values(runs).filter((r): r is NonNullable<typeof r> => !!r)));
    console.log('');
    console.log(reportText(report, { maxAdmins: 40, maxFindings: 12 }));
  }
  if (options.once) {
    await h.stop();
    process.exit(ok ? 0 : 1);
  }
  h.startTimers();
  out('');
  // URLs without the key: the key stays in its file (pass it as ?code= or the x-functions-key header).
  out(`Local host on ${h.url}; function key in ${h.dataDir}/local-function-key:`);
  for (const r of h.registrations) {
    if (r.kind === 'http') out(`  ${(r.options.methods ?? ['GET']).join(',').padEnd(5)} ${h.url}/api/${r.options.route ?? r.name}`);
  }
  for (const r of h.registrations) if (r.kind === 'timer') out(`  timer ${r.name.padEnd(20)} ${r.options.schedule}`);
  out('Press Ctrl+C to stop.');
});

/** Runs the check handler (POST /api/check), polling its status URL past the HTTP wait; the report, or undefined. */
async function checkNow(h: Host): Promise<{ report: Report; body: string } | undefined> {
  let response = await h.invokeHttp('check', { method: 'POST', url: 'http://127.0.0.1/api/check?wait=230' });
  // Longer than the HTTP wait: poll the status function like a client of the deployed app would.
  while (response.status === 202) {
    const { id } = JSON.parse(response.body) as { id: string };
    await new Promise((r) => setTimeout(r, 2000));
    response = await h.invokeHttp('checkStatus', { method: 'GET', url: `http://127.0.0.1/api/check/${id}`, params: { id } });
  }
  if (response.status !== 200) {
    console.error(`check failed (${response.status}): ${response.body}`);
    process.exitCode = 1;
    return undefined;
  }
  return { report: JSON.parse(response.body) as Report, body: response.body };
}

withCommon(program.command('check').description('collect and evaluate now (the same handler as POST /api/check) and print the result')).action(async (options: CommonOptions) => {
  const h = await host(options, false);
  try {
    const checked = await checkNow(h);
    if (!checked) return;
    if (options.json) console.log(checked.body);
    else {
      console.log(`admin-mfa-monitor: read ${h.sourceDescription}\n`);
      console.log(reportText(checked.report, { details: true }));
    }
  } finally {
    await h.stop();
  }
});

withCommon(
  program
    .command('feed')
    .description('run the change feed once (the changeFeed timer\'s handler): what changed since its last run, read and evaluated; a full collection first when there is none'),
).action(async (options: CommonOptions) => {
  const h = await host(options, false);
  try {
    const since = new Date().toISOString();
    await h.invokeTimer('changeFeed');
    const runs: RunRecord[] = [];
    for await (const e of h.runtime.store.partition('runs', RUN_PARTITION, { toRow: `${newestFirstKey(since)}~` })) {
      const run = runFromEntity(e);
      if (run) runs.push(run);
    }
    runs.reverse();
    if (options.json) console.log(JSON.stringify({ source: h.sourceDescription, runs }, null, 2));
    else {
      console.log(`admin-mfa-monitor: read ${h.sourceDescription}\n`);
      console.log(runsText(runs));
    }
  } finally {
    await h.stop();
  }
});

withCommon(
  program
    .command('rollout')
    .description('collect and evaluate now, then show what each report-only policy would do if turned on (rollout readiness)')
    .option('--policy <id>', 'only this report-only policy (its id)'),
).action(async (options: CommonOptions & { policy?: string }) => {
  if (options.policy !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options.policy.trim())) {
    console.error('rollout: --policy: expected a policy id (GUID)');
    process.exit(2);
  }
  const h = await host(options, false);
  try {
    const report = (await checkNow(h))?.report;
    if (!report) return;
    const all = report.rollout ?? [];
    const wanted = options.policy?.trim().toLowerCase();
    const rollout = wanted ? all.filter((r) => r.policyId.toLowerCase() === wanted) : all;
    if (wanted && rollout.length === 0) {
      const known = report.policies.find((p) => p.id.toLowerCase() === wanted);
      console.error(`rollout: --policy: ${known ? `'${known.displayName}' is ${known.state}, not report-only` : 'no Conditional Access policy has this id'}; report-only policies: ${all.map((r) => `${r.displayName} (${r.policyId})`).join(', ') || 'none'}`);
      process.exitCode = 2;
      return;
    }
    if (options.json) console.log(JSON.stringify({ signInEvidence: report.signInEvidence ?? null, rollout }, null, 2));
    else {
      console.log(`admin-mfa-monitor: read ${h.sourceDescription}\n`);
      console.log(rolloutText(rollout));
      for (const note of report.signInEvidence?.notes ?? []) console.log(`Note: ${note}`);
    }
  } finally {
    await h.stop();
  }
});

withCommon(
  program
    .command('score')
    .description("Microsoft's Secure Score for admin MFA (AdminMFAV2) set against ours, admin by admin, with the reason for every difference (collects and evaluates first, like check)"),
).action(async (options: CommonOptions) => {
  const h = await host(options, false);
  try {
    const report = (await checkNow(h))?.report;
    if (!report) return;
    if (options.json) console.log(JSON.stringify({ secureScore: report.secureScore, enforcement: report.enforcement, summary: report.summary }, null, 2));
    else {
      console.log(`admin-mfa-monitor: read ${h.sourceDescription}\n`);
      console.log(scoreText(report));
    }
  } finally {
    await h.stop();
  }
});

withCommon(
  program
    .command('exemptions')
    .description('who can switch MFA off for an admin: every exclusion of an enforcing policy, who controls it and whether they are protected (collects and evaluates first, like check)')
    .option('--admin <upn-or-id>', 'only the exclusions that reach this admin'),
).action(async (options: CommonOptions & { admin?: string }) => {
  const h = await host(options, false);
  try {
    const report = (await checkNow(h))?.report;
    if (!report) return;
    const view = exemptionsView(report, options.admin);
    if (!view) {
      console.error(`exemptions: no admin '${options.admin}' (give a UPN or object id of an admin)`);
      process.exitCode = 2;
      return;
    }
    if (options.json) console.log(JSON.stringify(view, null, 2));
    else {
      console.log(`admin-mfa-monitor: read ${h.sourceDescription}\n`);
      console.log(exemptionsText(view));
    }
  } finally {
    await h.stop();
  }
});

withCommon(
  program
    .command('history')
    .description('query the stored history (the same handler as GET /api/history/{dataset})')
    .argument('<dataset>', 'admins | assignments | activations | signins | policies | findings | alerts | runs')
    .option('--from <time>', 'ISO date-time: only entries at or after it')
    .option('--to <time>', 'ISO date-time: only entries at or before it')
    .option('--principal <who>', 'an admin / user: object id, UPN, the start of a UPN, or display name')
    .option('--role <id-or-name>', 'a role (template id or name)')
    .option('--policy <id>', 'a Conditional Access policy id (policies: its versions and diffs; signins: sign-ins it applied to)')
    .option('--type <type>', 'finding type, collector name, or policy dataset')
    .option('--severity <severity>', 'high | medium | low')
    .option('--requirement <requirement>', 'signins: single | multi (single-factor or multifactor authentication required)')
    .option('--result <result>', 'signins: success | failure | interrupted')
    .option('--top <n>', 'entries per page (max 500)')
    .option('--continuation <token>', 'continue a previous listing')
    .option('--all', 'follow continuation tokens to the end')
    .option('--csv', 'print CSV (the same as the API\'s format=csv)'),
).action(async (dataset: string, options: CommonOptions & Record<string, string | boolean | undefined>) => {
  // History only reads storage: no need to collect, and no Graph needed.
  const h = await host(options, false);
  try {
    const names = ['from', 'to', 'principal', 'role', 'policy', 'type', 'severity', 'requirement', 'result', 'top', 'continuation'] as const;
    const items: unknown[] = [];
    let continuation = typeof options.continuation === 'string' ? options.continuation : undefined;
    for (;;) {
      const url = new URL(`http://127.0.0.1/api/history/${encodeURIComponent(dataset)}`);
      for (const n of names) {
        const v = n === 'continuation' ? continuation : options[n];
        if (typeof v === 'string') url.searchParams.set(n, v);
      }
      if (options.csv) url.searchParams.set('format', 'csv');
      if (options.tenant && isGuid(options.tenant)) url.searchParams.set('tenant', options.tenant);
      const response = await h.invokeHttp('history', { method: 'GET', url: url.toString(), params: { dataset } });
      if (response.status !== 200) {
        const body = JSON.parse(response.body) as { error?: { details?: string[]; message?: string } };
        console.error(`history: ${(body.error?.details ?? [body.error?.message ?? response.body]).join('\n         ')}`);
        process.exitCode = 2;
        return;
      }
      if (options.csv) {
        // One CSV per page: the header once, then the rows of every page.
        const text = response.body.replace(/\r\n$/, '');
        process.stdout.write(`${items.length ? text.slice(text.indexOf('\r\n') + 2) : text}\r\n`);
        items.push(null);
        continuation = response.headers['x-continuation'] || undefined;
        if (!options.all || !continuation) break;
        continue;
      }
      const page = JSON.parse(response.body) as { items: unknown[]; continuation: string | null };
      items.push(...page.items);
      continuation = page.continuation ?? undefined;
      if (!options.all || !continuation) break;
    }
    if (options.csv) return;
    if (options.json) console.log(JSON.stringify({ dataset, items, continuation: continuation ?? null }, null, 2));
    else {
      console.log(historyText(dataset, items as Array<Record<string, unknown>>));
      if (continuation) console.log(`\nmore: --continuation ${continuation}`);
    }
  } finally {
    await h.stop();
  }
});

addRemediationCommands(program, { withCommon, host: (options, serve) => host(options as CommonOptions, serve), checkNow });
addTenantCommands(program, { withCommon, host: (options, serve) => host(options as CommonOptions, serve) });

program
  .command('simulate')
  .description('serve a tenant fixture as a simulated Microsoft Graph endpoint on loopback')
  .requiredOption('--tenant <file>', 'tenant fixture (format version 1, docs/tenant-fixture.md)')
  .addOption(new Option('--port <port>', 'port (0 = any free port)').argParser(port).default(0))
  .option('--now <time>', "serve a fixture's relative times (referenceTime) as of this ISO time instead of now")
  .option('--faults <json-or-file>', 'fault rules from the start (a JSON array, or a file); PUT /_simulator/faults changes them later', faultsOption)
  .option('--throttle-scale <n>', "enforce Graph's throttling budgets, windows shortened n times", (v) => {
    const n = Number(v);
    if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
    return n;
  })
  .option('--audit-latency <seconds|documented>', "how late the directory audit log shows an edit's events: seconds, or 'documented' (Learn: 95 % within 2 min, 99 % within 5)", (v) => {
    if (v === 'documented') return v;
    const n = Number(v);
    if (!(n >= 0)) throw new InvalidArgumentError("expected seconds (0 or more) or 'documented'");
    return n;
  })
  .option('--delta-lifetime-hours <n>', 'how long a delta link stays valid (Graph: 168, 7 days)', (v) => {
    const n = Number(v);
    if (!(n > 0)) throw new InvalidArgumentError('expected a positive number of hours');
    return n;
  })
  .action(async (options: { tenant: string; port: number; throttleScale?: number; now?: string; faults?: SimulatorFaultRule[]; auditLatency?: number | 'documented'; deltaLifetimeHours?: number }) => {
    const { startGraphSimulator } = await import('../simulator/graph-simulator.js');
    let fixture;
    try {
      const at = options.now ? new Date(options.now) : new Date();
      if (Number.isNaN(at.getTime())) throw new Error('--now: expected an ISO date-time');
      fixture = fixtureForServing(options.tenant, at);
    } catch (error) {
      fail(error);
    }
    const sim = await startGraphSimulator({
      fixture,
      port: options.port,
      ...(options.throttleScale ? { throttle: { timeScale: options.throttleScale } } : {}),
      ...(options.auditLatency !== undefined ? { auditLatency: options.auditLatency } : {}),
      ...(options.deltaLifetimeHours !== undefined ? { deltaLifetimeHours: options.deltaLifetimeHours } : {}),
    });
    if (options.faults) sim.setFaults(options.faults);
    console.log(JSON.stringify({ url: sim.url, token: sim.token }));
    const stop = async () => {
      await sim.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
  });

program.parseAsync(process.argv).catch(fail);
