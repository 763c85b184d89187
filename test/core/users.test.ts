// Who a policy applies to (R-USERS-*): users, nested groups, roles, guests, All / None, exclusion beats inclusion.
import { describe, expect, it } from 'vitest';
import { type Case, ROLE, activeAdmin, runCase } from './helpers.js';

/** Directory Readers: a built-in role that is not an admin role (not monitored). */
const DIRECTORY_READERS = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';
const USERS = 'Learn: concept-conditional-access-users-groups';
const EXTERNAL = 'Learn: external-id/authentication-conditional-access';

const cases: Case[] = [
  {
    name: `R-USERS-3 exclusion beats inclusion: a user both included and excluded is excluded (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admins MFA', { users: { includeUsers: [id], excludeUsers: [id] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["policy 'Admins MFA' excludes this admin directly"],
  },
  {
    name: `R-USERS-1 includeUsers None applies to nobody (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Nobody', { users: { includeUsers: ['None'], includeRoles: [ROLE.securityAdministrator] } });
      return id;
    },
    verdict: 'unprotected',
    check: (_r, admin) => expect(admin.coveringPolicyIds).toEqual([]),
  },
  {
    name: `R-USERS-1 a policy for a specific user covers that user (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Alice MFA', { users: { includeUsers: [id] } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-USERS-2 inclusion through a nested group (${USERS}: "Policy is applied to nested users and groups")`,
    build: (t) => {
      const id = activeAdmin(t);
      const inner = t.group('Tier 0 people', [id]);
      const outer = t.group('All admins', [inner]);
      t.policy('Admins MFA', { users: { includeGroups: [outer] } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-USERS-2 exclusion through a nested group is a gap naming the group (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      const inner = t.group('Service accounts', [id]);
      const outer = t.group('MFA exclusions', [inner]);
      t.policy('Admins MFA', { users: { includeUsers: ['All'], excludeGroups: [outer] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["policy 'Admins MFA' excludes this admin through group 'MFA exclusions' (nested membership through group 'Service accounts')"],
  },
  {
    name: `R-USERS-4 excludeRoles excludes active holders of the role and names it (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Everyone but security admins', { users: { includeUsers: ['All'], excludeRoles: [ROLE.securityAdministrator] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["policy 'Everyone but security admins' excludes role 'Security Administrator', which this admin holds"],
  },
  {
    name: `R-USERS-8 excludeRoles naming a role that is not monitored still excludes an admin who holds it (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.assign(id, DIRECTORY_READERS);
      t.policy('Everyone MFA', { users: { includeUsers: ['All'], excludeRoles: [DIRECTORY_READERS] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: [`policy 'Everyone MFA' excludes role`, 'which this admin holds'],
  },
  {
    name: `R-USERS-8 … through a role-assignable group holding that role (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      const group = t.group('Readers', [id], { roleAssignable: true });
      t.assign(group, DIRECTORY_READERS);
      t.policy('Everyone MFA', { users: { includeUsers: ['All'], excludeRoles: [DIRECTORY_READERS] } });
      return id;
    },
    verdict: 'unprotected',
  },
  {
    name: `R-USERS-8 includeRoles naming a role that is not monitored covers an admin who holds it (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.assign(id, DIRECTORY_READERS);
      t.policy('Readers MFA', { users: { includeRoles: [DIRECTORY_READERS] } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-USERS-8 an eligible role that is not monitored excludes only while activated: a gap in that state (R-USERS-4: active holders only; ${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.makeEligible(id, DIRECTORY_READERS);
      t.policy('Everyone MFA', { users: { includeUsers: ['All'], excludeRoles: [DIRECTORY_READERS] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: [`while 'role ${DIRECTORY_READERS}' is activated: no enabled policy requires MFA for this admin (policy 'Everyone MFA' excludes role`],
    check: (_r, admin) => expect(admin.roles.map((r) => r.roleName)).toEqual(['Security Administrator']),
  },
  {
    name: `R-USERS-3 All users minus a group, compensated by a second policy for that group, is protected (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t);
      const group = t.group('Admins with hardware keys', [id]);
      t.policy('Everyone MFA', { id: 'a4444444-0000-0000-0000-000000000001', users: { includeUsers: ['All'], excludeGroups: [group] } });
      t.policy('Hardware key admins MFA', { id: 'a4444444-0000-0000-0000-000000000002', users: { includeGroups: [group] } });
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => expect(admin.coveringPolicyIds).toEqual(['a4444444-0000-0000-0000-000000000002']),
  },
  {
    name: `R-USERS-4 a role-targeted policy covers an active holder of the role (Learn: howto-conditional-access-policy-admin-mfa)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admin roles MFA', { users: { includeRoles: [ROLE.securityAdministrator, ROLE.globalAdministrator] } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-USERS-4 a role-targeted policy for other roles does not apply (${USERS})`,
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.exchangeAdministrator);
      t.policy('GA only', { users: { includeRoles: [ROLE.globalAdministrator] } });
      return id;
    },
    verdict: 'unprotected',
  },
  {
    name: `R-USERS-5 "All users" includes B2B guests (${USERS}: "All users that exist in the directory including B2B guests")`,
    build: (t) => {
      const id = activeAdmin(t, 'partner', ROLE.helpdeskAdministrator, { userType: 'Guest', upn: 'partner_fabrikam.test#EXT#@contoso.test' });
      t.policy('Everyone MFA');
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-USERS-5 excluding B2B collaboration guests excludes a guest admin (${EXTERNAL})`,
    build: (t) => {
      const id = activeAdmin(t, 'partner', ROLE.helpdeskAdministrator, { userType: 'Guest', upn: 'partner_fabrikam.test#EXT#@contoso.test' });
      t.policy('Members MFA', { users: { includeUsers: ['All'], excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' } } } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["policy 'Members MFA' excludes guests and external users of this kind"],
  },
  {
    name: `R-USERS-5 a policy for B2B collaboration guests covers a guest admin (${EXTERNAL})`,
    build: (t) => {
      const id = activeAdmin(t, 'partner', ROLE.helpdeskAdministrator, { userType: 'Guest', upn: 'partner_fabrikam.test#EXT#@contoso.test' });
      t.policy('Guests MFA', { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'internalGuest,b2bCollaborationGuest', externalTenants: { membershipKind: 'all' } } } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-USERS-5 a guest policy does not cover a member admin (${EXTERNAL})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Guests MFA', { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'all' } } } });
      return id;
    },
    verdict: 'unprotected',
  },
  {
    name: `R-USERS-6 guests of enumerated tenants: an inclusion is not assumed to apply (${EXTERNAL})`,
    build: (t) => {
      const id = activeAdmin(t, 'partner', ROLE.helpdeskAdministrator, { userType: 'Guest', upn: 'partner_fabrikam.test#EXT#@contoso.test' });
      t.policy('Fabrikam guests MFA', { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants', membershipKind: 'enumerated', members: ['99999999-0000-0000-0000-000000000001'] } } } });
      return id;
    },
    verdict: 'unprotected',
  },
  {
    name: `R-USERS-6 guests of enumerated tenants: an exclusion is assumed to apply (${EXTERNAL})`,
    build: (t) => {
      const id = activeAdmin(t, 'partner', ROLE.helpdeskAdministrator, { userType: 'Guest', upn: 'partner_fabrikam.test#EXT#@contoso.test' });
      t.policy('Everyone MFA', { users: { includeUsers: ['All'], excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'enumerated', members: ['99999999-0000-0000-0000-000000000001'] } } } });
      return id;
    },
    verdict: 'unprotected',
  },
  {
    name: 'R-USERS-7 an admin whose account details could not be read may be a guest a policy excludes (pessimistic)',
    build: (t) => {
      const id = activeAdmin(t, 'unread', ROLE.helpdeskAdministrator);
      const user = t.users.find((u) => u.id === id);
      if (user) for (const key of ['userPrincipalName', 'userType', 'displayName']) delete user[key];
      t.policy('Members MFA', { users: { includeUsers: ['All'], excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'internalGuest,b2bCollaborationGuest' } } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["account details (guest or member) could not be read"],
  },
  {
    name: 'R-USERS-7 unread account details do not matter to a policy without guest exclusions',
    build: (t) => {
      const id = activeAdmin(t, 'unread', ROLE.helpdeskAdministrator);
      const user = t.users.find((u) => u.id === id);
      if (user) for (const key of ['userPrincipalName', 'userType', 'displayName']) delete user[key];
      t.policy('Everyone MFA', { users: { includeUsers: ['All'] } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-USERS-5 legacy includeUsers GuestsOrExternalUsers means every guest type (Graph: conditionalAccessUsers)`,
    build: (t) => {
      const id = activeAdmin(t, 'partner', ROLE.helpdeskAdministrator, { userType: 'Guest', upn: 'partner_fabrikam.test#EXT#@contoso.test' });
      t.policy('Guests MFA (legacy)', { users: { includeUsers: ['GuestsOrExternalUsers'] } });
      return id;
    },
    verdict: 'protected',
  },
];

describe('user scope (R-USERS)', () => {
  it.each(cases)('$name', (c) => {
    runCase(c);
  });
});
