// Short, whole explanations (R-EXPLAIN-1, R-EXPLAIN-2): every gap has a headline of about twelve words and the
// full list of reasons, even where the summary sentence stops at four ("N more").
import { describe, expect, it } from 'vitest';
import { snapshotFromFixture } from '../../devkit/bench/snapshot.js';
import { demoFixturePath, fixtureForServing } from '../../devkit/fixture/load.js';
import { DEFAULT_EVALUATION_OPTIONS, evaluate } from '../../src/core/evaluate.js';
import { HEADLINE_WORDS, wordCount } from '../../src/core/headline.js';
import { type Case, ROLE, activeAdmin, exposedOnlyWhenBothActive, runCase } from './helpers.js';

const cases: Array<Case & { headline: string; reasons?: number; reasonFragments?: string[] }> = [
  {
    name: 'R-EXPLAIN-1 a trusted-location exclusion: the headline names the location (issue 18 example)',
    build: (t) => {
      const id = activeAdmin(t);
      t.location('HQ', true);
      t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      return id;
    },
    headline: "No MFA from trusted location 'HQ'",
    reasons: 1,
  },
  {
    name: 'R-EXPLAIN-1 no policy at all: the headline says so and the one reason is the empty tenant',
    build: (t) => activeAdmin(t),
    headline: 'No enabled policy requires MFA',
    reasons: 1,
    reasonFragments: ['the tenant has no Conditional Access policies and security defaults are off'],
  },
  {
    name: 'R-EXPLAIN-1 a gap only while a role is activated is prefixed with the short role state',
    build: (t) => {
      const id = t.user('erin');
      t.makeEligible(id, ROLE.globalAdministrator);
      t.policy('MFA for admins on iOS', { users: { includeRoles: [ROLE.globalAdministrator] }, platforms: { includePlatforms: ['iOS'] } });
      t.policy('Everyone but GAs', { users: { includeUsers: ['All'], excludeRoles: [ROLE.globalAdministrator] } });
      return id;
    },
    headline: "While 'Global Administrator' is active: no MFA on platforms other than iOS",
  },
  {
    name: 'R-EXPLAIN-1 a gap only while two eligible roles are both activated (R-ROLESTATE-2) names the pair',
    build: exposedOnlyWhenBothActive,
    headline: "While 'Global Administrator' and 'Privileged Role Administrator' are both active: no enabled policy requires MFA",
    reasons: 2,
  },
  {
    name: 'R-EXPLAIN-1 MFA OR an approved client app (R-GRANT-7): the headline names the client app, the reason the grant',
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Everyone', { grantControls: { operator: 'OR', builtInControls: ['mfa', 'approvedApplication'] } });
      return id;
    },
    headline: 'No MFA with an approved client app',
    reasons: 1,
    reasonFragments: ["policy 'Everyone'"],
  },
  {
    name: 'R-EXPLAIN-1 MFA OR a compliant device (R-GRANT-7): the headline names the device',
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Everyone', { grantControls: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] } });
      return id;
    },
    headline: 'No MFA from compliant devices',
  },
  {
    name: 'R-EXPLAIN-2 security defaults on and the admin outside their roles: R-SD-2 is a reason of its own',
    build: (t) => {
      t.securityDefaults = true;
      return activeAdmin(t, 'alice', ROLE.hybridIdentityAdministrator);
    },
    options: { adminRoles: { mode: 'list', roleIds: [ROLE.hybridIdentityAdministrator] } },
    headline: "No MFA to apps other than 'Windows Azure Service Management API'",
    reasons: 1,
    reasonFragments: ['security defaults require MFA of every user only on Azure management'],
  },
  {
    name: 'R-EXPLAIN-2 five policies came close: the summary names four and "1 more", the reasons all five',
    build: (t) => {
      const id = activeAdmin(t);
      for (const platform of ['android', 'iOS', 'windows', 'macOS', 'linux']) t.policy(`MFA on ${platform} only`, { platforms: { includePlatforms: [platform] } });
      return id;
    },
    headline: 'No MFA on Windows Phone or unknown platforms',
    reasons: 5,
    reasonFragments: ["policy 'MFA on linux only' applies only to Linux"],
    check: (_report, admin) => expect(admin.gaps[0]?.summary).toContain('1 more'),
  },
  {
    name: 'R-EXPLAIN-2 an exclusion through a group is a reason about this admin, rendered for them',
    build: (t) => {
      const id = activeAdmin(t);
      const g = t.group('Excluded', [id]);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [g] } });
      return id;
    },
    headline: 'No enabled policy requires MFA',
    reasons: 1,
    reasonFragments: ["policy 'Admins MFA' excludes this admin through group 'Excluded'"],
  },
];

describe('gap headlines and reasons', () => {
  it.each(cases)('$name', (c) => {
    const { admin } = runCase(c);
    const gap = admin.gaps[0];
    expect(gap?.headline).toBe(c.headline);
    if (c.reasons !== undefined) expect(gap?.reasons).toHaveLength(c.reasons);
    for (const f of c.reasonFragments ?? []) expect(gap?.reasons?.join('\n')).toContain(f);
  });

  it('R-EXPLAIN-1 every gap of the demo tenant has a headline of at most about twelve words, and no reason is lost', () => {
    const fixture = fixtureForServing(demoFixturePath(), new Date('2026-12-06T12:00:00Z'));
    const report = evaluate(snapshotFromFixture(fixture, '2026-12-06T12:00:00Z'), DEFAULT_EVALUATION_OPTIONS);
    // Reasons are worked out when read: the JSON of the report (check --json) carries every one of them.
    const json = JSON.parse(JSON.stringify(report)) as typeof report;
    const gaps = [...report.admins, ...report.potentialAdmins].flatMap((a) => a.gaps);
    expect([...json.admins, ...json.potentialAdmins].flatMap((a) => a.gaps.map((g) => g.reasons))).toEqual(gaps.map((g) => g.reasons));
    expect(gaps.length).toBeGreaterThan(10);
    for (const gap of gaps) {
      expect(wordCount(gap.headline ?? ''), gap.headline).toBeLessThanOrEqual(HEADLINE_WORDS + 1);
      // Every reason the summary names is in the list, and the list is as long as the summary says.
      const more = Number(/; (\d+) more[;)]/.exec(gap.summary)?.[1] ?? 0);
      const named = (gap.reasons ?? []).filter((r) => gap.summary.includes(r));
      expect(named.length + more).toBe(gap.reasons?.length);
    }
  });
});

// R-EXCL-3 (docs/evaluation.md): the enabled MFA policies that exclude an admin, the first role state they do in, and how.
const exclusionCases: Array<Case & { exclusions: Array<{ policy: string; state: string | null; how: string }> }> = [
  {
    name: 'R-EXCL-3 excluded directly, standing (CA users: "exclude users")',
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeUsers: [id] } });
      return id;
    },
    exclusions: [{ policy: 'Admins MFA', state: null, how: 'excludes this admin directly' }],
  },
  {
    name: 'R-EXCL-3 excluded through a nested group: the sentence names the inner group',
    build: (t) => {
      const id = activeAdmin(t);
      const inner = t.group('Migration accounts', [id]);
      const outer = t.group('CA exclusions', [inner]);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [outer] } });
      return id;
    },
    exclusions: [{ policy: 'Admins MFA', state: null, how: "excludes this admin through group 'CA exclusions' (nested membership through group 'Migration accounts')" }],
  },
  {
    name: 'R-EXCL-3 excluded by a role only while it is activated: the state says when',
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.helpdeskAdministrator);
      t.makeEligible(id, ROLE.globalAdministrator);
      t.policy('MFA except GA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.globalAdministrator] } });
      return id;
    },
    exclusions: [{ policy: 'MFA except GA', state: "while 'Global Administrator' is activated", how: "excludes role 'Global Administrator', which this admin holds" }],
  },
  {
    name: 'R-EXCL-3 a report-only or non-MFA policy that excludes the admin is no exemption from MFA; a block policy is',
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Testing', { state: 'enabledForReportingButNotEnforced', users: { includeUsers: ['All'], excludeUsers: [id] } });
      t.policy('Terms of use', { users: { includeUsers: ['All'], excludeUsers: [id] }, grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] } });
      t.policy('Block legacy', { users: { includeUsers: ['All'], excludeUsers: [id] }, clientAppTypes: ['exchangeActiveSync', 'other'], grantControls: { operator: 'OR', builtInControls: ['block'] } });
      return id;
    },
    exclusions: [{ policy: 'Block legacy', state: null, how: 'excludes this admin directly' }],
  },
];

describe('exclusions per admin (R-EXCL-3)', () => {
  it.each(exclusionCases)('$name', (c) => {
    const { report, admin } = runCase(c);
    const name = (id: string) => report.policies.find((p) => p.id === id)?.displayName;
    expect(admin.exclusions?.map((x) => ({ policy: name(x.policyId), state: x.state, how: x.how }))).toEqual(c.exclusions);
  });
});
