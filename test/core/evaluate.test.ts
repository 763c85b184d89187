// Verdicts, excluded (break-glass) accounts, registration, Global Administrator count, security defaults,
// unreadable data, the Secure Score estimate and the `check --json` contract.
import { describe, expect, it } from 'vitest';
import { type Case, ROLE, activeAdmin, adminOf, findingsOf, gapText, runCase, tenant } from './helpers.js';

const USERS = 'Learn: concept-conditional-access-users-groups';
const EMERGENCY = 'Learn: security-emergency-access';
const SD = 'Learn: security-defaults';

const verdictCases: Case[] = [
  {
    name: `R-VERDICT-1 protected: MFA in every context, no gaps, no admin finding (issue 3: verdict definitions)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admins MFA');
      return id;
    },
    verdict: 'protected',
    gapCount: 0,
    noFindings: ['admin-unprotected', 'admin-partially-protected', 'admin-not-registered'],
  },
  {
    name: `R-VERDICT-3 unprotected: no Conditional Access policy and security defaults off (${SD})`,
    build: (t) => activeAdmin(t),
    verdict: 'unprotected',
    gaps: ['no enabled policy requires MFA for this admin (the tenant has no Conditional Access policies and security defaults are off)'],
    findings: ['admin-unprotected'],
    check: (report, admin) => expect(findingsOf(report, 'admin-unprotected', admin.id)[0]?.severity).toBe('high'),
  },
  {
    name: `R-VERDICT-2 partial: gaps remain, each a sentence naming the policy and the condition (issue 3)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.location('HQ', true);
      t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["trusted location 'HQ'", 'Admins MFA'],
    findings: ['admin-partially-protected'],
    check: (report, admin) => {
      expect(admin.gaps).toHaveLength(1);
      expect(admin.gaps[0]?.summary).toBe("no MFA when signing in from trusted location 'HQ' or the legacy MFA trusted IPs (if any: Graph cannot read them) (policy 'Admins MFA' excludes all trusted locations (AllTrusted))");
      expect(admin.gaps[0]?.policyIds).toEqual([report.policies[0]?.id]);
      expect(findingsOf(report, 'admin-partially-protected', admin.id)[0]?.severity).toBe('medium');
    },
  },
  {
    name: `R-SD-1 security defaults protect the security-defaults admin roles (${SD})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.authenticationPolicyAdministrator);
      t.securityDefaults = true;
      return id;
    },
    options: { adminRoles: { mode: 'list', roleIds: [ROLE.authenticationPolicyAdministrator] } },
    verdict: 'protected',
    check: (report) => expect(report.securityDefaultsEnabled).toBe(true),
  },
  {
    name: `R-SD-2 security defaults cover a monitored role outside their list only on Azure management (and block legacy clients): partial, and the gap says so (${SD})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.hybridIdentityAdministrator);
      t.securityDefaults = true;
      return id;
    },
    options: { adminRoles: { mode: 'privileged', roleIds: [] } },
    verdict: 'partial',
    gapCount: 1,
    gaps: [
      'no MFA when signing in to any app other than Windows Azure Service Management API with browser or mobile apps and desktop clients',
      'security defaults require MFA of every user only on Azure management (Azure portal, Microsoft Entra admin center, Azure PowerShell, Azure CLI) and block legacy authentication',
    ],
    notInGaps: ['security defaults are off'],
  },
  {
    name: `R-EXCL-1 / R-VERDICT-4 a listed break-glass account is 'excluded', and flagged when excluded from some MFA policies but not others (${EMERGENCY})`,
    build: (t) => {
      const id = activeAdmin(t, 'breakglass1', ROLE.globalAdministrator);
      activeAdmin(t, 'bob', ROLE.globalAdministrator);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeUsers: [id] } });
      t.policy('Portals MFA', { applications: { includeApplications: ['MicrosoftAdminPortals'] } });
      return id;
    },
    options: { excludedAccounts: ['breakglass1@contoso.test'] },
    verdict: 'excluded',
    findings: ['exclusion-inconsistent'],
    noFindings: ['admin-unprotected', 'admin-partially-protected', 'permanent-privileged-assignment'],
    check: (report, admin) => {
      expect(admin.excludedBy).toBe('UPN breakglass1@contoso.test');
      expect(admin.coverageIfNotExcluded).toBe('partial');
      const f = findingsOf(report, 'exclusion-inconsistent', admin.id)[0];
      expect(f?.message).toContain("excluded from 'Admins MFA' but not from 'Portals MFA'");
      expect(report.summary.excluded).toBe(1);
    },
  },
  {
    name: `R-EXCL-2 a break-glass account excluded from every MFA policy alike is not flagged (${EMERGENCY})`,
    build: (t) => {
      const id = activeAdmin(t, 'breakglass1', ROLE.globalAdministrator);
      const bg = t.group('Emergency access', [id]);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [bg] } });
      t.policy('Portals MFA', { users: { includeUsers: ['All'], excludeGroups: [bg] }, applications: { includeApplications: ['MicrosoftAdminPortals'] } });
      return id;
    },
    options: { excludedAccounts: ['b0000000-0000-0000-0000-000000000001'] },
    verdict: 'excluded',
    noFindings: ['exclusion-inconsistent'],
    check: (_r, admin) => expect(admin.excludedBy).toBe("group 'Emergency access'"),
  },
  {
    name: `R-EXCL-1 a break-glass account listed by object id (upper case) matches (issue 3: MONITOR_EXCLUDED_ACCOUNTS)`,
    build: (t) => {
      const id = activeAdmin(t, 'breakglass1', ROLE.globalAdministrator);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeUsers: [id] } });
      return id;
    },
    options: { excludedAccounts: [' A0000000-0000-0000-0000-000000000001 '] },
    verdict: 'excluded',
    check: (_r, admin) => expect(admin.coverageIfNotExcluded).toBe('unprotected'),
  },
  {
    name: `R-USERS-3 a break-glass account that is not listed is a gap naming the exclusion (${USERS}; ${EMERGENCY})`,
    build: (t) => {
      const id = activeAdmin(t, 'breakglass1', ROLE.globalAdministrator);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeUsers: [id] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["no enabled policy requires MFA for this admin (policy 'Admins MFA' excludes this admin directly)"],
    findings: ['admin-unprotected'],
  },
  {
    name: `R-USERS-3 a break-glass account not listed, excluded from one of two policies, is partial (${EMERGENCY})`,
    build: (t) => {
      const id = activeAdmin(t, 'breakglass1', ROLE.globalAdministrator);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeUsers: [id] } });
      t.policy('Portals MFA', { applications: { includeApplications: ['MicrosoftAdminPortals'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["policy 'Admins MFA' excludes this admin directly"],
  },
  {
    name: 'R-REG-1 covered but not registered: admin-not-registered (Graph: userRegistrationDetails isMfaRegistered)',
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator, { registered: false });
      t.policy('Admins MFA');
      return id;
    },
    verdict: 'protected',
    findings: ['admin-not-registered'],
    check: (report, admin) => {
      expect(admin.mfaRegistered).toBe(false);
      expect(findingsOf(report, 'admin-not-registered', admin.id)[0]?.severity).toBe('high');
      expect(report.summary.secureScoreEstimate).toBe(0);
    },
  },
  {
    name: 'R-REG-1 no registration row: mfaRegistered is null and no finding (Graph: userRegistrationDetails)',
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator, { registered: null });
      t.policy('Admins MFA');
      return id;
    },
    verdict: 'protected',
    noFindings: ['admin-not-registered'],
    check: (_r, admin) => expect(admin.mfaRegistered).toBeNull(),
  },
  {
    name: 'R-GA-1 a single Global Administrator: global-admin-count (Learn: role-based-access-control/best-practices "fewer than five"; security-emergency-access)',
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.globalAdministrator);
      t.policy('Admins MFA');
      return id;
    },
    reportFindings: ['global-admin-count'],
    check: (report) => {
      const f = findingsOf(report, 'global-admin-count', ROLE.globalAdministrator)[0];
      expect(f?.message).toContain('1 Global Administrator');
      expect(f?.severity).toBe('medium');
    },
  },
];

describe('verdicts and findings (R-VERDICT, R-SD, R-EXCL, R-REG, R-GA)', () => {
  it.each(verdictCases)('$name', (c) => {
    runCase(c);
  });
});

describe('Global Administrator count (R-GA-1)', () => {
  const count = (n: number, eligible = 0) => {
    const t = tenant();
    for (let i = 0; i < n; i++) activeAdmin(t, `ga${i}`, ROLE.globalAdministrator);
    for (let i = 0; i < eligible; i++) t.makeEligible(t.user(`elig${i}`), ROLE.globalAdministrator);
    return findingsOf(t.evaluate(), 'global-admin-count');
  };
  it('R-GA-1 two to eight Global Administrators raise nothing; eligible ones count (issue 3)', () => {
    expect(count(2)).toEqual([]);
    expect(count(1, 1)).toEqual([]);
    expect(count(8)).toEqual([]);
  });
  it('R-GA-1 nine Global Administrators raise global-admin-count (issue 3)', () => {
    expect(count(9)).toHaveLength(1);
    expect(count(9)[0]?.message).toContain('9 Global Administrators');
  });
  it('R-GA-1 the thresholds are options globalAdminMin / globalAdminMax (issue 3: global-admin-count)', () => {
    const t = tenant();
    activeAdmin(t, 'ga0', ROLE.globalAdministrator);
    expect(findingsOf(t.evaluate({ globalAdminMin: 1 }), 'global-admin-count')).toEqual([]);
  });
});

describe('unreadable or missing data (R-DATA, R-UNRESOLVED)', () => {
  it('R-DATA-1 / R-VERDICT-5 Conditional Access unreadable: verdict unknown, never protected, and a data-unavailable finding (issue 3)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const report = t.evaluate({}, (s) => {
      s.conditionalAccessPolicies = [];
      s.dataSources.conditionalAccess = { state: 'unavailable', message: 'Graph answered 403', permission: 'Policy.Read.All' };
    });
    const admin = adminOf(report, alice);
    expect(admin.verdict).toBe('unknown');
    expect(admin.gaps.map((g) => g.summary)).toEqual(['Conditional Access policies could not be read, so coverage is unknown']);
    const f = findingsOf(report, 'data-unavailable', 'conditionalAccess')[0];
    expect(f?.severity).toBe('high');
    expect(f?.message).toContain('Policy.Read.All');
    expect(findingsOf(report, 'admin-unprotected')).toEqual([]);
    expect(report.summary.unknown).toBe(1);
    expect(report.summary.protected).toBe(0);
  });

  it('R-DATA-1 Conditional Access unreadable even when the policies in the snapshot would cover: unknown, not protected (issue 3)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('Admins MFA');
    const report = t.evaluate({}, (s) => {
      s.dataSources.conditionalAccess = { state: 'unavailable' };
    });
    expect(adminOf(report, alice).verdict).toBe('unknown');
  });

  it('R-DATA-2 a covering policy excludes a group whose membership is unknown: verdict unknown (issue 3)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const exclusions = t.group('MFA exclusions', []);
    t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [exclusions] } });
    const report = t.evaluate({}, (s) => {
      s.dataSources.groupMembers = { state: 'unavailable', message: 'transitiveMembers answered 403', permission: 'GroupMember.Read.All' };
    });
    const admin = adminOf(report, alice);
    expect(admin.verdict).toBe('unknown');
    expect(gapText(admin)).toContain("membership of a group excluded by 'Admins MFA' could not be read");
    expect(findingsOf(report, 'data-unavailable', 'groupMembers')).toHaveLength(1);
  });

  it('R-DATA-3 the only MFA policy includes a group whose membership is unknown: unknown, not unprotected (issue 3: data-unavailable)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const admins = t.group('Admins', [alice]);
    t.policy('Admins MFA', { users: { includeGroups: [admins] } });
    const report = t.evaluate({}, (s) => {
      // The collector could not read the group: it holds no members.
      const group = s.groups.find((g) => g.id === admins);
      if (group) group.memberUserIds = [];
      s.dataSources.groupMembers = { state: 'unavailable' };
    });
    const admin = adminOf(report, alice);
    expect(admin.verdict).toBe('unknown');
    expect(gapText(admin)).toContain("membership of a group included by 'Admins MFA' could not be read");
    expect(findingsOf(report, 'admin-unprotected')).toEqual([]);
  });

  it('R-DATA-3 custom authentication strengths unreadable: a policy requiring one makes the verdict unknown (issue 3: data-unavailable)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const strength = t.strength('Admin strength', ['fido2']);
    t.policy('Strong admins', { grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: strength } } });
    const report = t.evaluate({}, (s) => {
      s.authenticationStrengthPolicies = [];
      s.dataSources.authenticationStrengths = { state: 'unavailable', permission: 'Policy.Read.AuthenticationMethod' };
    });
    const admin = adminOf(report, alice);
    expect(admin.verdict).toBe('unknown');
    expect(gapText(admin)).toContain("the authentication strength required by 'Strong admins' could not be read");
  });

  it('R-DATA-4 security defaults unreadable and no enabled policy: unknown, not unprotected (issue 3: data-unavailable; Learn: security-defaults)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const report = t.evaluate({}, (s) => {
      s.securityDefaults = null;
      s.dataSources.securityDefaults = { state: 'unavailable' };
    });
    expect(adminOf(report, alice).verdict).toBe('unknown');
  });

  it('R-DATA-4 security defaults unreadable but a policy is enabled: security defaults must be off, verdict stands (Learn: security-defaults, "must disable security defaults")', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('Portals MFA', { applications: { includeApplications: ['MicrosoftAdminPortals'] } });
    const report = t.evaluate({}, (s) => {
      s.securityDefaults = null;
      s.dataSources.securityDefaults = { state: 'unavailable' };
    });
    expect(adminOf(report, alice).verdict).toBe('partial');
  });

  it('R-UNRESOLVED-1 a deleted object in a policy exclusion: no crash, policy-stale-reference finding, verdict from the rest (Graph: conditionalAccessUsers excludeUsers)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const deletedGroup = '0dead000-0000-0000-0000-0000000000aa';
    const deletedUser = '0dead000-0000-0000-0000-0000000000bb';
    const policy = t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [deletedGroup], excludeUsers: [deletedUser] } });
    const report = t.evaluate();
    expect(adminOf(report, alice).verdict).toBe('protected');
    const f = findingsOf(report, 'policy-stale-reference', policy)[0];
    expect(f?.message).toContain('2 objects that no longer exist');
    expect(f?.message).toContain(deletedGroup);
  });
});

describe('Secure Score estimate (R-SCORE-1)', () => {
  it('R-SCORE-1 10 × protected-and-registered / admins, excluded accounts counted as not protected (Learn: identity secure score; entra-facts §1)', () => {
    const t = tenant();
    activeAdmin(t, 'a1');
    activeAdmin(t, 'a2');
    activeAdmin(t, 'a3', ROLE.securityAdministrator, { registered: false });
    const bg = activeAdmin(t, 'breakglass', ROLE.globalAdministrator);
    t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeUsers: [bg] } });
    const report = t.evaluate({ excludedAccounts: [bg] });
    expect(report.summary).toMatchObject({ admins: 4, protected: 3, partial: 0, unprotected: 0, excluded: 1, registered: 3 });
    expect(report.summary.secureScoreEstimate).toBe(5);
    const notes = report.summary.secureScoreNotes.join(' ');
    expect(notes).toContain('excluded (break-glass) account is counted as not protected');
    expect(notes).toContain('not (known to be) registered');
  });

  it('R-SCORE-1 security defaults give the full points whatever the registration (Learn: concept-identity-secure-score), and unknown verdicts are named as reasons the figure may differ', () => {
    const t = tenant();
    activeAdmin(t, 'alice', ROLE.securityAdministrator, { registered: false });
    t.securityDefaults = true;
    const report = t.evaluate();
    expect(report.summary.protected).toBe(1);
    expect(report.summary.secureScoreEstimate).toBe(10);
    expect(report.summary.secureScoreNotes.join(' ')).toContain('Microsoft gives this control its full 10 points');

    const u = tenant();
    activeAdmin(u);
    const unknown = u.evaluate({}, (s) => {
      s.dataSources.conditionalAccess = { state: 'unavailable' };
    });
    expect(unknown.summary.secureScoreNotes.join(' ')).toContain('1 admin with an unknown verdict');
  });

  it('R-SCORE-1 no admins gives the full 10 points (Learn: concept-identity-secure-score)', () => {
    expect(tenant().evaluate().summary.secureScoreEstimate).toBe(10);
  });

  it('R-SCORE-1 eligible-only admins are noted as a reason the figure may differ (entra-facts §1: PIM eligible admins and Secure Score)', () => {
    const t = tenant();
    t.makeEligible(t.user('alice'), ROLE.securityAdministrator);
    t.policy('Admins MFA');
    const report = t.evaluate();
    expect(report.summary.secureScoreEstimate).toBe(10);
    expect(report.summary.secureScoreNotes.join(' ')).toContain('only as PIM-eligible');
  });
});

describe('the check --json contract (report.ts)', () => {
  it('R-CONTRACT-1 the field names scripts read are present with the documented types (issue 3: `check`)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const bob = t.user('bob');
    const group = t.group('Tier 0', [], { roleAssignable: true });
    t.assign(group, ROLE.globalAdministrator);
    t.pimGroupMember(group, bob, 'eligible');
    t.assign(t.servicePrincipal('Automation'), ROLE.userAdministrator);
    t.location('HQ', true);
    t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
    const report = JSON.parse(JSON.stringify(t.evaluate())) as Record<string, unknown>;

    expect(Object.keys(report)).toEqual(expect.arrayContaining(['generatedAt', 'tenantId', 'dataSources', 'summary', 'admins', 'workloadAdmins', 'findings']));
    expect(report.generatedAt).toBe('2026-11-01T08:00:00Z');
    expect(report.tenantId).toBe('11111111-2222-3333-4444-555555555555');
    expect(report.dataSources).toMatchObject({ conditionalAccess: { state: 'ok' } });
    expect(report.summary).toEqual(expect.objectContaining({
      admins: 2, protected: expect.any(Number), partial: 2, unprotected: expect.any(Number), excluded: 0, secureScoreEstimate: expect.any(Number),
    }));

    const admins = report.admins as Array<Record<string, unknown>>;
    const a = admins.find((x) => x.id === alice) as Record<string, unknown>;
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['id', 'userPrincipalName', 'displayName', 'verdict', 'mfaRegistered', 'roles', 'gaps', 'coveringPolicyIds']));
    expect(a).toMatchObject({ userPrincipalName: 'alice@contoso.test', displayName: 'alice', verdict: 'partial', mfaRegistered: true });
    const roles = a.roles as Array<Record<string, unknown>>;
    expect(roles[0]).toEqual(expect.objectContaining({
      roleTemplateId: ROLE.securityAdministrator, roleName: 'Security Administrator', assignment: 'active', permanent: true, via: { kind: 'direct' }, directoryScopeId: '/',
    }));
    const gaps = a.gaps as Array<Record<string, unknown>>;
    expect(gaps[0]).toEqual(expect.objectContaining({ summary: expect.stringContaining("trusted location 'HQ'"), policyIds: [expect.any(String)] }));
    expect(a.coveringPolicyIds).toEqual([expect.any(String)]);

    const b = admins.find((x) => x.id === bob) as Record<string, unknown>;
    expect((b.roles as Array<Record<string, unknown>>)[0]).toEqual(expect.objectContaining({ assignment: 'eligible', permanent: false, via: expect.objectContaining({ kind: 'pimGroup', groupId: group }) }));

    const workload = report.workloadAdmins as Array<Record<string, unknown>>;
    expect(workload).toHaveLength(1);
    expect(workload[0]).toEqual(expect.objectContaining({ id: expect.any(String), displayName: 'Automation', roles: [expect.objectContaining({ roleName: 'User Administrator' })] }));

    const findings = report.findings as Array<Record<string, unknown>>;
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['type', 'severity', 'subjectId', 'message']));
      expect(['high', 'medium', 'low']).toContain(f.severity);
    }
    // Findings come most severe first.
    const order = findings.map((f) => ({ high: 0, medium: 1, low: 2 })[f.severity as 'high']);
    expect(order).toEqual([...order].sort((x, y) => x - y));
  });

  it('R-CONTRACT-1 evaluation is pure: the same snapshot gives the same report (issue 3: pure code in src/core)', () => {
    const t = tenant();
    activeAdmin(t);
    t.policy('Admins MFA', { platforms: { includePlatforms: ['iOS'] } });
    const snapshot = t.snapshot();
    expect(JSON.stringify(t.evaluate())).toBe(JSON.stringify(t.evaluate()));
    expect(snapshot.capturedAt).toBe('2026-11-01T08:00:00Z');
  });
});
