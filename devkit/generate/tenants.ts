// Many generated tenants for the multi-tenant bench and the simulator (issue 20). Tenant i of a set is the
// generator's tenant with seed `seed + i` (so its GUID tenant id, its object ids and its data all differ), its own
// display name and UPN domain. The set is as deterministic as one tenant: the same options give the same tenants.
// Generating in memory costs about 0.25 s and 3.5 MB of heap per 1,000-user tenant (docs/devkit.md), so a bench
// can build 200 tenants without files; `gen-tenant --tenants N` writes them to a directory when files are wanted.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TenantFixture } from '../fixture/format.js';
import { readFixture } from '../fixture/load.js';
import { type GenerateOptions, type GenerateSummary, generateTenant, validateGenerateOptions } from './generate.js';

/** At most this many tenants in one set. */
export const MAX_TENANTS = 10_000;

export interface TenantSetOptions extends Omit<GenerateOptions, 'displayName' | 'domain' | 'churn'> {
  /** How many tenants (1 to MAX_TENANTS). */
  tenants: number;
}

export interface GeneratedTenant {
  /** 0-based position in the set. */
  index: number;
  tenantId: string;
  seed: number;
  displayName: string;
  fixture: TenantFixture;
  summary: GenerateSummary;
}

/** The seed of tenant `index` of a set whose base seed is `seed`. */
export function tenantSeed(seed: number, index: number): number {
  return seed + index;
}

/** The generator options of tenant `index` of a set. */
export function tenantOptions(options: TenantSetOptions, index: number): GenerateOptions {
  const { tenants: _count, ...base } = options;
  const label = String(index + 1).padStart(Math.max(3, String(options.tenants).length), '0');
  return { ...base, seed: tenantSeed(options.seed, index), displayName: `Northwind Scale ${label}`, domain: `tenant${label}.northwind-scale.example` };
}

/** Problems with the options of a set, each naming the option; empty when valid. */
export function validateTenantSetOptions(options: TenantSetOptions): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(options.tenants) || options.tenants < 1 || options.tenants > MAX_TENANTS) {
    problems.push(`tenants must be an integer from 1 to ${MAX_TENANTS} (got ${JSON.stringify(options.tenants)})`);
  } else if (!Number.isSafeInteger(options.seed + options.tenants - 1)) {
    problems.push(`seed must leave room for ${options.tenants} consecutive seeds (got ${JSON.stringify(options.seed)})`);
  }
  return [...problems, ...validateGenerateOptions(tenantOptions({ ...options, tenants: Number.isSafeInteger(options.tenants) ? options.tenants : 1 }, 0))];
}

/**
 * One generated tenant as a fixture in memory. The generator's output is valid by construction (its own tests
 * parse it with parseTenantFixture), so it is not validated again here: that would double the cost.
 */
export async function generateTenantFixture(options: GenerateOptions): Promise<{ fixture: TenantFixture; summary: GenerateSummary }> {
  const chunks: string[] = [];
  const summary = await generateTenant(options, (chunk) => {
    chunks.push(chunk);
  });
  return { fixture: JSON.parse(chunks.join('')) as TenantFixture, summary };
}

/**
 * The tenants of a set, one at a time (hold them all, or hand each on and let it go). Throws RangeError naming the
 * option when the options are invalid, and Error if two tenants of the set would share a tenant id.
 */
export async function* generateTenants(options: TenantSetOptions): AsyncGenerator<GeneratedTenant> {
  const problems = validateTenantSetOptions(options);
  if (problems.length > 0) throw new RangeError(`invalid tenant set options: ${problems.join('; ')}`);
  const seen = new Map<string, number>();
  for (let index = 0; index < options.tenants; index++) {
    const o = tenantOptions(options, index);
    const { fixture, summary } = await generateTenantFixture(o);
    const earlier = seen.get(summary.tenantId.toLowerCase());
    if (earlier !== undefined) throw new Error(`tenants ${earlier} and ${index} of the set have the same tenant id ${summary.tenantId}; choose another seed`);
    seen.set(summary.tenantId.toLowerCase(), index);
    yield { index, tenantId: summary.tenantId, seed: o.seed, displayName: o.displayName ?? '', fixture, summary };
  }
}

/** `tenants.json`, written by `gen-tenant --tenants N --out DIR` beside the fixtures. */
export interface TenantSetManifest {
  version: 1;
  options: TenantSetOptions;
  tenants: Array<{ tenantId: string; displayName: string; seed: number; file: string; users: number; admins: number }>;
}

export const MANIFEST_FILE = 'tenants.json';

/** The tenants a `gen-tenant --tenants` directory (or its tenants.json) holds, each fixture read and validated. */
export function readTenantSet(dirOrManifest: string): Array<{ tenantId: string; fixture: TenantFixture }> {
  const manifestFile = dirOrManifest.endsWith('.json') ? dirOrManifest : path.join(dirOrManifest, MANIFEST_FILE);
  let manifest: TenantSetManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as TenantSetManifest;
  } catch (error) {
    throw new Error(`${manifestFile}: cannot read the tenant set manifest: ${(error as Error).message}`);
  }
  if (manifest?.version !== 1 || !Array.isArray(manifest.tenants)) throw new Error(`${manifestFile}: expected {"version":1,"tenants":[...]} as gen-tenant --tenants writes it`);
  return manifest.tenants.map((t, i) => {
    if (typeof t?.file !== 'string' || typeof t.tenantId !== 'string') throw new Error(`${manifestFile}: tenants[${i}] needs tenantId and file`);
    const fixture = readFixture(path.resolve(path.dirname(manifestFile), t.file), () => undefined);
    if (fixture.tenantId.toLowerCase() !== t.tenantId.toLowerCase()) throw new Error(`${manifestFile}: tenants[${i}].tenantId ${t.tenantId} differs from ${t.file}'s tenantId ${fixture.tenantId}`);
    return { tenantId: t.tenantId, fixture };
  });
}
