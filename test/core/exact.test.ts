// Issue 15, the last gaps of exact semantics: every combination of activations (R-ROLESTATE-2), eligible
// exemptions (R-PIMGROUP-5, R-USERS-8), device and app grant alternatives as contexts (R-GRANT-7), device filters
// by meaning (R-DEVICE-2/3), security defaults' scope (R-SD-2), role-targeted policies named (R-USERS-9).
import { describe, expect, it } from 'vitest';
import { type Case, ROLE, activeAdmin, runCase, tenant } from './helpers.js';
import { minimalTerms, parseDeviceRule } from '../../src/core/devices.js';

const USERS = 'Learn: concept-conditional-access-users-groups';
const PIM_GROUPS = 'Learn: concept-pim-for-groups';
const GRANT = 'Learn: concept-conditional-access-grant';
const DEVICES = 'Learn: concept-condition-filters-for-devices';
const SD = 'Learn: fundamentals/security-defaults';
const DIRECTORY_READERS = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';
const OR = (...controls: string[]) => ({ operator: 'OR', builtInControls: controls });

const combinationCases: Case[] = [
  {
    name: `R-ROLESTATE-2 two eligible roles, each excluded by one of two policies: only both activated leaves MFA out, and the gap names the pair (${USERS}: "users actively assigned"; role exclusions)`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.helpdeskAdministrator);
      t.makeEligible(id, ROLE.globalAdministrator);
      t.makeEligible(id, ROLE.privilegedRoleAdministrator);
      t.policy('MFA except GA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.globalAdministrator] } });
      t.policy('MFA except PRA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.privilegedRoleAdministrator] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ["while 'Global Administrator' and 'Privileged Role Administrator' are both activated: no enabled policy requires MFA for this admin (policy 'MFA except GA' excludes role 'Global Administrator', which this admin holds; policy 'MFA except PRA' excludes role 'Privileged Role Administrator', which this admin holds)"],
  },
  {
    name: `R-ROLESTATE-2 an eligible-only admin whose exposure needs three activations at once gets one gap naming all three (${USERS})`,
    build: (t) => {
      const id = t.user('alice');
      for (const role of [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator, ROLE.userAdministrator]) t.makeEligible(id, role);
      t.policy('MFA except GA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.globalAdministrator] } });
      t.policy('MFA except PRA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.privilegedRoleAdministrator] } });
      t.policy('MFA except UA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.userAdministrator] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ["while 'Global Administrator', 'Privileged Role Administrator' and 'User Administrator' are all activated: no enabled policy requires MFA"],
  },
  {
    name: `R-ROLESTATE-2 the combination named is the smallest that exposes: a third eligible role that changes nothing is left out (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.helpdeskAdministrator);
      t.makeEligible(id, ROLE.globalAdministrator);
      t.makeEligible(id, ROLE.privilegedRoleAdministrator);
      t.makeEligible(id, ROLE.exchangeAdministrator);
      t.policy('MFA except GA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.globalAdministrator] } });
      t.policy('MFA except PRA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.privilegedRoleAdministrator] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ["while 'Global Administrator' and 'Privileged Role Administrator' are both activated"],
    notInGaps: ['Exchange Administrator', 'all activated'],
  },
  {
    name: `R-ROLESTATE-2 a role a policy includes and another excludes (mixed) is combined exactly: the exposure needs the excluded role without the including one (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.helpdeskAdministrator);
      t.makeEligible(id, ROLE.globalAdministrator);
      t.makeEligible(id, ROLE.securityAdministrator);
      // Everyone except admins of GA, SA; an admin policy for SA only on admin portals.
      t.policy('Users MFA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.globalAdministrator, ROLE.securityAdministrator] } });
      t.policy('GA MFA', { users: { includeRoles: [ROLE.globalAdministrator] }, applications: { includeApplications: ['MicrosoftAdminPortals'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["while 'Global Administrator' is activated: no MFA when signing in to any app other than Microsoft Admin Portals", "while 'Security Administrator' is activated: no enabled policy requires MFA"],
    notInGaps: ['both activated'],
  },
  {
    name: `R-ROLESTATE-2 activations that only add coverage never open a gap: protected in every combination (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.helpdeskAdministrator);
      t.makeEligible(id, ROLE.globalAdministrator);
      t.makeEligible(id, ROLE.privilegedRoleAdministrator);
      t.policy('Everyone MFA');
      t.policy('Admins MFA', { users: { includeRoles: [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator] } });
      return id;
    },
    verdict: 'protected',
    gapCount: 0,
  },
];

const exemptionCases: Case[] = [
  {
    name: `R-PIMGROUP-5 an eligible PIM-for-Groups membership of a group a policy excludes is a gap while activated (${PIM_GROUPS}; ${USERS})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator);
      const exclusions = t.group('CA-Exclude-Temporary');
      t.pimGroupMember(exclusions, id, 'eligible');
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [exclusions] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ["while the membership of group 'CA-Exclude-Temporary' is activated: no enabled policy requires MFA for this admin (policy 'Admins MFA' excludes this admin through group 'CA-Exclude-Temporary')"],
  },
  {
    name: `R-PIMGROUP-5 a PIM owner of an exclusion group can add themselves: a gap in that state, said so (${PIM_GROUPS}: "each group has two policies: membership and ownership")`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator);
      const exclusions = t.group('CA-Exclude-Temporary');
      t.pimGroupMember(exclusions, id, 'active', 'owner');
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [exclusions] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["while the membership of group 'CA-Exclude-Temporary' is activated (as owner of group 'CA-Exclude-Temporary', who can add themselves as a member)"],
  },
  {
    name: `R-PIMGROUP-5 an active PIM-for-Groups member of an exclusion group is excluded standing, even when the member list does not show it (${PIM_GROUPS})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator);
      const exclusions = t.group('CA-Exclude-Temporary');
      t.pimGroupMember(exclusions, id, 'active');
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [exclusions] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["no enabled policy requires MFA for this admin (policy 'Admins MFA' excludes this admin through group 'CA-Exclude-Temporary')"],
  },
  {
    name: `R-PIMGROUP-5 / R-PIMGROUP-2 an eligibility held through a group that is an eligible member of the exclusion group counts too (${PIM_GROUPS}: "PIM and group nesting")`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator);
      const team = t.group('SecOps team', [id]);
      const exclusions = t.group('CA-Exclude-Temporary');
      t.pimGroupMember(exclusions, team, 'eligible');
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [exclusions] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["while the membership of group 'CA-Exclude-Temporary' is activated (eligible through group 'SecOps team')"],
  },
  {
    name: `R-PIMGROUP-5 an eligible membership of a group a policy includes only adds coverage once activated (${PIM_GROUPS})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator);
      const tier0 = t.group('Tier 0 (PIM)');
      t.pimGroupMember(tier0, id, 'eligible');
      t.policy('Tier 0 MFA', { users: { includeGroups: [tier0] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ['no enabled policy requires MFA for this admin'],
    notInGaps: ['is activated'],
  },
  {
    name: `R-ROLESTATE-2 / R-PIMGROUP-5 an eligible role and an eligible exclusion membership that expose only together are named together (${PIM_GROUPS}; ${USERS})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.helpdeskAdministrator);
      t.makeEligible(id, ROLE.globalAdministrator);
      const exclusions = t.group('CA-Exclude-Temporary');
      t.pimGroupMember(exclusions, id, 'eligible');
      t.policy('MFA except GA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.globalAdministrator] } });
      t.policy('MFA except exclusions', { users: { includeUsers: ['All'], excludeGroups: [exclusions] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ["while 'Global Administrator' and the membership of group 'CA-Exclude-Temporary' are both activated"],
  },
  {
    name: `R-ROLESTATE-2 / R-PIMGROUP-5 an eligible-only admin: the exclusion membership alone makes no admin, so the gap names it with the role (${PIM_GROUPS}; ${USERS})`,
    build: (t) => {
      const id = t.user('alice');
      t.makeEligible(id, ROLE.globalAdministrator);
      const exclusions = t.group('CA-Exclude-Temporary');
      t.pimGroupMember(exclusions, id, 'eligible');
      t.policy('Admins MFA', { users: { includeRoles: [ROLE.globalAdministrator], excludeGroups: [exclusions] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ["while 'Global Administrator' and the membership of group 'CA-Exclude-Temporary' are both activated: no enabled policy requires MFA"],
  },
  {
    name: `R-USERS-8 an eligible role outside the monitored set held through a role-assignable group excludes once activated (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      const readers = t.group('Readers (PIM)', [id], { roleAssignable: true });
      t.makeEligible(readers, DIRECTORY_READERS);
      t.policy('Everyone MFA', { users: { includeUsers: ['All'], excludeRoles: [DIRECTORY_READERS] } });
      return id;
    },
    verdict: 'partial',
    gaps: [`while 'role ${DIRECTORY_READERS}' is activated (through group 'Readers (PIM)')`],
  },
];

const grantCases: Case[] = [
  {
    name: `R-GRANT-7 two policies, MFA OR compliant and MFA OR hybrid-joined, combine by AND: only a device that is both is without MFA (${GRANT})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('MFA or compliant', { grantControls: OR('mfa', 'compliantDevice') });
      t.policy('MFA or hybrid', { grantControls: OR('mfa', 'domainJoinedDevice') });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ['no MFA when signing in from compliant, hybrid-joined devices (', "policy 'MFA or compliant' grant is MFA OR a compliant device", "policy 'MFA or hybrid' grant is MFA OR a hybrid-joined device"],
  },
  {
    name: `R-GRANT-7 MFA OR compliant next to an MFA policy for compliant devices (device filter isCompliant) is protected: one fact, one dimension (${GRANT}; ${DEVICES})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('MFA or compliant', { grantControls: OR('mfa', 'compliantDevice') });
      t.policy('MFA on compliant devices', { devices: { deviceFilter: { mode: 'include', rule: 'device.isCompliant -eq "True"' } } });
      return id;
    },
    verdict: 'protected',
    gapCount: 0,
  },
  {
    name: `R-GRANT-7 MFA OR an approved client app leaves approved client apps without MFA (${GRANT})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('MFA or approved app', { grantControls: OR('mfa', 'approvedApplication', 'compliantApplication') });
      return id;
    },
    verdict: 'partial',
    gaps: ['with an approved client app', 'with a client app under an app protection policy'],
  },
  {
    name: `R-GRANT-7 MFA OR compliant device OR terms of use is still no MFA anywhere: terms can be accepted on any device (${GRANT})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Weak', { grantControls: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'], termsOfUse: ['tou-1'] } });
      return id;
    },
    verdict: 'unprotected',
  },
];

const deviceCases: Case[] = [
  {
    name: `R-DEVICE-2 a positive rule never matches an unregistered device: MFA only on matching devices leaves the rest, unregistered ones among them (${DEVICES}: "Policy behavior with filter for devices")`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('SAW MFA', { devices: { deviceFilter: { mode: 'include', rule: 'device.extensionAttribute1 -eq "SAW"' } } });
      return id;
    },
    verdict: 'partial',
    gaps: [`no MFA when signing in from devices not matching filter 'device.extensionAttribute1 -eq "SAW"' (unregistered devices among them: every property of an unregistered device is null)`],
  },
  {
    name: `R-DEVICE-2 a negative operator matches unregistered devices: -ne next to -eq on one property covers every device (${DEVICES})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('SAW MFA', { devices: { deviceFilter: { mode: 'include', rule: 'device.extensionAttribute1 -eq "SAW"' } } });
      t.policy('Other devices MFA', { devices: { deviceFilter: { mode: 'include', rule: 'device.extensionAttribute1 -ne "SAW"' } } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-DEVICE-3 -in and -notIn with the same list are complements (${DEVICES})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Listed OS', { devices: { deviceFilter: { mode: 'include', rule: 'device.operatingSystem -in ["Windows", "macOS"]' } } });
      t.policy('Other OS', { devices: { deviceFilter: { mode: 'include', rule: 'device.operatingSystem -notIn ["windows", "MacOS"]' } } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-DEVICE-3 -startsWith and -notStartsWith by meaning: "Windows" covered, "not Win" covered, "Win…" but not "Windows" is the gap (${DEVICES})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Windows MFA', { devices: { deviceFilter: { mode: 'include', rule: 'device.displayName -startsWith "Windows"' } } });
      t.policy('Non-Win MFA', { devices: { deviceFilter: { mode: 'include', rule: 'device.displayName -notStartsWith "Win"' } } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: [`from devices not matching filter 'device.displayName -notStartsWith "Win"' and not matching filter 'device.displayName -startsWith "Windows"'`],
    notInGaps: ['unregistered'],
  },
  {
    name: `R-DEVICE-3 -and / -or: a rule and its De Morgan complement written differently cover every device (${DEVICES}; Learn: groups-dynamic-membership)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Managed SAW', { devices: { deviceFilter: { mode: 'include', rule: 'device.extensionAttribute1 -eq "SAW" -and device.trustType -eq "AzureAD"' } } });
      t.policy('Everything else', { devices: { deviceFilter: { mode: 'include', rule: '(device.extensionAttribute1 -ne "SAW") -or (device.trustType -ne "AzureAD")' } } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-DEVICE-3 include and exclude of overlapping rules: excluding "-startsWith Win" and including "-eq Windows11" leaves "Win…" devices other than Windows11 (${DEVICES})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Not Win', { devices: { deviceFilter: { mode: 'exclude', rule: 'device.model -startsWith "Win"' } } });
      t.policy('Windows11', { devices: { deviceFilter: { mode: 'include', rule: 'device.model -eq "Windows11"' } } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: [`from devices matching filter 'device.model -startsWith "Win"' and not matching filter 'device.model -eq "Windows11"'`],
  },
  {
    name: `R-DEVICE-3 a rule that cannot be read is compared by its text only, and the gap says the relation was not decided (${DEVICES}; pessimistic, D-3)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Regex MFA', { devices: { deviceFilter: { mode: 'include', rule: 'device.displayName -match "^SAW"' } } });
      t.policy('Not SAW MFA', { devices: { deviceFilter: { mode: 'include', rule: 'device.displayName -notStartsWith "SAW"' } } });
      return id;
    },
    verdict: 'partial',
    gaps: ['could not be decided', "unsupported operator '-match'"],
  },
];

const scopeCases: Case[] = [
  {
    name: `R-SD-2 security defaults: an admin outside their 16 roles is covered on Azure management and against legacy clients, so partial rather than unprotected (${SD}: "Protect privileged activities", "Block legacy authentication protocols")`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.hybridIdentityAdministrator);
      t.securityDefaults = true;
      return id;
    },
    options: { adminRoles: { mode: 'list', roleIds: [ROLE.hybridIdentityAdministrator] } },
    verdict: 'partial',
    gaps: ['no MFA when signing in to any app other than Windows Azure Service Management API with browser or mobile apps and desktop clients'],
    notInGaps: ['Exchange ActiveSync', 'no enabled policy requires MFA'],
  },
  {
    name: `R-SD-1 security defaults cover a holder of one of their roles everywhere, also while an eligible other role is activated (${SD})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.securityAdministrator);
      t.makeEligible(id, ROLE.hybridIdentityAdministrator);
      t.securityDefaults = true;
      return id;
    },
    options: { adminRoles: { mode: 'privileged', roleIds: [] } },
    verdict: 'protected',
  },
  {
    name: `R-USERS-9 a role-targeted policy that leaves the admin's role out is named with the missing role (${USERS}; Learn: howto-conditional-access-policy-admin-mfa)`,
    build: (t) => {
      const id = activeAdmin(t, 'bob', ROLE.billingAdministrator);
      t.policy('Admins MFA', { users: { includeRoles: [ROLE.globalAdministrator, ROLE.securityAdministrator] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["no enabled policy requires MFA for this admin (policy 'Admins MFA' targets 2 roles but not 'Billing Administrator', which this admin holds)"],
  },
  {
    name: `R-USERS-9 … in an activated state, the role activated is named (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t, 'bob', ROLE.globalAdministrator);
      t.makeEligible(id, ROLE.exchangeAdministrator);
      t.policy('Admins MFA', { users: { includeRoles: [ROLE.globalAdministrator] }, clientAppTypes: ['browser'] });
      t.policy('Block legacy', { clientAppTypes: ['exchangeActiveSync', 'other'], grantControls: { operator: 'OR', builtInControls: ['block'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["policy 'Admins MFA' applies only to browser"],
  },
];

describe('every reachable role state (R-ROLESTATE-2)', () => {
  it.each(combinationCases)('$name', (c) => {
    runCase(c);
  });
});

describe('eligible exemptions (R-PIMGROUP-5, R-USERS-8)', () => {
  it.each(exemptionCases)('$name', (c) => {
    runCase(c);
  });
});

describe('device and app alternatives in grants (R-GRANT-7)', () => {
  it.each(grantCases)('$name', (c) => {
    runCase(c);
  });
});

describe('device filters by meaning (R-DEVICE-2, R-DEVICE-3)', () => {
  it.each(deviceCases)('$name', (c) => {
    runCase(c);
  });
});

describe('security defaults and role targeting (R-SD-2, R-USERS-9)', () => {
  it.each(scopeCases)('$name', (c) => {
    runCase(c);
  });
});

describe('device filter rules (R-DEVICE-3 parser)', () => {
  it.each([
    ['device.extensionAttribute1 -eq "SAW"', { kind: 'pred', property: 'extensionattribute1', op: 'eq', value: 'saw' }],
    ['device.model -ne "Surface"', { kind: 'not', item: { kind: 'pred', property: 'model', op: 'eq', value: 'surface' } }],
    ["device.operatingSystem -in ['Windows', 'iOS']", { kind: 'or', items: [{ kind: 'pred', property: 'operatingsystem', op: 'eq', value: 'windows' }, { kind: 'pred', property: 'operatingsystem', op: 'eq', value: 'ios' }] }],
    ['device.systemLabels -contains "M365Managed"', { kind: 'pred', property: 'systemlabels', op: 'has', value: 'm365managed' }],
    ['-not (device.trustType -eq "ServerAD")', { kind: 'not', item: { kind: 'pred', property: 'trusttype', op: 'eq', value: 'serverad' } }],
  ])('parses %s', (rule, expr) => {
    expect(parseDeviceRule(rule)).toEqual({ expr });
  });

  it.each([
    ['device.displayName -match "^A"', "unsupported operator '-match'"],
    ['device.displayName -eq', 'expected a value'],
    ['user.department -eq "IT"', 'expected device.<property>'],
    ['device.physicalIds -eq "x"', 'only -contains and -notContains apply'],
    ['(device.model -eq "a"', 'missing )'],
  ])('refuses %s, saying why', (rule, why) => {
    const r = parseDeviceRule(rule);
    expect('error' in r && r.error).toContain(why);
  });

  it('names a set of device kinds by the shortest sum of filters, impossible kinds left free (QM with don\'t-cares)', () => {
    // Two rules where the first implies the second: kinds (1,1), (0,1), (0,0); (1,0) cannot happen.
    const vectors = [
      [true, true],
      [false, true],
      [false, false],
    ];
    expect(minimalTerms(vectors, 0b001n)).toEqual([[{ index: 0, positive: true }]]);
    expect(minimalTerms(vectors, 0b011n)).toEqual([[{ index: 1, positive: true }]]);
  });
});

describe('combinations stay cheap', () => {
  it('R-ROLESTATE-2 an admin with twelve eligible roles that each change a policy is evaluated without enumerating 4096 states', () => {
    const t = tenant();
    const id = activeAdmin(t, 'alice', ROLE.helpdeskAdministrator);
    const roles = [ROLE.globalAdministrator, ROLE.securityAdministrator, ROLE.sharePointAdministrator, ROLE.exchangeAdministrator, ROLE.conditionalAccessAdministrator, ROLE.billingAdministrator, ROLE.userAdministrator, ROLE.authenticationAdministrator, ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator, ROLE.passwordAdministrator, ROLE.privilegedRoleAdministrator];
    for (const role of roles) {
      t.makeEligible(id, role);
      t.policy(`MFA except ${role.slice(0, 4)}`, { users: { includeUsers: ['All'], excludeRoles: [role] } });
    }
    const admin = t.evaluate().admins.find((a) => a.id === id);
    expect(admin?.verdict).toBe('partial');
    // Exposed only with all twelve activated: one combination, named once.
    expect(admin?.gaps).toHaveLength(1);
    expect(admin?.gaps[0]?.summary).toContain('are all activated');
  });
});

describe('scope vectors (R-USERS-1..7)', () => {
  it('R-USERS-1..7 the indexed scope vector equals userScope policy by policy, for admins in every state of the demo tenant', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseTenantFixtureText } = await import('../../devkit/fixture/format.js');
    const { snapshotFromFixture } = await import('../../devkit/bench/snapshot.js');
    const { compilePolicies } = await import('../../src/core/conditions.js');
    const { SCOPE, activationUnits, guestTypesOf, makeState, scopeVector, userScope } = await import('../../src/core/coverage.js');
    const { buildInventory, indexSnapshot } = await import('../../src/core/inventory.js');
    const demo = parseTenantFixtureText(readFileSync(new URL('../../devkit/fixtures/demo-tenant.json', import.meta.url), 'utf8'), 'demo');
    const snapshot = snapshotFromFixture(demo, demo.referenceTime as string);
    const index = indexSnapshot(snapshot);
    const set = compilePolicies(snapshot.conditionalAccessPolicies, snapshot.namedLocations, snapshot.authenticationStrengthPolicies);
    let compared = 0;
    for (const admin of buildInventory(snapshot, { mode: 'privileged', roleIds: [] }, index).admins) {
      for (const guestTypes of [guestTypesOf(admin), new Set(['unknown']), new Set(['b2bCollaborationGuest'])]) {
        const user = { id: admin.id, guestTypes };
        const units = activationUnits(admin.paths, index.groupsOfUser.get(admin.id) ?? new Set(), index, admin.otherTargetableRoles, { units: admin.extraUnits, pimMemberOf: admin.pimMemberOf });
        for (const state of [makeState(units, [], null, 'standing'), ...units.units.map((u) => makeState(units, [u], u.label, u.key)), makeState(units, units.units, 'all', 'all')]) {
          const vector = scopeVector(set, user, state);
          for (const p of set.policies) expect(vector[p.index], `${p.name} for ${admin.userPrincipalName}`).toBe(SCOPE[userScope(p.users, user, state)]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
  });
});

describe('R-ROLESTATE-2 exactness against brute force', () => {
  // Small random tenants: an admin with up to five eligible units (roles and PIM group memberships) and policies
  // that include or exclude those roles and groups on parts of the context space. The union of what the
  // evaluated states leave uncovered must equal the union over every subset of activations.
  it('R-ROLESTATE-2 the states evaluated expose exactly what all 2^n subsets of activations expose (docs/evaluation.md, proof)', async () => {
    const { compilePolicies } = await import('../../src/core/conditions.js');
    const { CoverageMemo, activationUnits, guestTypesOf, makeState, roleStates, stateCoverage } = await import('../../src/core/coverage.js');
    const { buildInventory, indexSnapshot } = await import('../../src/core/inventory.js');
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const roles = [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator, ROLE.userAdministrator, ROLE.exchangeAdministrator];
    let checked = 0;
    let combinations = 0;
    for (let round = 0; round < 400; round++) {
      const t = tenant();
      const id = t.user('alice');
      const standing = rand(2) === 0;
      if (standing) t.assign(id, ROLE.helpdeskAdministrator);
      const groups = [t.group('G1'), t.group('G2')];
      for (const role of roles) if (rand(2) === 0) t.makeEligible(id, role);
      for (const g of groups) if (rand(2) === 0) t.pimGroupMember(g, id, 'eligible');
      if (!standing && t.eligible.length === 0) t.makeEligible(id, ROLE.globalAdministrator);
      const platforms = [['iOS'], ['android'], ['all'], ['all']];
      for (let p = 0; p < 2 + rand(4); p++) {
        const users: Record<string, string[]> = { includeUsers: rand(2) === 0 ? ['All'] : [] };
        if (users.includeUsers?.length === 0) {
          users.includeRoles = [roles[rand(4)] as string];
          if (rand(2) === 0) users.includeGroups = [groups[rand(2)] as string];
        }
        if (rand(3) !== 0) users.excludeRoles = [roles[rand(4)] as string];
        if (rand(2) === 0) users.excludeGroups = [groups[rand(2)] as string];
        t.policy(`P${p}`, { users, platforms: { includePlatforms: platforms[rand(4)] as string[] } });
      }
      const snapshot = t.snapshot();
      const index = indexSnapshot(snapshot);
      const set = compilePolicies(snapshot.conditionalAccessPolicies, snapshot.namedLocations, snapshot.authenticationStrengthPolicies);
      const memo = new CoverageMemo(set);
      const admin = buildInventory(snapshot, { mode: 'core', roleIds: [] }, index).admins.find((a) => a.id === id);
      if (!admin) continue;
      const user = { id, guestTypes: guestTypesOf(admin) };
      const units = activationUnits(admin.paths, index.groupsOfUser.get(id) ?? new Set(), index, admin.otherTargetableRoles, { units: admin.extraUnits, pimMemberOf: admin.pimMemberOf });
      const brute: typeof set.space.full[] = [];
      for (let mask = 0; mask < 1 << units.units.length; mask++) {
        const active = units.units.filter((_, i) => (mask >> i) & 1);
        if (!standing && !active.some((u) => u.paths.length > 0)) continue;
        brute.push(...stateCoverage(memo, user, makeState(units, active, null, `s${mask}`), false).uncovered);
      }
      const states = roleStates(memo, user, units, false);
      combinations += states.filter((s) => s.units.length > 1).length;
      const engine = states.flatMap((s) => stateCoverage(memo, user, s, false).uncovered);
      expect(set.space.uncovered(brute, engine), `round ${round}: exposed in some subset but in no evaluated state`).toEqual([]);
      expect(set.space.uncovered(engine, brute), `round ${round}: reported but exposed in no subset`).toEqual([]);
      checked++;
    }
    expect(checked).toBeGreaterThan(350);
    // The cases include exposures that only combinations of activations reach.
    expect(combinations).toBeGreaterThan(2);
  });
});
