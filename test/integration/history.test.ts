// History API over Azurite: every filter, pagination with continuation tokens, validation, injection attempts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_DATASETS, HistoryQueryError, parseHistoryQuery, queryHistory } from '../../src/app/history.js';
import { runCycle } from '../../src/app/cycle.js';
import { ROLE } from '../../src/core/catalog.js';
import type { ConditionalAccessPolicy } from '../../src/core/graph-types.js';
import { type TestEnvironment, stopAzurite, testEnvironment } from '../helpers/environment.js';
import { T, baseTenant, clone } from '../helpers/tenant.js';

let env: TestEnvironment;
let startedAt: string;
let middle: string;

async function q(dataset: string, params: Record<string, string> = {}) {
  const parsed = parseHistoryQuery(dataset, params);
  return queryHistory(env.store, parsed.dataset, parsed.query);
}

async function all(dataset: string, params: Record<string, string> = {}) {
  const items: Array<Record<string, unknown>> = [];
  let continuation: string | undefined;
  let pages = 0;
  do {
    const page = await q(dataset, { ...params, ...(continuation ? { continuation } : {}) });
    items.push(...page.items);
    continuation = page.continuation ?? undefined;
    pages++;
  } while (continuation && pages < 50);
  return { items, pages };
}

beforeAll(async () => {
  startedAt = new Date().toISOString();
  env = await testEnvironment(baseTenant({ signIns: 40 }), { env: { MONITOR_EXCLUDED_ACCOUNTS: T.breakGlass } });
  await runCycle(env.rt, 'test');
  await new Promise((r) => setTimeout(r, 20));
  middle = new Date().toISOString();
  // Changes: alice's assignment, a policy, carol leaves the role group.
  const next = clone(baseTenant({ signIns: 40 }));
  const alice = next.roleAssignmentScheduleInstances?.find((i) => i.id === 'rasi-alice-ga');
  if (alice) alice.endDateTime = '2031-01-01T00:00:00Z';
  const policy = next.conditionalAccessPolicies?.find((p) => p.id === T.policyAdmins) as ConditionalAccessPolicy;
  policy.conditions.users = { ...policy.conditions.users, excludeUsers: [T.carol] };
  const now = Date.now();
  next.roleAssignmentScheduleInstances?.push({ id: 'rasi-bob-activated', principalId: T.bob, roleDefinitionId: ROLE.userAdministrator, directoryScopeId: '/', assignmentType: 'Activated', memberType: 'Direct', startDateTime: new Date(now - 60_000).toISOString(), endDateTime: new Date(now + 3_600_000).toISOString() });
  env.setTenant(next);
  await runCycle(env.rt, 'test');
});

afterAll(async () => {
  await env?.close();
  await stopAzurite();
});

describe('history queries', () => {
  it('lists every dataset', async () => {
    for (const dataset of HISTORY_DATASETS) {
      const page = await q(dataset);
      expect(page.dataset).toBe(dataset);
      expect(page.items.length, dataset).toBeGreaterThan(0);
    }
  });

  it('filters by time range (newest first)', async () => {
    const before = await all('assignments', { to: middle });
    const after = await all('assignments', { from: middle });
    expect(after.items.map((i) => i.id).sort()).toEqual(['rasi-alice-ga', 'rasi-bob-activated']);
    expect(before.items.length).toBeGreaterThan(5);
    expect(before.items.every((i) => String(i.time) <= middle)).toBe(true);
    const times = before.items.map((i) => String(i.time));
    expect([...times].sort().reverse()).toEqual(times);
    const none = await q('assignments', { from: startedAt, to: startedAt });
    expect(none.items).toEqual([]);
  });

  it('filters by principal (object id or UPN) and by role (id or name)', async () => {
    const byId = await all('assignments', { principal: T.alice });
    const byUpn = await all('assignments', { principal: 'alice@contoso.test' });
    expect(byId.items.map((i) => i.id)).toEqual(['rasi-alice-ga', 'rasi-alice-ga']);
    expect(byId.items.map((i) => i.change)).toEqual(['changed', 'added']);
    expect(byUpn.items).toEqual(byId.items);
    const byRole = await all('assignments', { role: ROLE.globalAdministrator });
    const byRoleName = await all('assignments', { role: 'Global Administrator' });
    expect(byRole.items.map((i) => i.id).sort()).toEqual(['rasi-alice-ga', 'rasi-alice-ga', 'rasi-bg-ga']);
    expect(byRoleName.items).toEqual(byRole.items);
    const both = await all('assignments', { principal: T.alice, role: ROLE.helpdeskAdministrator });
    expect(both.items).toEqual([]);
    const admins = await all('admins', { principal: 'carol@contoso.test' });
    expect(admins.items.map((i) => i.change)).toEqual(['changed', 'added']);
    const signIns = await all('signins', { principal: 'breakglass@contoso.test' });
    expect(signIns.items.length).toBe(4);
    expect(signIns.items.every((i) => i.kind === 'breakGlass')).toBe(true);
    expect((await q('activations', { principal: T.alice })).items).toEqual([]);
    const bob = await q('activations', { principal: 'bob@contoso.test', role: 'User Administrator' });
    expect(bob.items.map((i) => i.id)).toEqual(['rasi-bob-activated']);
  });

  it('lists policy versions with a field-level diff', async () => {
    const versions = await all('policies', { policy: T.policyAdmins });
    expect(versions.items.map((i) => i.change)).toEqual(['changed', 'added']);
    expect(versions.items[0]?.diff).toEqual([`conditions.users.excludeUsers: +${T.carol}`]);
    const onlyLocations = await all('policies', { type: 'namedLocation' });
    expect(onlyLocations.items.every((i) => i.dataset === 'namedLocation')).toBe(true);
  });

  it('filters findings by type, severity and subject; runs by collector', async () => {
    const unprotected = await all('findings', { type: 'policy-weakened' });
    expect(unprotected.items).toHaveLength(1);
    expect(unprotected.items[0]?.subjectId).toBe(T.policyAdmins);
    const high = await all('findings', { severity: 'high' });
    expect(high.items.length).toBeGreaterThan(0);
    expect(high.items.every((i) => i.severity === 'high')).toBe(true);
    const carol = await all('findings', { principal: T.carol });
    expect(carol.items.some((i) => i.type === 'admin-lost-protection')).toBe(true);
    const runs = await all('runs', { type: 'roles' });
    expect(runs.items).toHaveLength(2);
    expect(runs.items.every((i) => i.collector === 'roles')).toBe(true);
  });

  it('pages with continuation tokens without losing or repeating entries', async () => {
    const whole = await all('assignments', { top: '500' });
    const paged = await all('assignments', { top: '3' });
    expect(paged.pages).toBeGreaterThan(2);
    expect(paged.items.map((i) => `${i.time}|${i.id}`)).toEqual(whole.items.map((i) => `${i.time}|${i.id}`));
    const signIns = await all('signins', { top: '7' });
    expect(new Set(signIns.items.map((i) => i.id)).size).toBe(signIns.items.length);
  });
});

describe('validation', () => {
  const bad: Array<[string, Record<string, string>, string]> = [
    ['unknown dataset', {}, 'dataset: expected one of'],
    ['from not a date', { from: 'yesterday' }, 'from: expected an ISO 8601 date-time'],
    ['top too large', { top: '100000' }, 'top: expected 1 to 500'],
    ['top not a number', { top: '1;DROP' }, 'top: expected a whole number'],
    ['severity', { severity: 'critical' }, 'severity: expected high, medium or low'],
    ['unknown parameter', { filter: "PartitionKey eq 'x'" }, 'unknown parameter(s): filter'],
    ['from after to', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from: must not be after to'],
    ['from before 1970', { from: '1960-01-01T00:00:00Z' }, 'from: expected a date-time between 1970 and 2286'],
    // Any text may name a principal now (a UPN prefix or display name): a quote is data, matched against stored names.
    ['principal injection', { principal: "x' or PartitionKey ne '" }, "principal: no admin or monitored user has an id, UPN or display name matching 'x' or PartitionKey ne ''"],
    ['principal with control characters', { principal: 'ab\u0000c' }, 'principal: control characters are not allowed'],
    ['principal too short', { principal: 'a' }, 'principal: expected an object id, a user principal name (or the start of one) or a display name'],
    ['role injection', { role: "' or true or '" }, 'role: expected a role template id'],
    ['type injection', { type: "x' or 1 eq 1 or 'a" }, 'type: expected a finding type'],
    ['continuation garbage', { continuation: '<script>' }, 'continuation: not a token this API issued'],
  ];
  it.each(bad)('400: %s', async (_name, params, message) => {
    const dataset = _name === 'unknown dataset' ? 'secrets' : 'assignments';
    const error = await q(dataset, params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryQueryError);
    expect((error as HistoryQueryError).problems.join('; ')).toContain(message);
  });

  it('refuses a parameter the dataset does not support instead of ignoring it', async () => {
    const error = await q('signins', { role: ROLE.globalAdministrator }).catch((e: unknown) => e);
    expect((error as HistoryQueryError).problems[0]).toContain('role: not supported for signins');
  });

  it('a quote in a valid-looking value cannot change the query: it is data', async () => {
    // Passes validation (a UPN may contain no quote, so use the type filter with a well-formed but unknown value).
    const page = await q('findings', { type: 'admin-unprotected' });
    expect(page.items.every((i) => i.type === 'admin-unprotected')).toBe(true);
    const tampered = await q('assignments', { continuation: 'eyJuZXh0UGFydGl0aW9uS2V5IjoiWVd4cyJ9' }).catch((e: unknown) => e);
    // A syntactically valid token for another place cannot widen the filter: either an error or entries of the same query.
    if (!(tampered instanceof Error)) {
      const items = (tampered as { items: Array<Record<string, unknown>> }).items;
      expect(items.every((i) => typeof i.id === 'string' && typeof i.change === 'string')).toBe(true);
    }
  });

  it('an unknown UPN is a clear 400, not an empty 200', async () => {
    const error = await q('assignments', { principal: 'nobody@contoso.test' }).catch((e: unknown) => e);
    expect((error as HistoryQueryError).problems[0]).toContain("no admin or monitored user has an id, UPN or display name matching 'nobody@contoso.test'");
  });
});
