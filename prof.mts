import { generateTenant } from './src/bench/generate.ts';
import { parseTenantFixtureText } from './src/core/fixture.ts';
import { snapshotFromFixture } from './src/core/directory.ts';
import { evaluate } from './src/core/evaluate.ts';
const chunks: string[] = [];
await generateTenant({ users: 20000, admins: 10000, policies: 500, signInsPerDay: 10, seed: 1, registration: 'admins' }, (c) => { chunks.push(c); });
const fixture = parseTenantFixtureText(chunks.join(''));
const snap = snapshotFromFixture(fixture, fixture.referenceTime!);
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const r = evaluate(snap, { adminRoles: { mode: 'core', roleIds: [] }, excludedAccounts: [fixture.settings!.MONITOR_EXCLUDED_ACCOUNTS!], globalAdminMin: 2, globalAdminMax: 8 });
  console.log('eval ms', (performance.now() - t).toFixed(0), r.summary.admins, r.summary.partial);
}
