// What a directory role lets its holder do to an MFA exclusion, read from the role definition's resource actions
// (Graph unifiedRoleDefinition.rolePermissions[].allowedResourceActions), never from the role's name. Each rule
// and its source is in docs/evaluation.md (R-EXEMPT-*). An action in a namespace that matters here that no rule
// knows is reported as unknown, never as harmless. Pure.

/** What an action lets its holder change. */
export type Ability =
  /** Members of security / Microsoft 365 groups that are not role-assignable. */
  | 'groupMembers'
  /** Owners of such groups (an owner can then add members). */
  | 'groupOwners'
  /** The dynamic membership rule or the membership type of such groups. */
  | 'groupRule'
  /** Members and owners of role-assignable groups. */
  | 'roleAssignableGroups'
  /** Profile attributes of users (department, job title, extension attributes, user type, …). */
  | 'userAttributes'
  /** Role assignments (any role, any scope): the holder can give itself any other ability. */
  | 'roleAssignments'
  /** Consent to any application permission for any app: the holder can give an app any ability. */
  | 'consent'
  /** Conditional Access policies. */
  | 'conditionalAccess'
  /** Named locations (trusted ranges and countries). */
  | 'namedLocations'
  /** Device properties (extension attributes and the like) that device filters read. */
  | 'devices'
  /** Members of administrative units (a restricted-management unit's protection can be taken away). */
  | 'administrativeUnitMembers';

/** Which groups a group ability reaches (R-EXEMPT-2). */
export interface GroupKinds {
  security: boolean;
  unified: boolean;
  /** Only groups with assigned (not dynamic) membership. */
  assignedOnly: boolean;
}

export interface AbilityGrant {
  ability: Ability;
  action: string;
  kinds?: GroupKinds;
  /** For userAttributes: the one attribute an attribute-specific action writes (e.g. manager). */
  attribute?: string;
}

export interface RoleAbilities {
  grants: AbilityGrant[];
  /** Actions in a namespace that matters here that no rule classifies: what they allow is unknown. */
  unknown: string[];
}

const ALL_GROUPS: GroupKinds = { security: true, unified: true, assignedOnly: false };

function groupKinds(entity: string): GroupKinds | undefined {
  switch (entity) {
    case 'groups':
      return ALL_GROUPS;
    case 'groups.security':
      return { security: true, unified: false, assignedOnly: false };
    case 'groups.security.assignedmembership':
      return { security: true, unified: false, assignedOnly: true };
    case 'groups.unified':
      return { security: false, unified: true, assignedOnly: false };
    case 'groups.unified.assignedmembership':
      return { security: false, unified: true, assignedOnly: true };
    default:
      return undefined;
  }
}

const READ_VERBS = /(^|\/)(read|allproperties\/read|standard\/read|basic\/read)$/;
/** Group actions that change nothing about who is a member (R-EXEMPT-2, custom-group-permissions). */
const GROUP_HARMLESS = new Set(['create', 'createasowner', 'delete', 'restore', 'assignlicense', 'reprocesslicenseassignment', 'basic/update', 'classification/update', 'visibility/update', 'assignedlabels/update', 'settings/update', 'onpremwriteback/update']);
/** User actions that do not change an attribute a rule or a policy reads (R-EXEMPT-5). */
const USER_HARMLESS = new Set(['create', 'delete', 'restore', 'password/update', 'photo/update', 'assignlicense', 'reprocesslicenseassignment', 'invalidateallrefreshtokens', 'inviteguest', 'convertexternaltointernalmemberuser', 'sponsors/update', 'passwordpolicies/update', 'parentalcontrols/update']);
/** User actions that write one attribute a rule can read (Learn, custom-user-permissions; dynamic membership rules' property list). */
const USER_SINGLE_ATTRIBUTE: Readonly<Record<string, string>> = { 'manager/update': 'manager', 'usagelocation/update': 'usagelocation', 'userprincipalname/update': 'userprincipalname', enable: 'accountenabled', disable: 'accountenabled' };
/** User property sets: Microsoft does not publish which attribute each holds, so each may write any profile attribute (D-7). */
const USER_PROFILE_SETS = new Set(['basic/update', 'jobinfo/update', 'contactinfo/update', 'extensionproperties/update', 'allproperties/update', 'allproperties/alltasks', 'identities/update']);
const DEVICE_HARMLESS = new Set(['create', 'delete', 'disable', 'enable', 'bitlockerrecoverykeys/read', 'registeredowners/update', 'registeredusers/update', 'permissions/update']);

/** The namespaces whose write actions can touch an exclusion; anything else in them unknown is reported. */
const ANALYSED = new Set(['groups', 'groups.security', 'groups.security.assignedmembership', 'groups.unified', 'groups.unified.assignedmembership', 'groupsassignabletoroles', 'users', 'roleassignments', 'scopedrolememberships', 'directoryroles', 'privilegedidentitymanagement', 'conditionalaccesspolicies', 'namedlocations', 'devices', 'administrativeunits', 'serviceprincipals']);

/** Classifies one resource action (lower-cased matching; the original spelling is kept for messages). */
 
export function classifyAction(action: string): { grants: AbilityGrant[]; unknown: boolean } {
  const lower = action.trim().toLowerCase();
  const m = /^microsoft\.directory\/([^/]+)\/(.+)$/.exec(lower);
  if (!m) return { grants: [], unknown: false };
  const entity = m[1] as string;
  const rest = m[2] as string;
  const none = { grants: [], unknown: false };
  const grant = (...abilities: Ability[]) => ({ grants: abilities.map((ability) => ({ ability, action })), unknown: false });
  if (!ANALYSED.has(entity) && !entity.includes('*')) return none;
  if (entity.includes('*') || rest.includes('*')) return { grants: [], unknown: true };
  if (READ_VERBS.test(rest)) return none;
  const kinds = groupKinds(entity);
  if (kinds) {
    const g = (...abilities: Ability[]) => ({ grants: abilities.map((ability) => ({ ability, action, kinds })), unknown: false });
    // R-EXEMPT-2: members/update on the subtype; allProperties (all properties including privileged) reaches members, owners and rule.
    if (rest === 'members/update') return g('groupMembers');
    if (rest === 'owners/update') return g('groupOwners');
    if (rest === 'dynamicmembershiprule/update' || rest === 'grouptype/update') return g('groupRule');
    if (rest === 'allproperties/update' || rest === 'allproperties/alltasks' || rest === 'alltasks') return g('groupMembers', 'groupOwners', 'groupRule');
    if (GROUP_HARMLESS.has(rest)) return none;
    return { grants: [], unknown: true };
  }
  switch (entity) {
    case 'groupsassignabletoroles':
      // R-EXEMPT-3: role-assignable groups are updated through their own entity (Privileged Role Administrator).
      if (rest === 'allproperties/update' || rest === 'allproperties/alltasks' || rest === 'members/update' || rest === 'owners/update') return grant('roleAssignableGroups');
      if (['create', 'delete', 'restore', 'assignlicense', 'reprocesslicenseassignment'].includes(rest)) return none;
      return { grants: [], unknown: true };
    case 'users':
      // R-EXEMPT-5: profile attributes through a property set; a few attributes have an action of their own.
      if (USER_SINGLE_ATTRIBUTE[rest]) return { grants: [{ ability: 'userAttributes', action, attribute: USER_SINGLE_ATTRIBUTE[rest] }], unknown: false };
      if (USER_PROFILE_SETS.has(rest)) return grant('userAttributes');
      if (USER_HARMLESS.has(rest) || rest.startsWith('authenticationmethods/')) return none;
      return { grants: [], unknown: true };
    case 'roleassignments':
    case 'scopedrolememberships':
    case 'directoryroles':
    case 'privilegedidentitymanagement':
      // R-EXEMPT-4: whoever assigns roles can assign itself any role, and so gain every other ability.
      return grant('roleAssignments');
    case 'conditionalaccesspolicies':
      return grant('conditionalAccess');
    case 'namedlocations':
      return grant('namedLocations');
    case 'devices':
      if (DEVICE_HARMLESS.has(rest)) return none;
      return grant('devices');
    case 'administrativeunits':
      if (rest === 'members/update' || rest === 'allproperties/alltasks' || rest === 'allproperties/update') return grant('administrativeUnitMembers');
      if (['create', 'delete', 'basic/update', 'restore'].includes(rest)) return none;
      return { grants: [], unknown: true };
    case 'serviceprincipals':
      // Consent for any permission to any application (Privileged Role Administrator, Global Administrator).
      if (rest === 'managepermissiongrantsforall.microsoft-company-admin') return grant('consent');
      return none;
    default:
      return none;
  }
}

/** The abilities of a role definition's permissions. Permissions with a condition ($ResourceIsSelf, $SubjectIsOwner) belong to default user roles and are not counted (R-EXEMPT-1). */
export function roleAbilities(rolePermissions: ReadonlyArray<{ allowedResourceActions?: readonly string[] | null; condition?: string | null }> | null | undefined): RoleAbilities | null {
  if (!rolePermissions) return null;
  const grants: AbilityGrant[] = [];
  const unknown: string[] = [];
  for (const permission of rolePermissions) {
    if (permission.condition) continue;
    for (const action of permission.allowedResourceActions ?? []) {
      const c = classifyAction(action);
      grants.push(...c.grants);
      if (c.unknown) unknown.push(action);
    }
  }
  return { grants, unknown };
}

export function hasAbility(abilities: RoleAbilities | null, ability: Ability, group?: { security: boolean; unified: boolean; dynamic: boolean }): AbilityGrant | undefined {
  return abilities?.grants.find((g) => {
    if (g.ability !== ability) return false;
    if (!group || !g.kinds) return true;
    if (g.kinds.assignedOnly && group.dynamic) return false;
    return (group.security && g.kinds.security) || (group.unified && g.kinds.unified);
  });
}

/**
 * Microsoft Graph application permissions that change what an exclusion holds (R-EXEMPT-6; Graph permissions
 * reference). Role-assignable groups need RoleManagement.ReadWrite.Directory (groups-concept: "The
 * Group.ReadWrite.All permission won't work"); none applies inside a restricted-management administrative unit.
 */
export const APP_PERMISSION_ABILITIES: Readonly<Record<string, readonly Ability[]>> = {
  'GroupMember.ReadWrite.All': ['groupMembers'],
  'Group.ReadWrite.All': ['groupMembers', 'groupOwners', 'groupRule'],
  'Directory.ReadWrite.All': ['groupMembers', 'groupOwners', 'groupRule', 'userAttributes', 'devices'],
  'User.ReadWrite.All': ['userAttributes'],
  'Device.ReadWrite.All': ['devices'],
  'Policy.ReadWrite.ConditionalAccess': ['conditionalAccess', 'namedLocations'],
  'RoleManagement.ReadWrite.Directory': ['roleAssignments', 'roleAssignableGroups'],
  'RoleAssignmentSchedule.ReadWrite.Directory': ['roleAssignments'],
  'RoleEligibilitySchedule.ReadWrite.Directory': ['roleAssignments'],
  // PIM for Groups hands out membership and ownership of any group it manages, role-assignable or not.
  'PrivilegedAccess.ReadWrite.AzureADGroup': ['groupMembers', 'groupOwners', 'roleAssignableGroups'],
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup': ['groupMembers', 'groupOwners', 'roleAssignableGroups'],
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup': ['groupMembers', 'groupOwners', 'roleAssignableGroups'],
  'AppRoleAssignment.ReadWrite.All': ['consent'],
  'AdministrativeUnit.ReadWrite.All': ['administrativeUnitMembers'],
};

/** User attributes each member can change on their own account (Learn, users-default-permissions: "Manage own mobile phone number"). */
export const SELF_SERVICE_USER_ATTRIBUTES: ReadonlySet<string> = new Set(['mobile', 'mobilephone']);

/** Device properties the device itself reports at registration (the person holding it can steer them). */
export const DEVICE_REPORTED_PROPERTIES: ReadonlySet<string> = new Set(['displayname', 'model', 'manufacturer', 'operatingsystem', 'operatingsystemversion', 'deviceos', 'deviceosversion', 'devicemodel', 'devicemanufacturer', 'profiletype', 'mdmappid']);

/** Attributes the directory sets itself (or that reflect other objects): no one writes them on a user. */
const UNWRITABLE_USER_ATTRIBUTES: ReadonlySet<string> = new Set(['objectid', 'memberof', 'assignedplans', 'onpremisessecurityidentifier', 'onpremisessyncenabled', 'dirsyncenabled']);

/** Whether a grant writes this user attribute (lower case, without `user.`). Property sets may write any profile attribute (D-7). */
export function writesUserAttribute(grant: AbilityGrant, property: string): boolean {
  if (grant.ability !== 'userAttributes' || UNWRITABLE_USER_ATTRIBUTES.has(property)) return false;
  return grant.attribute === undefined || grant.attribute === property;
}

export function userAttributeWritable(property: string): boolean {
  return !UNWRITABLE_USER_ATTRIBUTES.has(property);
}
