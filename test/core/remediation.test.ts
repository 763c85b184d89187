// Remediation that is proven (R-FIX-1..4, docs/remediation.md): one case per kind of gap. Each case builds a
// tenant, evaluates it, asks for proposals, and then checks the chosen proposal independently of the engine's
// own verification: the test applies its Graph requests to the fixture JSON the way Graph would (PATCH merges
// the body, POST adds a policy, DELETE …/members/{id}/$ref removes a membership), evaluates the changed tenant
// from scratch, and asserts that the gap is gone and that no admin is worse off.
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVALUATION_OPTIONS, type EvaluationOptions, evaluate } from '../../src/core/evaluate.js';
import { type FixProposal, type RemediationOut, proposeRemediation } from '../../src/core/remediation.js';
import type { AdminOut, Report } from '../../src/core/report.js';
import { VERDICT_ORDER } from '../../src/core/report.js';
import { snapshotFromFixture } from '../../devkit/bench/snapshot.js';
import { type TenantFixture, parseTenantFixture } from '../../devkit/fixture/format.js';
import { compilePolicies, strengthIndex } from '../../src/core/conditions.js';
import { activationUnits, guestTypesOf, makeState, scopeVector } from '../../src/core/coverage.js';
import { buildInventory, indexSnapshot } from '../../src/core/inventory.js';
import { spliced } from '../../src/core/remediation-verify.js';
import { demoFixturePath, fixtureForServing } from '../../devkit/fixture/load.js';
import { CAPTURED_AT, MFA, ROLE, type TenantBuilder, activeAdmin, exposedOnlyWhenBothActive, tenant } from './helpers.js';

type Json = Record<string, unknown>;

const FIX = 'docs/remediation.md';

/** Graph's PATCH semantics for the bodies remediation writes: objects merge, arrays and scalars replace. */
function merge(target: Json, patch: Json): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && target[key] && typeof target[key] === 'object' && !Array.isArray(target[key])) merge(target[key] as Json, value as Json);
    else target[key] = value;
  }
}

/** Applies a proposal's requests to a fixture, as Graph would. */
function apply(fixture: TenantFixture, proposal: FixProposal): TenantFixture {
  const raw = JSON.parse(JSON.stringify(fixture)) as Json & { conditionalAccessPolicies: Json[]; groups: Array<Json & { members: string[] }> };
  for (const r of proposal.requests) {
    const policy = /^\/identity\/conditionalAccess\/policies\/(.+)$/.exec(r.path);
    const member = /^\/groups\/([^/]+)\/members\/([^/]+)\/\$ref$/.exec(r.path);
    if (r.method === 'PATCH' && policy) {
      const target = raw.conditionalAccessPolicies.find((p) => p.id === policy[1]);
      if (!target) throw new Error(`PATCH of unknown policy ${policy[1]}`);
      merge(target, r.body as Json);
    } else if (r.method === 'POST' && r.path === '/identity/conditionalAccess/policies') {
      raw.conditionalAccessPolicies.push({ id: 'd9999999-0000-0000-0000-000000000001', ...(r.body as Json) });
    } else if (r.method === 'DELETE' && member) {
      const group = raw.groups.find((g) => g.id === member[1]);
      if (!group) throw new Error(`DELETE from unknown group ${member[1]}`);
      group.members = group.members.filter((m) => m !== member[2]);
    } else throw new Error(`request the test cannot apply: ${r.method} ${r.path}`);
  }
  return parseTenantFixture(raw, 'changed fixture');
}

interface FixCase {
  name: string;
  build: (t: TenantBuilder) => string;
  options?: Partial<EvaluationOptions>;
  /** The chosen proposal's kind and request methods/paths (in order). */
  kind?: FixProposal['kind'];
  requests?: RegExp[];
  /** Fragments of the chosen proposal's changes. */
  changes?: string[];
  /** What the chosen proposal must not be (a rejected candidate). */
  notChanges?: string[];
  otherUsers?: FixProposal['sideEffects']['otherUsers'];
  check?: (remediation: RemediationOut, report: Report, admin: AdminOut) => void;
}

function run(c: FixCase): { report: Report; remediation: RemediationOut; admin: AdminOut; proposal: FixProposal; fixture: TenantFixture; options: EvaluationOptions } {
  const t = tenant();
  const id = c.build(t);
  const fixture = t.fixture();
  const options = { ...DEFAULT_EVALUATION_OPTIONS, ...c.options };
  const snapshot = snapshotFromFixture(fixture, CAPTURED_AT);
  const report = evaluate(snapshot, options);
  const remediation = proposeRemediation(snapshot, options, report);
  const admin = report.admins.find((a) => a.id === id) as AdminOut;
  expect(admin.gaps.length, 'the admin under test has a gap').toBeGreaterThan(0);
  const fix = admin.gaps[0]?.fix;
  expect(fix?.proposalId, `a fix for: ${admin.gaps[0]?.summary} (${fix?.reason ?? ''})`).toBeTruthy();
  const proposal = remediation.proposals.find((p) => p.id === fix?.proposalId) as FixProposal;
  return { report, remediation, admin, proposal, fixture, options };
}

/** Applies the proposal and evaluates from scratch: the gap is gone and no admin is worse off. */
function proveIndependently(result: ReturnType<typeof run>): void {
  const { report, admin, proposal, fixture, options } = result;
  const after = evaluate(snapshotFromFixture(apply(fixture, proposal), CAPTURED_AT), options);
  const now = after.admins.find((a) => a.id === admin.id) as AdminOut;
  const gap = admin.gaps[0];
  expect(now.gaps.some((g) => g.state === gap?.state && g.contexts === gap?.contexts), `the gap is gone after applying ${JSON.stringify(proposal.requests)}`).toBe(false);
  for (const before of report.admins) {
    const later = after.admins.find((a) => a.id === before.id);
    if (!later) continue;
    // Protected stays protected; nobody's verdict gets worse.
    expect(VERDICT_ORDER[later.verdict], `${before.userPrincipalName}: ${before.verdict} → ${later.verdict}`).toBeGreaterThanOrEqual(VERDICT_ORDER[before.verdict] === VERDICT_ORDER.excluded ? VERDICT_ORDER.excluded : Math.min(VERDICT_ORDER[before.verdict], VERDICT_ORDER.protected));
  }
}

const cases: FixCase[] = [
  {
    name: `R-FIX-1 excluded directly: PATCH drops the admin from excludeUsers, affecting no one else (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeUsers: [id] } });
      return id;
    },
    kind: 'policyEdit',
    requests: [/^PATCH \/identity\/conditionalAccess\/policies\//],
    changes: ['excludeUsers: remove the admin'],
    otherUsers: 0,
  },
  {
    name: `R-FIX-1 excluded through a group others need: the admin leaves the group (a membership removal), the exclusion stays (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      const other = t.user('service-desk-kiosk');
      const g = t.group('CA exclusions', [id, other]);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [g] } });
      return id;
    },
    kind: 'membershipRemoval',
    requests: [/^DELETE \/groups\/b0000000-0000-0000-0000-000000000001\/members\/a0000000-0000-0000-0000-000000000001\/\$ref$/],
    otherUsers: 0,
  },
  {
    name: `R-FIX-1 excluded through a nested group: every group on the way that holds the admin is named (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      const other = t.user('kiosk');
      const inner = t.group('Migration accounts', [id]);
      const outer = t.group('CA exclusions', [other, inner]);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [outer] } });
      return id;
    },
    kind: 'membershipRemoval',
    check: (_r, _report, admin) => expect(admin.gaps[0]?.fix?.proposalId).toBeTruthy(),
  },
  {
    name: `R-FIX-1 excluded by a role the admin holds: PATCH drops the role from excludeRoles (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.securityAdministrator] } });
      return id;
    },
    kind: 'policyEdit',
    changes: ["excludeRoles: remove 'Security Administrator'"],
  },
  {
    name: `R-FIX-1 grant MFA OR compliant device (R-GRANT-7: no MFA from compliant devices): the grant becomes MFA alone (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Everyone', { grantControls: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] } });
      return id;
    },
    changes: ['grantControls.builtInControls: require MFA alone'],
    otherUsers: 'all',
  },
  {
    name: `R-FIX-1 authentication strength allowing SMS alone (R-GRANT-4): the built-in MFA strength instead (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      const weak = t.strength('Weak', ['password,sms', 'sms']);
      t.policy('Everyone', { grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: weak, displayName: 'Weak' } } });
      return id;
    },
    changes: ["authenticationStrength: 'Weak' → 'Multifactor authentication'"],
    check: (r) => expect(JSON.stringify(r.proposals[0]?.requests[0]?.body)).toContain('00000000-0000-0000-0000-000000000002'),
  },
  {
    name: `R-FIX-1 an authentication strength OR an approved client app (R-GRANT-7): the strength stays, the alternative goes (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Everyone', { grantControls: { operator: 'OR', builtInControls: ['approvedApplication'], authenticationStrength: { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication' } } });
      return id;
    },
    changes: ['require the authentication strength alone (drop approvedApplication'],
    check: (r) => expect(r.proposals[0]?.requests[0]?.body).toEqual({ grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication' }, customAuthenticationFactors: [], termsOfUse: [] } }),
  },
  {
    name: `R-FIX-1 a device filter that leaves devices out (R-DEVICE-1): the filter is removed (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admins MFA off managed devices', { users: { includeRoles: [ROLE.securityAdministrator] }, devices: { deviceFilter: { mode: 'exclude', rule: 'device.trustType -eq "ServerAD"' } } });
      return id;
    },
    changes: ['deviceFilter: remove the filter'],
    otherUsers: 0,
  },
  {
    name: `R-FIX-1 a gap only while two eligible roles are both activated (R-ROLESTATE-2): the fix closes it in that combination (${FIX})`,
    build: exposedOnlyWhenBothActive,
    changes: ['excludeRoles: remove'],
    check: (_r, _report, admin) => expect(admin.gaps[0]?.state).toContain('are both activated'),
  },
  {
    name: `R-FIX-1 covered only by a report-only policy (R-STATE-2): PATCH state enabled (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admins MFA (testing)', { state: 'enabledForReportingButNotEnforced', users: { includeRoles: [ROLE.securityAdministrator] } });
      return id;
    },
    changes: ['state: enabledForReportingButNotEnforced → enabled'],
    check: (r) => expect(r.proposals[0]?.requests[0]?.body).toEqual({ state: 'enabled' }),
  },
  {
    name: `R-FIX-1 trusted locations excluded (R-LOCATION-1/3): PATCH stops excluding them (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.location('HQ', true);
      t.policy('Admins MFA', { users: { includeRoles: [ROLE.securityAdministrator] }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      return id;
    },
    changes: ['excludeLocations: stop excluding all trusted locations'],
    otherUsers: 0,
    check: (r) => expect(r.proposals[0]?.requests[0]?.body).toEqual({ conditions: { locations: { includeLocations: ['All'], excludeLocations: [] } } }),
  },
  {
    name: `R-FIX-1 policy only on the admin portals (R-APP-1): includeApplications becomes All (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Portals MFA', { users: { includeRoles: [ROLE.securityAdministrator] }, applications: { includeApplications: ['MicrosoftAdminPortals'] } });
      return id;
    },
    changes: ['includeApplications: MicrosoftAdminPortals → All'],
  },
  {
    name: `R-FIX-1 policy only on some platforms (R-PLATFORM-1): includePlatforms becomes all (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Mobile MFA', { users: { includeRoles: [ROLE.securityAdministrator] }, platforms: { includePlatforms: ['iOS', 'android'] } });
      return id;
    },
    changes: ['includePlatforms: iOS, android → all'],
  },
  {
    name: `R-FIX-1 policy only at high sign-in risk (R-RISK-1): the risk condition is dropped (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Risky MFA', { users: { includeRoles: [ROLE.securityAdministrator] }, signInRiskLevels: ['high'] });
      return id;
    },
    changes: ['signInRiskLevels: high → any'],
  },
  {
    name: `R-FIX-1 role-targeted policy blind to an AU-scoped role (R-USERS-4): the admin is added to includeUsers (${FIX})`,
    build: (t) => {
      const id = t.user('ethan');
      t.assign(id, ROLE.helpdeskAdministrator, { scope: '/administrativeUnits/0d09c530-197c-5062-9806-9d6641a94bd6' });
      t.policy('Admins MFA', { users: { includeRoles: [ROLE.helpdeskAdministrator] } });
      return id;
    },
    changes: ['includeUsers: add the admin'],
    otherUsers: 0,
  },
  {
    name: `R-FIX-1 a gap only while an eligible role is activated (R-ROLESTATE-1): the fix closes it in that state (${FIX})`,
    build: (t) => {
      const id = t.user('erin');
      t.makeEligible(id, ROLE.globalAdministrator);
      t.location('HQ', true);
      t.policy('Admins MFA', { users: { includeRoles: [ROLE.globalAdministrator] }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      return id;
    },
    changes: ['stop excluding all trusted locations'],
    check: (_r, _report, admin) => expect(admin.gaps[0]?.state).toContain('activated'),
  },
  {
    name: `R-FIX-1 no policy at all: a new policy for the admin (POST), the last resort (${FIX})`,
    build: (t) => activeAdmin(t),
    kind: 'newPolicy',
    requests: [/^POST \/identity\/conditionalAccess\/policies$/],
    check: (r) => expect(r.proposals[0]?.requests[0]?.body).toMatchObject({ state: 'enabled', conditions: { users: { includeUsers: ['a0000000-0000-0000-0000-000000000001'] }, applications: { includeApplications: ['All'] } }, grantControls: { builtInControls: ['mfa'] } }),
  },
  {
    name: `R-FIX-1 only a user-action policy (R-APP-3): it is not turned into an app policy; a new policy instead (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Register security info', { applications: { includeApplications: [], includeUserActions: ['urn:user:registersecurityinfo'] } });
      return id;
    },
    kind: 'newPolicy',
  },
  {
    name: `R-FIX-1 a block policy is never widened (it would lock users out) (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Block legacy', { clientAppTypes: ['exchangeActiveSync', 'other'], grantControls: { operator: 'OR', builtInControls: ['block'] } });
      return id;
    },
    kind: 'newPolicy',
    notChanges: ['clientAppTypes'],
  },
  {
    name: `R-FIX-2 a change that would bring a break-glass account under MFA is rejected (R-EXCL-1) (${FIX})`,
    options: { excludedAccounts: ['a0000000-0000-0000-0000-000000000002'] },
    build: (t) => {
      const id = activeAdmin(t);
      t.user('breakglass');
      t.assign('a0000000-0000-0000-0000-000000000002', ROLE.globalAdministrator);
      t.location('HQ', true);
      // Widening 'Everyone' would reach the break-glass account; 'Admins' excludes it.
      t.policy('Everyone on iOS', { platforms: { includePlatforms: ['iOS'] } });
      t.policy('Security admins', { users: { includeRoles: [ROLE.securityAdministrator] }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      return id;
    },
    changes: ["'Security admins'"],
    notChanges: ['Everyone on iOS'],
  },
  {
    name: `R-FIX-2 a membership removal that would lose the admin coverage elsewhere is rejected (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      const other = t.user('kiosk');
      const g = t.group('Legacy team', [id, other]);
      t.location('HQ', true);
      // The group excludes the admin from one policy and is the only thing covering them at HQ.
      t.policy('Everyone MFA away from HQ', { users: { includeUsers: ['All'], excludeGroups: [g] }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      t.policy('Legacy team MFA at HQ', { users: { includeGroups: [g] }, locations: { includeLocations: ['AllTrusted'] } });
      return id;
    },
    check: (r, _report, admin) => {
      const chosen = r.proposals.find((p) => p.id === admin.gaps[0]?.fix?.proposalId);
      expect(chosen?.kind).not.toBe('membershipRemoval');
      expect(r.rejected).toBeGreaterThan(0);
    },
  },
  {
    name: `R-FIX-4 a Microsoft-managed policy is only switched on or has exclusions removed, never widened (Learn: managed-policies) (${FIX})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Multifactor authentication for admins accessing Microsoft Admin Portals', { state: 'enabledForReportingButNotEnforced', users: { includeRoles: [ROLE.securityAdministrator] }, applications: { includeApplications: ['MicrosoftAdminPortals'] } });
      return id;
    },
    kind: 'newPolicy',
  },
];

describe('remediation: one case per kind of gap, each applied and re-evaluated independently', () => {
  it.each(cases)('$name', (c) => {
    const result = run(c);
    const { proposal, remediation, report, admin } = result;
    if (c.kind) expect(proposal.kind).toBe(c.kind);
    c.requests?.forEach((re, i) => expect(`${proposal.requests[i]?.method} ${proposal.requests[i]?.path}`).toMatch(re));
    for (const f of c.changes ?? []) expect(proposal.changes.join('\n')).toContain(f);
    for (const f of c.notChanges ?? []) expect(proposal.changes.join('\n')).not.toContain(f);
    if (c.otherUsers !== undefined) expect(proposal.sideEffects.otherUsers).toBe(c.otherUsers);
    expect(proposal.verification).toMatchObject({ gapClosed: true, adminsLosingCoverage: 0 });
    expect(proposal.requests.every((r) => r.permission.length > 0)).toBe(true);
    c.check?.(remediation, report, admin);
    proveIndependently(result);
  });

  it('R-FIX-2 an unknown verdict gets no proposal: nothing can be verified on data that could not be read', () => {
    const t = tenant();
    const id = activeAdmin(t);
    t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeUsers: [id] } });
    const snapshot = snapshotFromFixture(t.fixture(), CAPTURED_AT);
    snapshot.dataSources.conditionalAccess = { state: 'unavailable', message: '403', permission: 'Policy.Read.All' };
    const report = evaluate(snapshot, DEFAULT_EVALUATION_OPTIONS);
    const remediation = proposeRemediation(snapshot, DEFAULT_EVALUATION_OPTIONS, report);
    const alice = report.admins.find((a) => a.id === id) as AdminOut;
    expect(alice.verdict).toBe('unknown');
    expect(alice.gaps.every((gap) => gap.fix?.proposalId === null && /unknown/.test(gap.fix.reason ?? ''))).toBe(true);
    expect(remediation.fixed).toBe(0);
    expect(remediation.proposals).toEqual([]);
  });

  it('R-FIX-3 one change that closes many gaps is one proposal, listed first, naming every admin it covers', () => {
    const t = tenant();
    const ids = ['a', 'b', 'c'].map((n) => activeAdmin(t, n));
    t.location('HQ', true);
    t.policy('Admins MFA', { users: { includeRoles: [ROLE.securityAdministrator] }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
    const snapshot = snapshotFromFixture(t.fixture(), CAPTURED_AT);
    const report = evaluate(snapshot, DEFAULT_EVALUATION_OPTIONS);
    const remediation = proposeRemediation(snapshot, DEFAULT_EVALUATION_OPTIONS, report);
    const first = remediation.proposals[0] as FixProposal;
    expect(first.closes.map((c) => c.adminId).sort()).toEqual([...ids].sort());
    expect(first.sideEffects.adminsCovered).toHaveLength(3);
    expect(remediation.fixed).toBe(3);
    void MFA;
  });
});

describe('R-FIX-2 a changed policy in today\'s context space', () => {
  it('the patched scope index answers as a set compiled from scratch, for every admin and role state of the demo tenant', () => {
    const fixture = fixtureForServing(demoFixturePath(), new Date('2026-12-06T12:00:00Z'));
    const snapshot = snapshotFromFixture(fixture, '2026-12-06T12:00:00Z');
    const index = indexSnapshot(snapshot);
    const admins = buildInventory(snapshot, DEFAULT_EVALUATION_OPTIONS.adminRoles, index).admins;
    const base = compilePolicies(snapshot.conditionalAccessPolicies, snapshot.namedLocations, snapshot.authenticationStrengthPolicies);
    const strengths = strengthIndex(snapshot.authenticationStrengthPolicies);
    const someone = admins[0]?.id as string;
    let compared = 0;
    snapshot.conditionalAccessPolicies.forEach((policy, at) => {
      // The kinds of edit remediation makes: an exclusion dropped, an admin added, the state switched on.
      const users = policy.conditions.users ?? {};
      const edited = { ...policy, state: 'enabled', conditions: { ...policy.conditions, users: { ...users, excludeGroups: (users.excludeGroups ?? []).slice(1), includeUsers: [...(users.includeUsers ?? []).filter((u) => u !== 'None'), someone] } } };
      const patched = spliced(base, strengths, edited, at);
      const policies = snapshot.conditionalAccessPolicies.map((p, i) => (i === at ? edited : p));
      const fresh = compilePolicies(policies, snapshot.namedLocations, snapshot.authenticationStrengthPolicies, { spacePolicies: snapshot.conditionalAccessPolicies });
      expect(patched.policies[at]?.box).toEqual(fresh.policies[at]?.box);
      for (const a of admins) {
        const user = { id: a.id, guestTypes: guestTypesOf(a) };
        const units = activationUnits(a.paths, index.groupsOfUser.get(a.id) ?? new Set(), index, a.otherTargetableRoles, { units: a.extraUnits, pimMemberOf: a.pimMemberOf });
        for (const state of [makeState(units, [], null, 'standing'), makeState(units, units.units, null, 'all')]) {
          expect([...scopeVector(patched, user, state)], `${policy.displayName} / ${a.userPrincipalName}`).toEqual([...scopeVector(fresh, user, state)]);
          compared++;
        }
      }
    });
    expect(compared).toBeGreaterThan(100);
  });
});
