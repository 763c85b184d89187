// Writes a deterministic tenant fixture for the scale bench (issue 9):
//   npm run gen-tenant -- --users N --admins A --policies P --signins-per-day S --seed K --out F
//     [--churn-admins PCT --churn-policies PCT --churn-seed K] [--registration all|admins] [--reference-time ISO]
// or a set of tenants (issue 20): --tenants N --out DIR writes DIR/<tenantId>.json for seeds K..K+N-1 and
// DIR/tenants.json (the manifest readTenantSet and the simulator's callers read).
// Each fixture is streamed to its file (the generator never holds the users); a one-line JSON summary goes to stdout.
import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type GenerateOptions, type GenerateSummary, MIN_ADMINS, MIN_USERS, generateTenant, validateGenerateOptions } from './generate.js';
import { MANIFEST_FILE, MAX_TENANTS, type TenantSetManifest, tenantOptions, validateTenantSetOptions } from './tenants.js';

function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const n = Number(value.trim());
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

function percent(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a percentage from 0 to 100.');
  return n;
}

interface CliOptions {
  users: number;
  admins?: number;
  policies: number;
  signinsPerDay: number;
  seed: number;
  out: string;
  churnAdmins?: number;
  churnPolicies?: number;
  churnSeed?: number;
  registration: 'all' | 'admins';
  referenceTime?: string;
  tenants?: number;
}

const program = new Command()
  .name('gen-tenant')
  .description('Write a deterministic tenant fixture (format version 1) for the scale bench.')
  .option('--users <n>', `users (at least ${MIN_USERS})`, integer(MIN_USERS, 10_000_000), 1000)
  .option('--admins <n>', `admin users (default: 1.5 % of users, at least ${MIN_ADMINS})`, integer(MIN_ADMINS, 1_000_000))
  .option('--policies <n>', 'Conditional Access policies', integer(1, 10_000), 40)
  .option('--signins-per-day <n>', 'sign-ins per day over the 3 days before the reference time', integer(0, 10_000_000), 200)
  .option('--seed <n>', 'seed: the same seed and options give the same bytes', integer(0), 1)
  .requiredOption('--out <file>', 'output file (with --tenants: a directory)')
  .option('--tenants <n>', `a set of N tenants (seeds --seed .. --seed+N-1), one file each in the --out directory, with ${MANIFEST_FILE}`, integer(1, MAX_TENANTS))
  .option('--churn-admins <pct>', 'change this percentage of admins (with --churn-seed)', percent)
  .option('--churn-policies <pct>', 'change this percentage of policies (with --churn-seed)', percent)
  .option('--churn-seed <n>', 'seed of the churn', integer(0))
  .addOption(new Option('--registration <which>', 'registration details for every user or only admins').choices(['all', 'admins']).default('all'))
  .option('--reference-time <iso>', 'the moment the fixture is captured at (default 2026-11-25T10:00:00Z)')
  .showHelpAfterError('(add --help for usage)');

program.parse();
const cli = program.opts<CliOptions>();

const admins = cli.admins ?? Math.max(MIN_ADMINS, 20, Math.round(cli.users * 0.015));
if (admins > Math.floor(cli.users / 2)) {
  program.error(`error: option '--admins <n>' must be at most half of --users (${Math.floor(cli.users / 2)} for ${cli.users} users; got ${admins})`);
}
const churnGiven = cli.churnAdmins !== undefined || cli.churnPolicies !== undefined || cli.churnSeed !== undefined;
if (churnGiven && cli.churnSeed === undefined) program.error("error: option '--churn-seed <n>' is required with --churn-admins or --churn-policies");
if (churnGiven && cli.churnAdmins === undefined && cli.churnPolicies === undefined) {
  program.error("error: option '--churn-seed <n>' needs --churn-admins and/or --churn-policies");
}
if (churnGiven && cli.tenants !== undefined) program.error('error: --tenants makes a set of base tenants; churn one of its files with a separate run');

const options: GenerateOptions = {
  users: cli.users,
  admins,
  policies: cli.policies,
  signInsPerDay: cli.signinsPerDay,
  seed: cli.seed,
  registration: cli.registration,
  ...(cli.referenceTime !== undefined ? { referenceTime: cli.referenceTime } : {}),
  ...(churnGiven ? { churn: { adminsPercent: cli.churnAdmins ?? 0, policiesPercent: cli.churnPolicies ?? 0, seed: cli.churnSeed ?? 0 } } : {}),
};
const FLAG: Record<string, string> = {
  users: '--users',
  admins: '--admins',
  policies: '--policies',
  signInsPerDay: '--signins-per-day',
  seed: '--seed',
  referenceTime: '--reference-time',
  registration: '--registration',
  'churn.adminsPercent': '--churn-admins',
  'churn.policiesPercent': '--churn-policies',
  'churn.seed': '--churn-seed',
};
const problems = cli.tenants === undefined ? validateGenerateOptions(options) : validateTenantSetOptions({ ...options, tenants: cli.tenants });
if (problems.length > 0) {
  program.error(`error: ${problems.map((p) => p.replace(/^[\w.]+/, (name) => FLAG[name] ?? name)).join('; ')}`);
}

/** Streams one fixture to `file`, with backpressure. */
async function writeFixture(o: GenerateOptions, file: string): Promise<GenerateSummary> {
  const stream = createWriteStream(file);
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure = error;
  });
  try {
    const summary = await generateTenant(o, async (chunk) => {
      if (failure) throw failure;
      if (stream.write(chunk)) return;
      // Backpressure: wait for the buffer to drain (or for an error, recorded above).
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stream.off('drain', done);
          stream.off('error', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('error', done);
      });
      if (failure) throw failure;
    });
    stream.end();
    await once(stream, 'finish');
    if (failure) throw failure;
    return summary;
  } catch (error) {
    stream.destroy();
    if (error === failure) throw new Error(`cannot write ${file}: ${(error as Error).message}`);
    throw error;
  }
}

try {
  if (cli.tenants === undefined) {
    const summary = await writeFixture(options, cli.out);
    process.stdout.write(`${JSON.stringify({ out: cli.out, ...summary })}\n`);
  } else {
    const started = performance.now();
    mkdirSync(cli.out, { recursive: true });
    const set = { ...options, tenants: cli.tenants };
    const manifest: TenantSetManifest = { version: 1, options: set, tenants: [] };
    const ids = new Set<string>();
    for (let i = 0; i < cli.tenants; i++) {
      const o = tenantOptions(set, i);
      // The file is named by the tenant id, which only the generator knows: write, then rename.
      const temporary = path.join(cli.out, `.tenant-${i}.json.partial`);
      const summary = await writeFixture(o, temporary);
      if (ids.has(summary.tenantId)) throw new Error(`two tenants of the set have the tenant id ${summary.tenantId}; choose another --seed`);
      ids.add(summary.tenantId);
      const file = `${summary.tenantId}.json`;
      renameSync(temporary, path.join(cli.out, file));
      manifest.tenants.push({ tenantId: summary.tenantId, displayName: o.displayName ?? '', seed: o.seed, file, users: summary.users, admins: summary.admins });
    }
    writeFileSync(path.join(cli.out, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify({ out: cli.out, manifest: path.join(cli.out, MANIFEST_FILE), tenants: cli.tenants, firstSeed: cli.seed, seconds: Math.round(performance.now() - started) / 1000 })}\n`);
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`gen-tenant: ${message.startsWith('cannot write') ? message.replace(/^cannot write /, 'cannot write --out ') : message}\n`);
  process.exitCode = 1;
}
