// Tenant fixture validation: errors name the key, the index and what was expected.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FixtureError, parseTenantFixture, parseTenantFixtureText } from '../../devkit/fixture/format.js';
import { fixtureAt } from '../../devkit/fixture/time.js';
import { snapshotFromFixture } from '../../devkit/bench/snapshot.js';
import { DEFAULT_EVALUATION_OPTIONS, evaluate } from '../../src/core/evaluate.js';
import type { SignIn } from '../../src/core/graph-types.js';
import { digests } from '../core/signins.js';

function problems(value: unknown): string[] {
  try {
    parseTenantFixture(value, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(FixtureError);
    return (error as FixtureError).problems;
  }
  throw new Error('expected a FixtureError');
}

describe('tenant fixture validation', () => {
  it.each([
    ['a wrong type names key, index and expectation', { tenantId: 't', users: [{ id: 'a' }, { id: 3 }] }, 'users[1].id: expected string, received number'],
    ['a missing required property', { tenantId: 't', conditionalAccessPolicies: [{ id: 'p', state: 'enabled', conditions: {} }] }, 'conditionalAccessPolicies[0].displayName: expected string, received undefined'],
    ['a nested property', { tenantId: 't', groups: [{ id: 'g', members: ['a', 7] }] }, 'groups[0].members[1]: expected string, received number'],
    ['no tenant id', { users: [] }, 'tenantId: expected string, received undefined'],
    ['an unsupported version', { version: 2, tenantId: 't' }, 'version: expected 1'],
    ['a duplicate id', { tenantId: 't', users: [{ id: 'a' }, { id: 'A' }] }, "users[1].id: duplicate id 'A' (also users[0])"],
    ['an id shared by a user and a group', { tenantId: 't', users: [{ id: 'x' }], groups: [{ id: 'x' }] }, "groups[0].id: 'x' is also users[0]"],
    ['a group that contains itself', { tenantId: 't', groups: [{ id: 'g', members: ['g'] }] }, "groups[0].members: group 'g' lists itself as a member"],
    ['not an object', [1, 2], '(top level): expected a JSON object'],
  ])('%s', (_name, value, message) => {
    expect(problems(value).join('\n')).toContain(message);
  });

  it('reports a JSON syntax error with its line and column', () => {
    expect(() => parseTenantFixtureText('{\n  "tenantId": "t",\n  "users": [,]\n}', 'bad.json')).toThrow(/bad\.json.*not valid JSON/s);
  });

  it('accepts a UTF-8 byte order mark (Windows PowerShell 5.1 writes one)', () => {
    expect(parseTenantFixtureText('\ufeff{"tenantId":"t"}').tenantId).toBe('t');
  });

  it('accepts any key missing, and passes Graph properties it does not know through', () => {
    const f = parseTenantFixture({ tenantId: 't', users: [{ id: 'a', jobTitle: 'CISO' }] });
    expect((f.users?.[0] as Record<string, unknown>).jobTitle).toBe('CISO');
  });

  it('the bundled demo tenant is valid', () => {
    const text = readFileSync(new URL('../../devkit/fixtures/demo-tenant.json', import.meta.url), 'utf8');
    const demo = parseTenantFixtureText(text, 'demo-tenant.json');
    expect(demo.users?.length).toBeGreaterThan(200);
    expect(demo.referenceTime).toBeDefined();
  });

  it('the demo tenant evaluates as docs/tenant-fixture.md says', () => {
    const demo = parseTenantFixtureText(readFileSync(new URL('../../devkit/fixtures/demo-tenant.json', import.meta.url), 'utf8'), 'demo-tenant.json');
    const now = new Date().toISOString();
    const report = evaluate(snapshotFromFixture(fixtureAt(demo, new Date(now)), now), { ...DEFAULT_EVALUATION_OPTIONS, excludedAccounts: ['227ef629-761e-5c10-a75d-3e62e6960799'], now });
    const { protected: ok, partial, unprotected, excluded } = report.summary;
    expect({ ok, partial, unprotected, excluded }).toEqual({ ok: 6, partial: 13, unprotected: 2, excluded: 2 });
    expect([...new Set(report.findings.map((f) => f.type))].sort()).toEqual([
      'admin-not-registered',
      'admin-partially-protected',
      'admin-unprotected',
      'eligible-activation-without-mfa',
      'exclusion-inconsistent',
      'permanent-privileged-assignment',
      // CA011, the admin policy being rolled out in report-only mode (issue 13).
      'policy-report-only',
      'policy-stale-reference',
      'potential-admin-unprotected',
      'principal-unresolved',
      'role-scope-not-targetable',
    ]);
  });

  it('the demo tenant\'s sign-ins show a contradicted admin, a rollout that would block a service account and an admin who never completes MFA (docs/tenant-fixture.md)', () => {
    const demo = parseTenantFixtureText(readFileSync(new URL('../../devkit/fixtures/demo-tenant.json', import.meta.url), 'utf8'), 'demo-tenant.json');
    const now = demo.referenceTime as string;
    const snapshot = snapshotFromFixture(demo, now);
    snapshot.signInEvidence = { digests: digests((demo.signIns ?? []) as SignIn[], 10, now), activations: [] };
    snapshot.dataSources.signIns = { state: 'ok', asOf: now };
    const report = evaluate(snapshot, { ...DEFAULT_EVALUATION_OPTIONS, excludedAccounts: ['227ef629-761e-5c10-a75d-3e62e6960799'], now });
    const of = (type: string) => report.findings.filter((f) => f.type === type).map((f) => `${f.subjectName}:${f.severity}`).sort();
    expect(of('evaluation-contradicted')).toEqual(['adm-priya.raman@contoso-demo.example:high']);
    expect(of('admin-cannot-complete-mfa')).toEqual(['fatima.alsayed@contoso-demo.example:high']);
    expect(of('admin-single-factor-sign-in')).toContain('svc-exo-automation@contoso-demo.example:high');
    const rollout = new Map((report.rollout ?? []).map((r) => [r.displayName.slice(0, 5), r]));
    expect(rollout.get('CA005')?.verdict).toBe('ready');
    expect(rollout.get('CA011')?.verdict).toBe('wouldBlock');
    expect(rollout.get('CA011')?.excludedOrService.map((a) => `${a.userPrincipalName}:${a.kinds.join('+')}:${a.effect}`)).toEqual(['svc-exo-automation@contoso-demo.example:admin+service+unregistered:blocked']);
    expect(report.admins.some((a) => a.gaps.some((g) => g.observed))).toBe(true);
  });

  it('moves relative times so referenceTime becomes now', () => {
    const f = parseTenantFixture({ tenantId: 't', referenceTime: '2026-01-01T00:00:00Z', signIns: [{ id: 's', createdDateTime: '2025-12-31T23:00:00Z' }] });
    const moved = fixtureAt(f, new Date('2026-06-01T00:00:00Z'));
    expect(moved.signIns?.[0]?.createdDateTime).toBe('2026-05-31T23:00:00Z');
    expect(moved.referenceTime).toBe('2026-06-01T00:00:00.000Z');
    expect(fixtureAt(parseTenantFixture({ tenantId: 't' }), new Date())).toEqual({ tenantId: 't' });
  });
});
