// Tenant sets for the multi-tenant bench (issue 20): N generated tenants with distinct GUID tenant ids, each its own
// data, deterministic, valid fixtures; the gen-tenant CLI's directory form; served side by side by one simulator.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTenantFixture } from '../../devkit/fixture/format.js';
import { generateTenant } from '../../devkit/generate/generate.js';
import { type GeneratedTenant, type TenantSetOptions, generateTenants, readTenantSet, tenantOptions } from '../../devkit/generate/tenants.js';
import { startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SET: TenantSetOptions = { tenants: 4, users: 60, admins: 10, policies: 34, signInsPerDay: 10, seed: 7 };

async function all(options: TenantSetOptions): Promise<GeneratedTenant[]> {
  const out: GeneratedTenant[] = [];
  for await (const t of generateTenants(options)) out.push(t);
  return out;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('generateTenants', () => {
  it('gives N valid tenants with distinct GUID tenant ids, names, domains and data, the same every time', async () => {
    const set = await all(SET);
    expect(set.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    const ids = set.map((t) => t.tenantId);
    for (const id of ids) expect(id).toMatch(GUID);
    expect(new Set(ids).size).toBe(4);
    expect(new Set(set.map((t) => t.displayName)).size).toBe(4);
    expect(set.map((t) => t.seed)).toEqual([7, 8, 9, 10]);
    for (const t of set) {
      const parsed = parseTenantFixture(structuredClone(t.fixture));
      expect(parsed.tenantId).toBe(t.tenantId);
      expect(parsed.displayName).toBe(t.displayName);
      expect(parsed.users).toHaveLength(60);
      const domain = tenantOptions(SET, t.index).domain as string;
      expect(parsed.users?.filter((u) => u.userType !== 'Guest').every((u) => String(u.userPrincipalName).endsWith(`@${domain}`))).toBe(true);
    }
    // No two tenants share an object id.
    const userIds = set.flatMap((t) => (t.fixture.users ?? []).map((u) => u.id));
    expect(new Set(userIds).size).toBe(userIds.length);
    // Deterministic: the same options give the same tenants.
    const again = await all(SET);
    expect(again.map((t) => t.tenantId)).toEqual(ids);
    expect(JSON.stringify(again[2]?.fixture)).toBe(JSON.stringify(set[2]?.fixture));
    // Tenant i is the generator's tenant with seed + i (only name and domain differ).
    const plain = await generateTenant({ ...SET, seed: 8 }, () => undefined);
    expect(plain.tenantId).toBe(ids[1]);
  });

  it('refuses invalid set options, naming the option', async () => {
    await expect(all({ ...SET, tenants: 0 })).rejects.toThrow(/tenants must be an integer from 1/);
    await expect(all({ ...SET, users: 10 })).rejects.toThrow(/users must be an integer/);
    await expect(all({ ...SET, seed: Number.MAX_SAFE_INTEGER })).rejects.toThrow(/seed must leave room/);
  });

  it('serves a generated set from one simulator: every token sees its own tenant', async () => {
    const set = await all({ ...SET, tenants: 3 });
    const sim = await startGraphSimulator({ tenants: set.map((t) => ({ tenantId: t.tenantId, fixture: t.fixture })) });
    try {
      for (const t of set) {
        const res = await fetch(`${sim.url}/v1.0/users?$select=id&$top=999`, { headers: { authorization: `Bearer ${sim.tokenFor(t.tenantId)}` } });
        const body = (await res.json()) as { value: Array<{ id: string }> };
        expect(body.value.map((u) => u.id).sort()).toEqual((t.fixture.users ?? []).map((u) => u.id).sort());
      }
    } finally {
      await sim.close();
    }
  });
});

const CLI = new URL('../../dist/devkit/generate/cli.js', import.meta.url).pathname;
describe.skipIf(!existsSync(CLI))('gen-tenant --tenants (needs `npm run build`; `npm test` builds first)', () => {
  it('writes one fixture per tenant and tenants.json, which readTenantSet reads back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'amm-tenant-set-'));
    dirs.push(dir);
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, '--tenants', '3', '--users', '60', '--admins', '10', '--signins-per-day', '5', '--seed', '7', '--out', dir], { timeout: 60_000 });
    const summary = JSON.parse(stdout) as { tenants: number; manifest: string };
    expect(summary.tenants).toBe(3);
    const expected = (await all({ ...SET, tenants: 3, signInsPerDay: 5 })).map((t) => t.tenantId);
    expect(readdirSync(dir).sort()).toEqual([...expected.map((id) => `${id}.json`), 'tenants.json'].sort());
    const read = readTenantSet(dir);
    expect(read.map((t) => t.tenantId)).toEqual(expected);
    expect(read[0]?.fixture.users).toHaveLength(60);
  }, 90_000);
});
