// The simulated tenant's sign-in log as Graph serves it: interactive sign-ins by default, non-interactive ones
// only through beta's signInEventTypes filter, report-only results only with `Prefer: include-unknown-enum-members`
// (otherwise unknownFutureValue), and lambda filters on signInEventTypes and appliedConditionalAccessPolicies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTenantFixture } from '../../devkit/fixture/format.js';
import { compileFilter, evaluateFilter, parseFilter } from '../../devkit/simulator/filter.js';
import { type GraphSimulator, startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const U1 = 'a0000000-0000-4000-8000-000000000001';
const U2 = 'a0000000-0000-4000-8000-000000000002';
const P = 'c0000000-0000-4000-8000-000000000001';

const fixture = parseTenantFixture({
  tenantId: 't',
  signIns: [
    { id: 'i1', createdDateTime: '2026-06-01T10:00:00Z', userId: U1, isInteractive: true, status: { errorCode: 0 }, appliedConditionalAccessPolicies: [{ id: P, displayName: 'Rollout', result: 'reportOnlyInterrupted', conditionsNotSatisfied: 'servicePrincipals' }] },
    { id: 'n1', createdDateTime: '2026-06-01T10:05:00Z', userId: U1, isInteractive: false, status: { errorCode: 0 }, appliedConditionalAccessPolicies: [{ id: P, displayName: 'Rollout', result: 'reportOnlyFailure' }] },
    { id: 'n2', createdDateTime: '2026-06-01T10:06:00Z', userId: U2, signInEventTypes: ['nonInteractiveUser'], status: { errorCode: 0 }, appliedConditionalAccessPolicies: [{ id: P, displayName: 'Rollout', result: 'reportOnlySuccess' }] },
    { id: 'i2', createdDateTime: '2026-06-01T10:07:00Z', userId: U2, status: { errorCode: 50074 }, appliedConditionalAccessPolicies: [{ id: P, displayName: 'Rollout', result: 'reportOnlyNotApplied' }] },
  ],
});

let sim: GraphSimulator;
beforeAll(async () => {
  sim = await startGraphSimulator({ fixture, now: () => NOW });
});
afterAll(async () => {
  await sim.close();
});

async function list(path: string, prefer = false): Promise<{ status: number; body: { value?: Array<Record<string, unknown>>; error?: { message: string } } }> {
  const response = await fetch(`${sim.url}${path}`, { headers: { Authorization: `Bearer ${sim.token}`, ...(prefer ? { Prefer: 'include-unknown-enum-members' } : {}) } });
  return { status: response.status, body: (await response.json()) as never };
}

const ids = (r: Awaited<ReturnType<typeof list>>) => (r.body.value ?? []).map((s) => s.id).sort();
const q = encodeURIComponent;

describe('the sign-in log', () => {
  it('lists interactive sign-ins only, on v1.0 and on beta without signInEventTypes (Learn: sign-in logs with Microsoft Graph)', async () => {
    expect(ids(await list('/v1.0/auditLogs/signIns'))).toEqual(['i1', 'i2']);
    expect(ids(await list('/beta/auditLogs/signIns'))).toEqual(['i1', 'i2']);
  });

  it('lists non-interactive sign-ins on beta with signInEventTypes/any(...), deriving event types from isInteractive', async () => {
    const both = await list(`/beta/auditLogs/signIns?$filter=${q("signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')")}`);
    expect(ids(both)).toEqual(['i1', 'i2', 'n1', 'n2']);
    expect(both.body.value?.find((s) => s.id === 'n1')).toMatchObject({ isInteractive: false, signInEventTypes: ['nonInteractiveUser'] });
    expect(ids(await list(`/beta/auditLogs/signIns?$filter=${q("signInEventTypes/any(t: t eq 'nonInteractiveUser')")}`))).toEqual(['n1', 'n2']);
  });

  it('refuses signInEventTypes on v1.0, which has no such property', async () => {
    const r = await list(`/v1.0/auditLogs/signIns?$filter=${q("signInEventTypes/any(t: t eq 'nonInteractiveUser')")}`);
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toContain('signInEventTypes');
  });

  it('serves report-only results only with Prefer: include-unknown-enum-members, else unknownFutureValue (Graph evolvable enums)', async () => {
    const without = await list('/beta/auditLogs/signIns');
    const with_ = await list('/beta/auditLogs/signIns', true);
    const result = (r: typeof without, id: string) => (r.body.value?.find((s) => s.id === id)?.appliedConditionalAccessPolicies as Array<Record<string, unknown>>)[0];
    expect(result(without, 'i1')).toMatchObject({ result: 'unknownFutureValue', conditionsNotSatisfied: 'unknownFutureValue' });
    expect(result(with_, 'i1')).toMatchObject({ result: 'reportOnlyInterrupted', conditionsNotSatisfied: 'servicePrincipals' });
  });

  it('filters on appliedConditionalAccessPolicies results with a lambda, on the values it serves', async () => {
    const filter = q("signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser') and appliedConditionalAccessPolicies/any(p: p/result eq 'reportOnlyFailure' or p/result eq 'reportOnlyInterrupted')");
    expect(ids(await list(`/beta/auditLogs/signIns?$filter=${filter}`, true))).toEqual(['i1', 'n1']);
    // Without the header the report-only results read unknownFutureValue: nothing matches.
    expect(ids(await list(`/beta/auditLogs/signIns?$filter=${filter}`))).toEqual([]);
    expect(ids(await list(`/beta/auditLogs/signIns?$filter=${q(`appliedConditionalAccessPolicies/any(p: p/id eq '${P}' and p/result eq 'reportOnlyNotApplied')`)}`, true))).toEqual(['i2']);
  });

  it('filters by userId or userPrincipalName in an or-list', async () => {
    expect(ids(await list(`/beta/auditLogs/signIns?$filter=${q(`createdDateTime ge 2026-06-01T00:00:00Z and (userId eq '${U1}' or userId eq '${U2}')`)}`))).toEqual(['i1', 'i2']);
  });

  it('sends the header through $batch too', async () => {
    const response = await fetch(`${sim.url}/beta/$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/auditLogs/signIns', headers: { Prefer: 'include-unknown-enum-members' } }, { id: '2', method: 'GET', url: '/auditLogs/signIns' }] }),
    });
    const body = (await response.json()) as { responses: Array<{ id: string; body: { value: Array<{ id: string; appliedConditionalAccessPolicies: Array<{ result: string }> }> } }> };
    const first = (id: string) => body.responses.find((r) => r.id === id)?.body.value.find((s) => s.id === 'i1')?.appliedConditionalAccessPolicies[0]?.result;
    expect(first('1')).toBe('reportOnlyInterrupted');
    expect(first('2')).toBe('unknownFutureValue');
  });
});

describe('lambda filters', () => {
  const schema = { resource: 'microsoft.graph.signIn', allowOr: true, properties: { userId: { type: 'string' as const, ops: ['eq' as const] } }, lambdas: { tags: { '': { type: 'string' as const, ops: ['eq' as const] } }, items: { result: { type: 'string' as const, ops: ['eq' as const] } } } };

  it('parses any(var: body) over a collection path', () => {
    expect(parseFilter("items/any(p: p/result eq 'x' or p/result eq 'y')")).toMatchObject({ type: 'any', path: 'items', variable: 'p', body: { type: 'or' } });
  });

  it('evaluates over string collections and object collections', () => {
    const tagged = compileFilter("tags/any(t: t eq 'a')", schema, schema.resource);
    expect(evaluateFilter(tagged, { tags: ['b', 'A'] }, schema)).toBe(true);
    expect(evaluateFilter(tagged, { tags: ['b'] }, schema)).toBe(false);
    expect(evaluateFilter(tagged, {}, schema)).toBe(false);
    const items = compileFilter("items/any(p: p/result eq 'x')", schema, schema.resource);
    expect(evaluateFilter(items, { items: [{ result: 'y' }, { result: 'x' }] }, schema)).toBe(true);
  });

  it.each([
    ["userId/any(t: t eq 'a')", /Lambda expressions are not supported on property 'userId'/],
    ["items/any(p: p/id eq 'x')", /p\/id/],
    ["items/all(p: p/result eq 'x')", /not supported/],
    ["items/any(p p/result eq 'x')", /expected ':'/],
  ])('refuses %s', (text, message) => {
    expect(() => compileFilter(text, schema, schema.resource)).toThrow(message);
  });
});
