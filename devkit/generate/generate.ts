// Deterministic generator of large tenant fixtures (format version 1, docs/tenant-fixture.md) for the scale
// bench (issue 9). The output is streamed: users, registration details, sign-ins and the member lists of the
// big groups are produced one at a time from (seed, index), so 100k users need no big heap. Only the small
// sets are held: admins and their paths, role/PIM groups, policies, locations, strengths.
//
// Determinism: every value comes from a counter-based hash of (seed, kind, index), never from a shared
// sequential stream, so the same options give byte-identical output and a churned tenant differs from the base
// only where the churn says so. GUIDs are unique by construction: their last 48 bits are a keyed bijection
// (Feistel network) of (kind, index).
//
// Shape (scales with the options):
// - users 0-1 are the break-glass pair (permanent Global Administrator, excluded through CA-Exclude-BreakGlass,
//   which `settings.MONITOR_EXCLUDED_ACCOUNTS` names); then service accounts (the first three hold roles and are
//   excluded from every policy: the unprotected admins); then everyone else, with admins spread evenly.
// - `admins` users hold at least one role path: Tier-0 admins (Global / Privileged Role / Privileged
//   Authentication Administrator, in SG-Tier0-Admins, which a strength policy covers: the protected admins), then
//   one of each path kind, then a weighted draw (direct permanent / time-bound, PIM eligible and activated,
//   role-assignable groups active and eligible, PIM for Groups eligible / activated / active, a team group nested
//   as an eligible member, AU-scoped). About 22 % get extra roles: ~1.37 paths per admin.
// - Policies: 32 hand-written ones that use every condition kind (CORE_POLICY_COUNT), then fillers that vary them.
//   No enabled filler that can reach an ordinary admin requires MFA for every app at the trusted HQ location,
//   so most admins stay `partial` at any size and the verdict mix does not depend on the policy count.
// - Registration `isAdmin` is true for users with an active (or activated) path, as Microsoft flags admins;
//   eligible-only and PIM-group members are not flagged. The churn leaves registration details unchanged.
// - Churn: per chosen admin one of: remove a direct assignment (an admin whose only path goes stops being one),
//   add an eligible assignment, leave or join a role group; per chosen policy one of: add an exclusion, flip the
//   state, change the grant. It never touches the break-glass accounts.
import { ADMIN_TEMPLATE_ROLES, APP_ID, BUILT_IN_DIRECTORY_ROLES, BUILT_IN_STRENGTHS, MICROSOFT_GRAPH_APP_ROLES, MICROSOFT_GRAPH_SP_ID, ROLE } from '../simulator/builtins.js';
import { type Judgement, type Setting, SignInJudge, type Subject } from './signin-policies.js';

// ------------------------------------------------------------------------------------------- options

export interface ChurnOptions {
  /** Percentage of admins (break-glass accounts excepted) whose role paths change. */
  adminsPercent: number;
  /** Percentage of Conditional Access policies that change. */
  policiesPercent: number;
  seed: number;
}

export interface GenerateOptions {
  users: number;
  /** Admin users: users holding at least one directory role path (break-glass and service accounts included). */
  admins: number;
  policies: number;
  signInsPerDay: number;
  seed: number;
  /** Default '2026-11-25T10:00:00Z'. Every time in the fixture is relative to it. */
  referenceTime?: string;
  /** The same tenant with some admins and policies changed (deterministic from churn.seed). */
  churn?: ChurnOptions;
  /** Registration details for every user (default; Graph's report lists every user) or only for admins. */
  registration?: 'all' | 'admins';
  /** The tenant's display name (default 'Northwind Scale'); a tenant set names each tenant (tenants.ts). */
  displayName?: string;
  /** The verified domain of the users' UPNs (default 'northwind-scale.example'). */
  domain?: string;
}

export interface GenerateSummary {
  tenantId: string;
  referenceTime: string;
  seed: number;
  users: number;
  guests: number;
  disabledUsers: number;
  groups: number;
  servicePrincipals: number;
  /** Users holding at least one role path (any role, any scope). */
  admins: number;
  /** Distinct (user, role, scope, via) paths: direct, through a role-assignable group, through PIM for Groups. */
  adminPaths: number;
  /** Role paths held by service principals. */
  workloadAdminPaths: number;
  /** Owners of role-holding PIM groups who hold no role themselves. */
  potentialAdmins: number;
  policies: number;
  namedLocations: number;
  authenticationStrengthPolicies: number;
  roleDefinitions: number;
  roleAssignmentScheduleInstances: number;
  roleEligibilityScheduleInstances: number;
  privilegedAccessGroupAssignmentScheduleInstances: number;
  privilegedAccessGroupEligibilityScheduleInstances: number;
  roleAssignmentScheduleRequests: number;
  roleManagementPolicyAssignments: number;
  userRegistrationDetails: number;
  signIns: number;
  /** Who can change an exclusion: app registrations, application permissions granted, administrative units, audit events. */
  applications: number;
  appRoleAssignments: number;
  administrativeUnits: number;
  directoryAudits: number;
  /** UTF-8 bytes written, and the number of write() calls. */
  bytes: number;
  chunks: number;
  breakGlassGroupId: string;
  breakGlassUserIds: string[];
  churn?: { seed: number; adminsChanged: string[]; policiesChanged: string[] };
}

export const DEFAULT_REFERENCE_TIME = '2026-11-25T10:00:00Z';
export const MIN_USERS = 50;
export const MIN_ADMINS = 10;
/** Policies needed for every condition kind to appear (the hand-written core set). */
export const CORE_POLICY_COUNT = 32;
/** Flush threshold of the output buffer (characters). */
export const CHUNK_SIZE = 64 * 1024;

const DOMAIN = 'northwind-scale.example';
const TENANT_NAME = 'Northwind Scale';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Problems with the options, each naming the option; empty when valid. */
export function validateGenerateOptions(o: GenerateOptions): string[] {
  const problems: string[] = [];
  const int = (name: string, value: unknown, min: number, max: number): boolean => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
      return false;
    }
    return true;
  };
  const pct = (name: string, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
      problems.push(`${name} must be a number from 0 to 100 (got ${JSON.stringify(value)})`);
    }
  };
  const usersOk = int('users', o.users, MIN_USERS, 10_000_000);
  if (int('admins', o.admins, MIN_ADMINS, 1_000_000) && usersOk && o.admins > Math.floor(o.users / 2)) {
    problems.push(`admins must be at most half of users (${Math.floor(o.users / 2)} for ${o.users} users; got ${o.admins})`);
  }
  int('policies', o.policies, 1, 10_000);
  int('signInsPerDay', o.signInsPerDay, 0, 10_000_000);
  int('seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
  if (
    o.referenceTime !== undefined &&
    (typeof o.referenceTime !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(o.referenceTime) ||
      Number.isNaN(Date.parse(o.referenceTime)))
  ) {
    problems.push(`referenceTime must be an ISO 8601 date-time with a time zone (got ${JSON.stringify(o.referenceTime)})`);
  }
  if (o.registration !== undefined && o.registration !== 'all' && o.registration !== 'admins') {
    problems.push(`registration must be 'all' or 'admins' (got ${JSON.stringify(o.registration)})`);
  }
  if (o.displayName !== undefined && (typeof o.displayName !== 'string' || o.displayName.trim() === '' || o.displayName.length > 256)) {
    problems.push(`displayName must be a non-empty name of at most 256 characters (got ${JSON.stringify(o.displayName)})`);
  }
  if (o.domain !== undefined && (typeof o.domain !== 'string' || !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(o.domain))) {
    problems.push(`domain must be a lower-case DNS name such as 'contoso.example' (got ${JSON.stringify(o.domain)})`);
  }
  if (o.churn) {
    pct('churn.adminsPercent', o.churn.adminsPercent);
    pct('churn.policiesPercent', o.churn.policiesPercent);
    int('churn.seed', o.churn.seed, 0, Number.MAX_SAFE_INTEGER);
  }
  return problems;
}

// ------------------------------------------------------------------------------------------- hashing, PRNG, ids

function mix32(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of small integers (murmur3 mixing); parts are taken modulo 2^32. */
function hash(a: number, b: number, c = 0, d = 0): number {
  let h = 0x9747b28c;
  h = mix32(h, a | 0);
  h = mix32(h, b | 0);
  h = mix32(h, c | 0);
  h = mix32(h, d | 0);
  return fmix32(h ^ 16);
}

/** A uniform number in [0, 1) from a hash. */
const unit = (h: number): number => h / 4294967296;

/** mulberry32: small, fast, good enough for shapes. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return at(items, this.int(items.length));
  }
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    return at(items, weightedIndex(items, this.next()))[0];
  }
  /** `count` distinct items, in selection order (partial Fisher-Yates on a copy). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + this.int(copy.length - i);
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy.slice(0, n);
  }
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`internal: index ${index} out of range (${items.length})`);
  return item;
}

const hex = (n: number, digits: number): string => (n >>> 0).toString(16).padStart(8, '0').slice(8 - digits);

/** Id kinds: the high byte of a GUID's unique part. */
const KIND = {
  tenant: 1,
  user: 2,
  group: 3,
  servicePrincipal: 4,
  app: 5,
  policy: 6,
  location: 7,
  strength: 8,
  roleDefinition: 9,
  administrativeUnit: 10,
  pimInstance: 11,
  request: 12,
  signIn: 13,
  correlation: 14,
  device: 15,
  terms: 16,
  roleManagementPolicy: 17,
  deleted: 18,
  activation: 19,
  appRoleAssignment: 20,
  application: 21,
  audit: 22,
} as const;

/** Deterministic, unique, version-4-shaped lower-case GUIDs. */
class Guids {
  constructor(private readonly key: number) {}

  guid(kind: number, index: number): string {
    // The last 48 bits: a keyed 4-round Feistel permutation of kind * 2^40 + index (a bijection, so unique).
    const x = kind * 2 ** 40 + index;
    let left = Math.floor(x / 16_777_216);
    let right = x % 16_777_216;
    for (let round = 0; round < 4; round++) {
      const f = hash(this.key, 0xfe15, round, right) & 0xffffff;
      const next = (left ^ f) & 0xffffff;
      left = right;
      right = next;
    }
    const node = left.toString(16).padStart(6, '0') + right.toString(16).padStart(6, '0');
    const a = hash(this.key, kind, index, 1);
    const b = hash(this.key, kind, index, 2);
    const c = hash(this.key, kind, index, 3);
    return `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(b, 3)}-${(8 + (c & 3)).toString(16)}${hex(c >>> 8, 3)}-${node}`;
  }
}

/** A GUID's bytes in .NET order (the first three fields little-endian), as Graph encodes them in ids. */
function dotNetGuidBytes(guid: string): Buffer {
  const h = guid.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.from([b[3] ?? 0, b[2] ?? 0, b[1] ?? 0, b[0] ?? 0, b[5] ?? 0, b[4] ?? 0, b[7] ?? 0, b[6] ?? 0, ...b.subarray(8)]);
}

/** Graph's id of a role schedule instance: base64url(role id, principal id) + '-1-e'. */
function roleInstanceId(roleId: string, principalId: string): string {
  return `${Buffer.concat([dotNetGuidBytes(roleId), dotNetGuidBytes(principalId)]).toString('base64url')}-1-e`;
}

/** ISO 8601 UTC to the second, as Graph writes most times. */
function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The last second of the day `ms` falls in. */
const endOfDay = (ms: number): string => iso(Math.floor(ms / DAY) * DAY + DAY - 1000);

// ------------------------------------------------------------------------------------------- static data

const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Betty',
  'Anthony', 'Sandra', 'Mark', 'Margaret', 'Aisha', 'Mohammed', 'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Priya', 'Arjun', 'Fatima',
  'Omar', 'Sofia', 'Lucas', 'Emma', 'Noah', 'Olivia', 'Liam', 'Ava', 'Ethan', 'Mia', 'Mateo', 'Camila', 'Santiago',
  'Valentina', 'Leon', 'Hannah', 'Jonas', 'Lena', 'Finn', 'Clara', 'Elias', 'Ingrid', 'Lars', 'Astrid', 'Sven', 'Chloe',
  'Hugo', 'Manon', 'Louis', 'Amara', 'Kwame', 'Zanele', 'Thabo', 'Nia', 'Kofi', 'Ana', 'Joao', 'Beatriz', 'Pedro', 'Giulia',
  'Marco', 'Chiara', 'Luca', 'Ewa', 'Piotr', 'Katarzyna', 'Tomasz', 'Dmitri', 'Olga', 'Nikos', 'Eleni', 'Mehmet', 'Elif',
  'Ravi', 'Ananya', 'Minh', 'Linh', 'Jae', 'Soo', 'Tariq', 'Leila', 'Grace', 'Samuel', 'Ruth', 'Isaac',
];
const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
  'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson',
  'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright',
  'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell',
  'Mitchell', 'Carter', 'Roberts', 'Mueller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker',
  'Hoffmann', 'Schulz', 'Dubois', 'Moreau', 'Laurent', 'Lefebvre', 'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi',
  'Kowalski', 'Nowak', 'Wisniewski', 'Ivanova', 'Petrov', 'Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Wang', 'Li', 'Zhang',
  'Chen', 'Liu', 'Kim', 'Park', 'Choi', 'Patel', 'Sharma', 'Singh', 'Kumar', 'Okafor', 'Mensah', 'Diallo', 'Mbeki', 'Haddad',
  'Yilmaz', 'Kaya', 'Silva', 'Santos', 'Oliveira', 'Larsen', 'Hansen',
];
const NAME_COMBOS = FIRST_NAMES.length * LAST_NAMES.length;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const NAME_STRIDE = [7919, 7927, 7933, 7937].find((p) => gcd(p, NAME_COMBOS) === 1) ?? 1;

const DEPARTMENTS: ReadonlyArray<readonly [string, string, number]> = [
  // name, short name, weight
  ['IT Operations', 'ITOperations', 4],
  ['Sales', 'Sales', 14],
  ['Marketing', 'Marketing', 7],
  ['Finance', 'Finance', 6],
  ['Human Resources', 'HumanResources', 4],
  ['Engineering', 'Engineering', 16],
  ['Operations', 'Operations', 12],
  ['Customer Support', 'CustomerSupport', 12],
  ['Legal', 'Legal', 2],
  ['Logistics', 'Logistics', 10],
  ['Research', 'Research', 6],
  ['Procurement', 'Procurement', 3],
];
const DEPARTMENT_CUMULATIVE = (() => {
  const total = DEPARTMENTS.reduce((s, d) => s + d[2], 0);
  let acc = 0;
  return DEPARTMENTS.map((d) => (acc += d[2] / total));
})();
const IT_DEPARTMENT = 0;
const REGIONS: ReadonlyArray<readonly [string, string]> = [
  ['Americas', 'Seattle HQ'],
  ['EMEA', 'Dublin'],
  ['APAC', 'Singapore'],
];
const JOB_TITLES: Record<number, readonly string[]> = {
  0: ['Systems Engineer', 'Service Desk Analyst', 'Cloud Engineer', 'Network Engineer', 'Identity Engineer', 'IT Manager'],
};
const GENERIC_TITLES = ['Specialist', 'Analyst', 'Manager', 'Coordinator', 'Associate', 'Lead', 'Director', 'Consultant'];
const PARTNER_DOMAINS = ['fabrikam-partners.example', 'tailspin-audit.example', 'adatum-consulting.example', 'litware.example', 'proseware.example'];
const CITIES: ReadonlyArray<readonly [string, string]> = [
  ['Seattle', 'US'], ['Dublin', 'IE'], ['Singapore', 'SG'], ['Chicago', 'US'], ['Toronto', 'CA'], ['London', 'GB'],
  ['Berlin', 'DE'], ['Amsterdam', 'NL'], ['Madrid', 'ES'], ['Sydney', 'AU'], ['Tokyo', 'JP'], ['Sao Paulo', 'BR'],
];

const ROLE_EXTRA = {
  authenticationPolicyAdministrator: ROLE.authenticationPolicyAdministrator,
  identityGovernanceAdministrator: ROLE.identityGovernanceAdministrator,
  hybridIdentityAdministrator: ROLE.hybridIdentityAdministrator,
} as const;
/** Directory Synchronization Accounts: the role every admin-MFA template excludes. */
const DIRECTORY_SYNC_ROLE = 'd29b2b05-8046-44ba-8758-1e26182fcf32';

const ROLE_SHORT: Record<string, string> = {
  [ROLE.globalAdministrator]: 'GlobalAdmin',
  [ROLE.securityAdministrator]: 'Security',
  [ROLE.sharePointAdministrator]: 'SharePoint',
  [ROLE.exchangeAdministrator]: 'Exchange',
  [ROLE.conditionalAccessAdministrator]: 'ConditionalAccess',
  [ROLE.helpdeskAdministrator]: 'Helpdesk',
  [ROLE.billingAdministrator]: 'Billing',
  [ROLE.userAdministrator]: 'UserAdmin',
  [ROLE.authenticationAdministrator]: 'Authentication',
  [ROLE.applicationAdministrator]: 'Applications',
  [ROLE.cloudApplicationAdministrator]: 'CloudApps',
  [ROLE.passwordAdministrator]: 'Password',
  [ROLE.privilegedAuthenticationAdministrator]: 'PrivilegedAuth',
  [ROLE.privilegedRoleAdministrator]: 'PrivilegedRole',
  [ROLE.authenticationPolicyAdministrator]: 'AuthPolicy',
  [ROLE.identityGovernanceAdministrator]: 'IdentityGovernance',
  [ROLE.hybridIdentityAdministrator]: 'HybridIdentity',
};

/** Roles handed out to ordinary admins (Global / Privileged Role / Privileged Authentication are placed apart). */
const DIRECT_ROLE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  [ROLE.helpdeskAdministrator, 18],
  [ROLE.userAdministrator, 12],
  [ROLE.exchangeAdministrator, 10],
  [ROLE.sharePointAdministrator, 8],
  [ROLE.applicationAdministrator, 7],
  [ROLE.passwordAdministrator, 6],
  [ROLE.cloudApplicationAdministrator, 6],
  [ROLE.securityAdministrator, 6],
  [ROLE.authenticationAdministrator, 6],
  [ROLE.billingAdministrator, 4],
  [ROLE.conditionalAccessAdministrator, 3],
  [ROLE.authenticationPolicyAdministrator, 2],
  [ROLE.identityGovernanceAdministrator, 2],
  [ROLE.hybridIdentityAdministrator, 1],
];
const RA_ACTIVE_ROLE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  [ROLE.helpdeskAdministrator, 5],
  [ROLE.userAdministrator, 3],
  [ROLE.passwordAdministrator, 2],
  [ROLE.exchangeAdministrator, 2],
  [ROLE.sharePointAdministrator, 2],
  [ROLE.authenticationAdministrator, 2],
  [ROLE.applicationAdministrator, 1],
];
const RA_ELIGIBLE_ROLE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  [ROLE.securityAdministrator, 3],
  [ROLE.exchangeAdministrator, 2],
  [ROLE.applicationAdministrator, 2],
  [ROLE.conditionalAccessAdministrator, 1],
  [ROLE.authenticationPolicyAdministrator, 1],
  [ROLE.userAdministrator, 2],
];
const PIM_GROUP_ROLE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  [ROLE.exchangeAdministrator, 3],
  [ROLE.sharePointAdministrator, 2],
  [ROLE.securityAdministrator, 2],
  [ROLE.userAdministrator, 2],
  [ROLE.cloudApplicationAdministrator, 1],
  [ROLE.identityGovernanceAdministrator, 1],
];
const AU_ROLES = [ROLE.helpdeskAdministrator, ROLE.userAdministrator, ROLE.passwordAdministrator, ROLE.authenticationAdministrator];

const WELL_KNOWN_APPS: ReadonlyArray<readonly [string, string]> = [
  ['00000003-0000-0000-c000-000000000000', 'Microsoft Graph'],
  [APP_ID.exchangeOnline, 'Office 365 Exchange Online'],
  [APP_ID.sharePointOnline, 'Office 365 SharePoint Online'],
  [APP_ID.teamsServices, 'Microsoft Teams Services'],
  [APP_ID.azurePortal, 'Azure Portal'],
  [APP_ID.azureServiceManagement, 'Windows Azure Service Management API'],
];
/** App ids policies name besides the tenant's own apps. */
const POLICY_APP_IDS = [
  '00000003-0000-0000-c000-000000000000',
  APP_ID.exchangeOnline,
  APP_ID.sharePointOnline,
  APP_ID.teamsServices,
  APP_ID.azureServiceManagement,
  '0000000a-0000-0000-c000-000000000000', // Microsoft Intune
  '00000009-0000-0000-c000-000000000000', // Power BI Service
  '00000007-0000-0000-c000-000000000000', // Dynamics CRM Online
  '499b84ac-1321-427f-aa17-267ca6975798', // Azure DevOps
];
const APP_NAMES = ['HR Portal', 'Expenses', 'Travel Booking', 'Payroll', 'CRM Connector', 'Wiki', 'Build Service', 'Ticketing', 'Analytics', 'Learning Hub', 'Contracts', 'Warehouse', 'Field Service', 'Intranet', 'Recruiting'];
const WORKLOAD_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['Provisioning Connector', ROLE.userAdministrator],
  ['M365 Backup', ROLE.exchangeAdministrator],
  ['Identity Automation', ROLE.applicationAdministrator],
  ['Ticketing Integration', ROLE.helpdeskAdministrator],
  ['App Lifecycle Pipeline', ROLE.cloudApplicationAdministrator],
  ['Security Orchestrator', ROLE.securityAdministrator],
];

/** Sign-in apps: client app id, client name, resource name, resource id (Conditional Access targets the resource). */
const SIGN_IN_APPS: ReadonlyArray<readonly [string, string, string, string]> = [
  ['00000006-0000-0ff1-ce00-000000000000', 'Microsoft Office 365 Portal', 'Microsoft Office 365 Portal', '00000006-0000-0ff1-ce00-000000000000'],
  ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', 'Microsoft Teams', 'Microsoft Teams Services', APP_ID.teamsServices],
  ['d3590ed6-52b3-4102-aeff-aad2292ab01c', 'Microsoft Office', 'Office 365 Exchange Online', APP_ID.exchangeOnline],
  ['00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online', 'Office 365 SharePoint Online', APP_ID.sharePointOnline],
  ['c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal', 'Windows Azure Service Management API', APP_ID.azureServiceManagement],
  ['04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'Microsoft Azure CLI', 'Windows Azure Service Management API', APP_ID.azureServiceManagement],
  ['14d82eec-204b-4c2f-b7e8-296a70dab67e', 'Microsoft Graph Command Line Tools', 'Microsoft Graph', '00000003-0000-0000-c000-000000000000'],
  ['fb78d390-0c51-40cd-8e17-fdbfab77341b', 'Microsoft Exchange REST API Based Powershell', 'Office 365 Exchange Online', APP_ID.exchangeOnline],
];

const FAILURE_REASONS: Record<number, string> = {
  0: 'Other.',
  50074: 'Strong Authentication is required.',
  50076: 'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.',
  500121: 'Authentication failed during strong authentication request.',
  50079: 'Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access the resource.',
  50072: 'Users account is being enrolled for multi-factor authentication.',
  50158: 'External security challenge not satisfied.',
  16000: 'Either multiple user identities are available for the current request or selected account is not supported for the scenario.',
  50140: 'This error occurred due to "Keep me signed in" interrupt when the user was signing-in.',
  50097: 'Device authentication is required.',
  50126: 'Error validating credentials due to invalid username or password.',
  53003: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
  50053: 'Account is locked because user tried to sign in too many times with an incorrect user ID or password.',
  50055: 'The password is expired.',
  50057: 'The user account is disabled.',
};
/** An MFA prompt the user did not complete (the sign-in after it, if any, is another event). */
const MFA_PROMPT_WEIGHTS: ReadonlyArray<readonly [number, number]> = [[50074, 45], [50076, 35], [500121, 20]];
/** Interruptions that are not MFA: account selection, keep me signed in. */
const OTHER_INTERRUPT_WEIGHTS: ReadonlyArray<readonly [number, number]> = [[16000, 60], [50140, 40]];
/** Failures before Conditional Access: wrong password, locked, expired (53003 comes from the policies). */
const FAILURE_WEIGHTS: ReadonlyArray<readonly [number, number]> = [[50126, 75], [50053, 12], [50055, 13]];

const METHOD_SETS: ReadonlyArray<readonly [readonly string[], number]> = [
  [['microsoftAuthenticatorPush', 'softwareOneTimePasscode'], 40],
  [['microsoftAuthenticatorPush'], 20],
  [['mobilePhone'], 12],
  [['microsoftAuthenticatorPush', 'mobilePhone'], 10],
  [['windowsHelloForBusiness', 'microsoftAuthenticatorPush'], 10],
  [['fido2SecurityKey', 'microsoftAuthenticatorPush'], 5],
  [['microsoftAuthenticatorPasswordless', 'microsoftAuthenticatorPush'], 3],
];
const SYSTEM_PREFERRED: Record<string, string> = {
  fido2SecurityKey: 'Fido2',
  windowsHelloForBusiness: 'PushNotification',
  microsoftAuthenticatorPasswordless: 'PushNotification',
  microsoftAuthenticatorPush: 'PushNotification',
  softwareOneTimePasscode: 'Oath',
  mobilePhone: 'Sms',
};

// ------------------------------------------------------------------------------------------- model types

type Json = Record<string, unknown>;

type AdminKind =
  | 'directPermanent'
  | 'directTimeBound'
  | 'eligible'
  | 'eligibleActivated'
  | 'raActive'
  | 'raEligible'
  | 'raEligibleActivated'
  | 'pimEligible'
  | 'pimEligibleActivated'
  | 'pimActive'
  | 'nested'
  | 'au';

const RANDOM_KIND_WEIGHTS: ReadonlyArray<readonly [AdminKind, number]> = [
  ['directPermanent', 22],
  ['directTimeBound', 10],
  ['eligible', 26],
  ['eligibleActivated', 4],
  ['raActive', 12],
  ['raEligible', 7],
  ['raEligibleActivated', 1],
  ['pimEligible', 6],
  ['pimEligibleActivated', 1],
  ['pimActive', 3],
  ['nested', 4],
  ['au', 4],
];
/** Kinds given once each before the random draw, so even a small tenant has every path kind. */
const FORCED_KINDS: readonly AdminKind[] = [
  'raActive', 'raEligible', 'raEligibleActivated', 'pimEligible', 'pimEligibleActivated', 'pimActive', 'nested',
  'eligibleActivated', 'directTimeBound', 'eligible', 'directPermanent', 'au', 'nested', 'raActive',
];

interface AdminUser {
  userIndex: number;
  id: string;
  account: 'breakGlass' | 'service' | 'dedicated' | 'regular' | 'guest';
  kind: AdminKind | 'special';
  department: number;
  contractor: boolean;
  registered: boolean;
}

/** A role instance on a user, group or service principal (not one derived for a group member). */
interface Grant {
  id: string;
  principalId: string;
  principalKind: 'user' | 'group' | 'servicePrincipal' | 'deleted';
  roleId: string;
  scope: string;
  state: 'active' | 'eligible';
  start: string;
  end: string | null;
  activation?: Activation;
}

interface Activation {
  id: string;
  principalId: string;
  /** 'Direct' for a direct eligibility; 'Group' for a user activating an eligibility held through a role-assignable group. */
  memberType: 'Direct' | 'Group';
  roleId: string;
  scope: string;
  start: string;
  end: string;
}

interface PimInstance {
  id: string;
  groupId: string;
  principalId: string;
  accessId: 'member' | 'owner';
  assignmentType?: 'assigned' | 'activated';
  start: string;
  end: string | null;
}

interface Group {
  id: string;
  displayName: string;
  description: string;
  isAssignableToRole: boolean;
  created: string;
  kind: 'ra' | 'pim' | 'team' | 'small';
  members: string[];
  /** Roles the group holds (ra/pim groups): ids of grants in the model. */
  roles: Array<{ roleId: string; state: 'active' | 'eligible' }>;
  /** For team groups: the PIM group it is an eligible member of. */
  parentPimGroupId?: string;
  /** Owners (user ids), and the membership rule of a dynamic group (members: as Graph computed them). */
  owners?: string[];
  dynamicRule?: string;
}

interface Request {
  id: string;
  principalId: string;
  roleId: string;
  created: number;
  durationHours: number;
  justification: string;
  ticket: string | null;
}

const JUSTIFICATIONS = [
  'Investigate service desk ticket',
  'Scheduled maintenance window',
  'Review sign-in logs for an incident',
  'Update tenant configuration per change request',
  'Mailbox permission change requested by HR',
  'Rotate application credentials',
  'Onboard new application registration',
  'Quarterly access review follow-up',
];

// ------------------------------------------------------------------------------------------- the tenant model

interface Traits {
  guest: boolean;
  enabled: boolean;
  synced: boolean;
  department: number;
  region: number;
  contractor: boolean;
  pilot: boolean;
}

class TenantModel {
  readonly ref: number;
  readonly referenceTime: string;
  readonly key: number;
  readonly ids: Guids;
  readonly tenantId: string;
  readonly domain: string;
  readonly n: number;
  readonly serviceAccounts: number;
  readonly firstRegularUser: number;

  readonly admins: AdminUser[] = [];
  readonly adminByUser = new Map<number, AdminUser>();
  readonly grants: Grant[] = [];
  /** Activations of eligibilities held through a role-assignable group (memberType Group). */
  readonly groupActivations: Activation[] = [];
  readonly pimEligibilities: PimInstance[] = [];
  readonly pimAssignments: PimInstance[] = [];
  readonly requests: Request[] = [];
  readonly roleGroups: Group[] = [];
  readonly smallGroups: Group[] = [];
  readonly servicePrincipals: Json[] = [];
  readonly customRoles: Json[] = [];
  readonly administrativeUnits: string[] = [];
  /** A restricted-management administrative unit holding the break-glass exclusion group. */
  readonly restrictedUnitId: string;
  readonly applications: Json[] = [];
  readonly appRoleAssignments: Json[] = [];
  readonly namedLocations: Json[] = [];
  readonly strengths: Json[] = [];
  readonly policies: Json[] = [];
  readonly roleManagementPolicies: Json[] = [];
  /** Users holding an active role path in the base tenant (the registration report's isAdmin). */
  readonly activeAdminUsers = new Set<number>();
  readonly potentialAdminUsers = new Set<number>();
  /** Named ids used across sections. */
  readonly groupIds: Record<
    'breakGlass' | 'serviceAccounts' | 'migration' | 'temporary' | 'tier0' | 'contractors' | 'pilot' | 'executives' | 'allEmployees',
    string
  >;
  readonly departmentGroupIds: string[] = [];
  readonly regionGroupIds: string[][] = [];
  readonly executives: number[] = [];
  readonly temporary: number[] = [];
  readonly tier0: number[] = [];
  readonly appIds: string[] = [];
  readonly locationIds: Record<'hq' | 'branches' | 'datacenter' | 'vpn' | 'allowedCountries' | 'blockedCountries' | 'partner', string>;
  readonly extraBranchLocationIds: string[] = [];
  readonly strengthIds: Record<'adminMfa' | 'contractor' | 'passwordless' | 'fido2', string>;
  readonly termsOfUseId: string;
  readonly deletedUserId: string;
  /** Role ids each principal holds directly (any scope, active or eligible). */
  private readonly rolesByPrincipal = new Map<string, Set<string>>();
  private groupCounter = 0;
  private auCounter = 0;

  constructor(readonly options: GenerateOptions) {
    this.referenceTime = iso(Date.parse(options.referenceTime ?? DEFAULT_REFERENCE_TIME));
    this.ref = Date.parse(this.referenceTime);
    this.key = hash(options.seed >>> 0, Math.floor(options.seed / 2 ** 32) >>> 0, 0x5eed, 1);
    this.ids = new Guids(this.key);
    this.tenantId = this.ids.guid(KIND.tenant, 0);
    this.domain = options.domain ?? DOMAIN;
    this.restrictedUnitId = this.ids.guid(KIND.administrativeUnit, 1_000_000);
    this.n = options.users;
    this.serviceAccounts = Math.min(4 + Math.floor(this.n / 10_000), 40);
    this.firstRegularUser = 2 + this.serviceAccounts;
    const g = (): string => this.newGroupId();
    this.groupIds = {
      breakGlass: g(),
      serviceAccounts: g(),
      migration: g(),
      temporary: g(),
      tier0: g(),
      contractors: g(),
      pilot: g(),
      executives: g(),
      allEmployees: g(),
    };
    for (let d = 0; d < DEPARTMENTS.length; d++) {
      this.departmentGroupIds.push(g());
      this.regionGroupIds.push(REGIONS.map(() => g()));
    }
    const loc = (i: number): string => this.ids.guid(KIND.location, i);
    this.locationIds = {
      hq: loc(0),
      branches: loc(1),
      datacenter: loc(2),
      vpn: loc(3),
      allowedCountries: loc(4),
      blockedCountries: loc(5),
      partner: loc(6),
    };
    const str = (i: number): string => this.ids.guid(KIND.strength, i);
    this.strengthIds = { adminMfa: str(0), contractor: str(1), passwordless: str(2), fido2: str(3) };
    this.termsOfUseId = this.ids.guid(KIND.terms, 0);
    this.deletedUserId = this.ids.guid(KIND.deleted, 0);
  }

  newGroupId(): string {
    return this.ids.guid(KIND.group, this.groupCounter++);
  }

  userId(i: number): string {
    return this.ids.guid(KIND.user, i);
  }

  rng(tag: number, index = 0, extra = 0): Rng {
    return new Rng(hash(this.key, tag, index, extra));
  }

  // ----------------------------------------------------------------------------------------- users (pure)

  /** The traits of user i: a pure function of (seed, i) and the small admin table. */
  traits(i: number): Traits {
    if (i < 2 + this.serviceAccounts) {
      return { guest: false, enabled: true, synced: false, department: -1, region: 0, contractor: false, pilot: false };
    }
    const admin = this.adminByUser.get(i);
    const h1 = hash(this.key, 0x7101, i);
    const h2 = hash(this.key, 0x7102, i);
    const h3 = hash(this.key, 0x7103, i);
    const region = h2 % REGIONS.length;
    if (admin) {
      return {
        guest: admin.account === 'guest',
        enabled: true,
        synced: admin.account === 'regular' && unit(h3) < 0.8,
        department: admin.department,
        region,
        contractor: admin.contractor,
        pilot: false,
      };
    }
    const guest = unit(h1) < 0.02;
    const u = unit(hash(this.key, 0x7104, i));
    let department = DEPARTMENT_CUMULATIVE.findIndex((c) => u < c);
    if (department < 0) department = DEPARTMENTS.length - 1;
    return {
      guest,
      enabled: unit(hash(this.key, 0x7105, i)) >= 0.03,
      synced: !guest && unit(h3) < 0.75,
      department: guest ? -1 : department,
      region,
      contractor: !guest && unit(hash(this.key, 0x7106, i)) < 0.015,
      pilot: unit(hash(this.key, 0x7107, i)) < 0.02,
    };
  }

  private nameParts(i: number): { first: string; last: string; local: string } {
    const round = Math.floor(i / NAME_COMBOS);
    const j = i % NAME_COMBOS;
    const c = (j * NAME_STRIDE + (this.key % NAME_COMBOS)) % NAME_COMBOS;
    const first = at(FIRST_NAMES, c % FIRST_NAMES.length);
    const last = at(LAST_NAMES, Math.floor(c / FIRST_NAMES.length));
    return { first, last, local: `${first}.${last}${round > 0 ? round + 1 : ''}`.toLowerCase() };
  }

  serviceAccountName(i: number): string {
    const fixed = ['svc-exo-automation', 'svc-spo-migration', 'svc-provisioning'];
    const k = i - 2;
    return fixed[k] ?? `svc-app-${String(k - fixed.length + 1).padStart(2, '0')}`;
  }

  /** User i as Graph returns it. */
  user(i: number): Json & { id: string; userPrincipalName: string; displayName: string; accountEnabled: boolean } {
    const id = this.userId(i);
    if (i < 2) {
      const name = `breakglass-0${i + 1}`;
      return {
        id,
        userPrincipalName: `${name}@${this.domain}`,
        displayName: `Emergency Access 0${i + 1}`,
        givenName: null,
        surname: null,
        mail: null,
        jobTitle: null,
        department: null,
        officeLocation: null,
        accountEnabled: true,
        userType: 'Member',
        onPremisesSyncEnabled: null,
        createdDateTime: iso(this.ref - 2000 * DAY + i * 3 * MINUTE),
      };
    }
    if (i < 2 + this.serviceAccounts) {
      const name = this.serviceAccountName(i);
      return {
        id,
        userPrincipalName: `${name}@${this.domain}`,
        displayName: name,
        givenName: null,
        surname: null,
        mail: null,
        jobTitle: 'Service account',
        department: null,
        officeLocation: null,
        accountEnabled: true,
        userType: 'Member',
        onPremisesSyncEnabled: null,
        createdDateTime: iso(this.ref - (400 + 97 * i) * DAY),
      };
    }
    const t = this.traits(i);
    const admin = this.adminByUser.get(i);
    const { first, last, local } = this.nameParts(i);
    const created = iso(this.ref - (30 + (hash(this.key, 0x7108, i) % 3000)) * DAY - (hash(this.key, 0x7109, i) % 86_400) * 1000);
    if (t.guest) {
      const partner = at(PARTNER_DOMAINS, hash(this.key, 0x710a, i) % PARTNER_DOMAINS.length);
      return {
        id,
        userPrincipalName: `${local}_${partner}#EXT#@${this.domain}`,
        displayName: `${first} ${last}`,
        givenName: first,
        surname: last,
        mail: `${local}@${partner}`,
        jobTitle: null,
        department: null,
        officeLocation: null,
        accountEnabled: t.enabled,
        userType: 'Guest',
        onPremisesSyncEnabled: null,
        createdDateTime: created,
      };
    }
    const dedicated = admin?.account === 'dedicated';
    const upnLocal = dedicated ? `adm-${local}` : local;
    const titles = JOB_TITLES[t.department];
    const title = t.department < 0 ? null : titles ? at(titles, hash(this.key, 0x710b, i) % titles.length) : at(GENERIC_TITLES, hash(this.key, 0x710b, i) % GENERIC_TITLES.length);
    return {
      id,
      userPrincipalName: `${upnLocal}@${this.domain}`,
      displayName: dedicated ? `${first} ${last} (Admin)` : `${first} ${last}`,
      givenName: first,
      surname: last,
      mail: dedicated ? null : `${local}@${this.domain}`,
      jobTitle: dedicated ? null : t.contractor ? 'Contractor' : title,
      department: t.department < 0 ? null : at(DEPARTMENTS, t.department)[0],
      officeLocation: t.department < 0 ? null : at(REGIONS, t.region)[1],
      accountEnabled: t.enabled,
      userType: 'Member',
      onPremisesSyncEnabled: t.synced ? true : null,
      createdDateTime: created,
    };
  }

  // ----------------------------------------------------------------------------------------- admins and paths

  build(): void {
    this.buildServicePrincipals();
    this.buildCustomRoles();
    this.buildAdmins();
    this.buildLocationsAndStrengths();
    this.buildPolicies();
    this.buildRoleManagementPolicies();
    const active = this.usersWithActivePath();
    for (const admin of this.admins) if (active.has(admin.id)) this.activeAdminUsers.add(admin.userIndex);
  }

  private buildServicePrincipals(): void {
    const rng = this.rng(0x5901);
    let index = 0;
    for (const [appId, name] of WELL_KNOWN_APPS) {
      this.servicePrincipals.push({
        id: this.ids.guid(KIND.servicePrincipal, index++),
        appId,
        displayName: name,
        servicePrincipalType: 'Application',
        accountEnabled: true,
        appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
        createdDateTime: '2017-05-01T00:00:00Z',
      });
    }
    const apps = 6 + Math.min(Math.floor(this.options.policies / 20), 60);
    for (let a = 0; a < apps; a++) {
      const appId = this.ids.guid(KIND.app, a);
      this.appIds.push(appId);
      const base = at(APP_NAMES, a % APP_NAMES.length);
      this.servicePrincipals.push({
        id: this.ids.guid(KIND.servicePrincipal, index++),
        appId,
        displayName: a < APP_NAMES.length ? `Northwind ${base}` : `Northwind ${base} ${Math.floor(a / APP_NAMES.length) + 1}`,
        servicePrincipalType: 'Application',
        accountEnabled: true,
        appOwnerOrganizationId: this.tenantId,
        createdDateTime: iso(this.ref - rng.range(60, 2500) * DAY),
      });
      this.appPermissions(a, String(at(this.servicePrincipals, this.servicePrincipals.length - 1).id), appId);
    }
    const workloads = Math.min(2 + Math.floor(this.options.admins / 300), 40);
    for (let w = 0; w < workloads; w++) {
      const [name, roleId] = at(WORKLOAD_NAMES, w % WORKLOAD_NAMES.length);
      const id = this.ids.guid(KIND.servicePrincipal, index++);
      const created = this.ref - rng.range(100, 1500) * DAY;
      this.servicePrincipals.push({
        id,
        appId: this.ids.guid(KIND.app, 1000 + w),
        displayName: w < WORKLOAD_NAMES.length ? `Northwind ${name}` : `Northwind ${name} ${Math.floor(w / WORKLOAD_NAMES.length) + 1}`,
        servicePrincipalType: 'Application',
        accountEnabled: true,
        appOwnerOrganizationId: this.tenantId,
        createdDateTime: iso(created),
      });
      this.grants.push({
        id: roleInstanceId(roleId, id),
        principalId: id,
        principalKind: 'servicePrincipal',
        roleId,
        scope: '/',
        state: 'active',
        start: iso(created + HOUR),
        end: null,
      });
    }
  }

  /**
   * Microsoft Graph application permissions of generated app `a` (most read, one in four can change an MFA
   * exclusion: group members, users, groups), and its app registration: one in three with a client secret.
   */
  private appPermissions(a: number, spId: string, appId: string): void {
    const sets: ReadonlyArray<readonly string[]> = [
      ['User.Read.All'],
      ['User.Read.All', 'Policy.Read.All'],
      ['GroupMember.ReadWrite.All', 'User.Read.All'],
      ['User.Read.All'],
      ['Policy.Read.All'],
      ['User.ReadWrite.All'],
      ['User.Read.All'],
      ['Group.ReadWrite.All'],
    ];
    for (const value of at(sets, a % sets.length)) {
      const role = MICROSOFT_GRAPH_APP_ROLES.find((r) => r.value === value);
      if (!role) continue;
      this.appRoleAssignments.push({ id: this.ids.guid(KIND.appRoleAssignment, this.appRoleAssignments.length), principalId: spId, principalType: 'ServicePrincipal', resourceId: MICROSOFT_GRAPH_SP_ID, appRoleId: role.id });
    }
    const secret = a % 3 === 0;
    this.applications.push({ id: this.ids.guid(KIND.application, a), appId, passwordCredentials: secret ? [{ keyId: this.ids.guid(KIND.application, 10_000 + a), displayName: 'automation' }] : [], keyCredentials: secret ? [] : [{ keyId: this.ids.guid(KIND.application, 20_000 + a), displayName: 'cert' }] });
  }

  private buildCustomRoles(): void {
    const defs: ReadonlyArray<readonly [string, string, readonly string[]]> = [
      ['Northwind Tier-1 Support', 'Reset passwords and read sign-in logs for non-admin users.', [
        'microsoft.directory/users/password/update',
        'microsoft.directory/users/invalidateAllRefreshTokens',
        'microsoft.directory/signInReports/allProperties/read',
      ]],
      ['Northwind App Registration Manager', 'Create and manage app registrations owned by the platform team.', [
        'microsoft.directory/applications/create',
        'microsoft.directory/applications/credentials/update',
        'microsoft.directory/applications/owners/update',
      ]],
    ];
    defs.forEach(([displayName, description, actions], i) => {
      const id = this.ids.guid(KIND.roleDefinition, i);
      this.customRoles.push({
        id,
        displayName,
        description,
        isBuiltIn: false,
        isEnabled: true,
        templateId: id,
        version: '1',
        resourceScopes: ['/'],
        rolePermissions: [{ allowedResourceActions: actions, condition: null }],
      });
    });
    const units = 2 + Math.min(Math.floor(this.options.admins / 500), 10);
    for (let u = 0; u < units; u++) this.administrativeUnits.push(this.ids.guid(KIND.administrativeUnit, this.auCounter++));
  }

  private addAdmin(userIndex: number, account: AdminUser['account'], kind: AdminUser['kind'], rng: Rng): AdminUser {
    const admin: AdminUser = {
      userIndex,
      id: this.userId(userIndex),
      account,
      kind,
      department: account === 'dedicated' || account === 'guest' ? -1 : rng.chance(0.7) ? IT_DEPARTMENT : rng.int(DEPARTMENTS.length),
      contractor: false,
      registered: true,
    };
    this.admins.push(admin);
    this.adminByUser.set(userIndex, admin);
    return admin;
  }

  private grant(principalId: string, roleId: string, state: 'active' | 'eligible', rng: Rng, opts: { permanent?: boolean; scope?: string; kind?: Grant['principalKind'] } = {}): Grant {
    const start = this.ref - rng.range(20, 1800) * DAY - rng.int(86_400) * 1000;
    const permanent = opts.permanent ?? (state === 'eligible' ? rng.chance(0.55) : true);
    const grant: Grant = {
      id: roleInstanceId(roleId, principalId),
      principalId,
      principalKind: opts.kind ?? 'user',
      roleId,
      scope: opts.scope ?? '/',
      state,
      start: iso(start),
      end: permanent ? null : endOfDay(this.ref + rng.range(20, 540) * DAY),
    };
    this.grants.push(grant);
    this.directRoles(principalId).add(roleId);
    return grant;
  }

  /** A PIM activation window that contains the reference time. */
  private activationWindow(roleId: string, rng: Rng): { start: number; end: number; hours: number } {
    const hours = roleId === ROLE.globalAdministrator || roleId === ROLE.privilegedRoleAdministrator ? 4 : 8;
    const start = this.ref - rng.range(5, hours * 60 - 10) * MINUTE - rng.int(60) * 1000;
    return { start, end: start + hours * HOUR, hours };
  }

  private activate(grant: Grant, rng: Rng): void {
    const w = this.activationWindow(grant.roleId, rng);
    grant.activation = {
      id: this.ids.guid(KIND.activation, this.requests.length),
      principalId: grant.principalId,
      memberType: 'Direct',
      roleId: grant.roleId,
      scope: grant.scope,
      start: iso(w.start),
      end: iso(w.end),
    };
    this.request(grant.principalId, grant.roleId, w.start - 4000, w.hours, rng);
  }

  private request(principalId: string, roleId: string, created: number, hours: number, rng: Rng): void {
    this.requests.push({
      id: this.ids.guid(KIND.request, this.requests.length),
      principalId,
      roleId,
      created,
      durationHours: hours,
      justification: rng.pick(JUSTIFICATIONS),
      ticket: rng.chance(0.5) ? `CHG${String(rng.range(10_000, 99_999)).padStart(7, '0')}` : null,
    });
  }

  private directRoles(principalId: string): Set<string> {
    let roles = this.rolesByPrincipal.get(principalId);
    if (!roles) {
      roles = new Set();
      this.rolesByPrincipal.set(principalId, roles);
    }
    return roles;
  }

  private pickRole(rng: Rng, weights: ReadonlyArray<readonly [string, number]>, exclude: ReadonlySet<string>): string | undefined {
    const options = weights.filter(([r]) => !exclude.has(r));
    return options.length > 0 ? rng.weighted(options) : undefined;
  }

  private smallGroup(id: string, displayName: string, description: string, created: string, members: string[]): Group {
    const group: Group = { id, displayName, description, isAssignableToRole: false, created, kind: 'small', members, roles: [] };
    this.smallGroups.push(group);
    return group;
  }

  private buildAdmins(): void {
    const o = this.options;
    const rng = this.rng(0xad01);
    const total = o.admins;
    // Regular admin accounts are spread evenly over the user range after the reserved accounts.
    const regularSlots = total - 2; // minus break-glass; service-account admins take their own slots below
    const slots: number[] = [];
    const span = this.n - this.firstRegularUser;
    for (let k = 0; k < regularSlots; k++) slots.push(this.firstRegularUser + Math.floor(((k + 0.5) * span) / regularSlots));
    let nextSlot = 0;
    const takeSlot = (): number => at(slots, nextSlot++);
    let remaining = total;
    const special = (userIndex: number, account: AdminUser['account']): AdminUser => {
      remaining--;
      return this.addAdmin(userIndex, account, 'special', rng);
    };

    // Break-glass pair: cloud-only, permanent Global Administrator, excluded through a group.
    const bg = [special(0, 'breakGlass'), special(1, 'breakGlass')];
    for (const b of bg) this.grant(b.id, ROLE.globalAdministrator, 'active', rng, { permanent: true });
    // Service accounts holding roles: excluded from every policy (unprotected).
    const svcAdmins: AdminUser[] = [];
    const svcRoles = [ROLE.exchangeAdministrator, ROLE.sharePointAdministrator, ROLE.userAdministrator];
    const specials: Array<() => void> = [
      () => svcAdmins.push(special(2, 'service')),
      () => {
        const a = special(takeSlot(), 'dedicated');
        this.grant(a.id, ROLE.globalAdministrator, 'active', rng, { permanent: true });
        this.tier0.push(a.userIndex);
      },
      () => {
        const a = special(takeSlot(), 'dedicated');
        this.activate(this.grant(a.id, ROLE.globalAdministrator, 'eligible', rng), rng);
        this.tier0.push(a.userIndex);
      },
      () => {
        const a = special(takeSlot(), 'guest');
        this.grant(a.id, ROLE.billingAdministrator, 'active', rng, { permanent: false });
      },
      () => {
        const a = special(takeSlot(), 'regular');
        this.grant(a.id, ROLE.helpdeskAdministrator, 'active', rng, { permanent: true });
        this.temporary.push(a.userIndex);
      },
      () => svcAdmins.push(special(3, 'service')),
      () => {
        const a = special(takeSlot(), 'regular');
        a.contractor = true;
        this.grant(a.id, ROLE.cloudApplicationAdministrator, 'eligible', rng, { permanent: false });
      },
      () => {
        const a = special(takeSlot(), 'regular');
        const au = at(this.administrativeUnits, 0);
        this.grant(a.id, ROLE.helpdeskAdministrator, 'active', rng, { permanent: true, scope: `/administrativeUnits/${au}` });
        this.grant(a.id, ROLE.userAdministrator, 'active', rng, { permanent: false, scope: `/administrativeUnits/${au}` });
      },
      () => svcAdmins.push(special(4, 'service')),
    ];
    for (const make of specials) if (remaining > 0) make();
    svcAdmins.forEach((a, i) => this.grant(a.id, at(svcRoles, i), 'active', rng, { permanent: true }));
    // More Tier-0 admins: Global Administrator, Privileged Role and Privileged Authentication Administrator, eligible.
    const tier0Roles: string[] = [];
    for (let i = 0; i < Math.min(3, Math.floor(total / 300)); i++) tier0Roles.push(ROLE.globalAdministrator);
    for (let i = 0; i < 1 + Math.floor(total / 600); i++) tier0Roles.push(ROLE.privilegedRoleAdministrator, ROLE.privilegedAuthenticationAdministrator);
    for (const roleId of tier0Roles) {
      if (remaining <= 0) break;
      const a = special(takeSlot(), rng.chance(0.6) ? 'dedicated' : 'regular');
      const g = this.grant(a.id, roleId, 'eligible', rng);
      if (rng.chance(0.2)) this.activate(g, rng);
      this.tier0.push(a.userIndex);
    }
    // Everyone else: forced kinds first (every path kind appears), then a weighted draw.
    const byKind = new Map<AdminKind, AdminUser[]>();
    let forced = 0;
    const regular: AdminUser[] = [];
    while (remaining > 0) {
      const kind = forced < FORCED_KINDS.length ? at(FORCED_KINDS, forced++) : rng.weighted(RANDOM_KIND_WEIGHTS);
      const account = rng.chance(0.3) ? 'dedicated' : rng.chance(0.005) ? 'guest' : 'regular';
      const a = this.addAdmin(takeSlot(), account, kind, rng);
      remaining--;
      regular.push(a);
      const list = byKind.get(kind) ?? [];
      list.push(a);
      byKind.set(kind, list);
      switch (kind) {
        case 'directPermanent':
          this.grant(a.id, rng.weighted(DIRECT_ROLE_WEIGHTS), 'active', rng, { permanent: true });
          break;
        case 'directTimeBound':
          this.grant(a.id, rng.weighted(DIRECT_ROLE_WEIGHTS), 'active', rng, { permanent: false });
          break;
        case 'eligible':
          this.grant(a.id, rng.weighted(DIRECT_ROLE_WEIGHTS), 'eligible', rng);
          break;
        case 'eligibleActivated':
          this.activate(this.grant(a.id, rng.weighted(DIRECT_ROLE_WEIGHTS), 'eligible', rng), rng);
          break;
        case 'au': {
          const au = rng.pick(this.administrativeUnits);
          const roles = rng.sample(AU_ROLES, rng.chance(0.4) ? 2 : 1);
          for (const roleId of roles) this.grant(a.id, roleId, 'active', rng, { permanent: rng.chance(0.7), scope: `/administrativeUnits/${au}` });
          break;
        }
        default:
          break; // group kinds: placed below, once the groups exist
      }
    }
    this.buildRoleGroups(byKind, rng);
    // Extra paths: some admins hold several roles.
    for (const a of regular) {
      const extras = rng.chance(0.22) ? (rng.chance(0.2) ? 2 : 1) : 0;
      for (let e = 0; e < extras; e++) {
        const held = this.directRoles(a.id);
        const roleId = this.pickRole(rng, DIRECT_ROLE_WEIGHTS, held);
        if (!roleId) break;
        const r = rng.next();
        if (r < 0.6) this.grant(a.id, roleId, 'eligible', rng);
        else this.grant(a.id, roleId, 'active', rng, { permanent: r < 0.85 });
      }
    }
    // Custom roles: a few admins, at least one.
    const customHolders = regular.filter((_, i) => i === 2 || rng.chance(0.02));
    customHolders.forEach((a, i) => this.grant(a.id, String(at(this.customRoles, i % this.customRoles.length).id), 'active', rng, { permanent: true }));
    // A deleted user still holding an eligible assignment (an unresolved principal).
    this.grant(this.deletedUserId, ROLE.passwordAdministrator, 'eligible', rng, { permanent: true, kind: 'deleted' });
    // Past activations over the last three days (ended: only the request remains).
    for (const g of this.grants) {
      if (g.state !== 'eligible' || g.principalKind !== 'user' || g.activation || !rng.chance(0.12)) continue;
      const hours = g.roleId === ROLE.globalAdministrator ? 4 : 8;
      this.request(g.principalId, g.roleId, this.ref - rng.range(hours * 60 + 30, 3 * 24 * 60 - 30) * MINUTE, hours, rng);
    }
    this.requests.sort((x, y) => y.created - x.created);
    // Small groups: exclusions, Tier-0, executives.
    const created = (days: number): string => iso(this.ref - days * DAY);
    const nonAdmin = (seedIndex: number): number => {
      const start = this.firstRegularUser + (hash(this.key, 0xe1, seedIndex) % (this.n - this.firstRegularUser));
      for (let k = 0; k < this.n; k++) {
        const i = this.firstRegularUser + ((start - this.firstRegularUser + k) % (this.n - this.firstRegularUser));
        if (!this.adminByUser.has(i) && !this.temporary.includes(i) && !this.executives.includes(i) && !this.traits(i).guest) return i;
      }
      throw new Error('internal: no non-admin user left');
    };
    for (let t = 0; t < 2 + Math.floor(this.n / 25_000); t++) this.temporary.push(nonAdmin(100 + t));
    for (let e = 0; e < 5 + Math.floor(this.n / 20_000); e++) this.executives.push(nonAdmin(200 + e));
    const execAdmin = regular.find((a) => a.account === 'regular' && a.kind === 'directPermanent');
    if (execAdmin) this.executives.push(execAdmin.userIndex);
    const ids = (list: readonly number[]): string[] => list.map((i) => this.userId(i));
    // Owners of exclusion groups who are no admins (whoever owns one can exempt an admin from MFA).
    const owner = (k: number): string => this.userId(nonAdmin(300 + k));
    this.smallGroup(this.groupIds.breakGlass, 'CA-Exclude-BreakGlass', 'Emergency access accounts excluded from every Conditional Access policy.', created(1900), ids([0, 1]));
    const serviceMembers = [];
    for (let i = 2; i < 2 + this.serviceAccounts; i++) if (i !== 3) serviceMembers.push(this.userId(i));
    serviceMembers.push(this.groupIds.migration);
    this.smallGroup(this.groupIds.serviceAccounts, 'CA-Exclude-ServiceAccounts', 'Service accounts that cannot do MFA (review quarterly)', created(1500), serviceMembers).owners = [owner(0)];
    // A dynamic group nested in an exclusion: whoever writes the department of an account can exempt it.
    this.smallGroup(this.groupIds.migration, 'SG-Migration-ServiceAccounts', 'Accounts used by the SharePoint migration tooling', created(600), ids([3])).dynamicRule = '(user.department -eq "Service Accounts") -and (user.accountEnabled -eq true)';
    this.smallGroup(this.groupIds.temporary, 'CA-Exclude-MFA-Temporary', 'Temporary MFA exclusion (lost phone etc.). Remove members after 7 days!', created(800), ids(this.temporary)).owners = [owner(1), owner(2)];
    this.smallGroup(this.groupIds.tier0, 'SG-Tier0-Admins', 'Tier-0 administrators: stricter Conditional Access', created(1200), ids(this.tier0));
    this.smallGroup(this.groupIds.executives, 'SG-Executives', 'Executive leadership team', created(1700), ids(this.executives));
    // Registration: a few admins have not registered any method.
    const unregistered = Math.max(1, Math.floor(total / 60));
    for (const a of rng.sample(regular.filter((r) => !this.tier0.includes(r.userIndex)), unregistered)) a.registered = false;
  }

  private buildRoleGroups(byKind: Map<AdminKind, AdminUser[]>, rng: Rng): void {
    const list = (k: AdminKind): AdminUser[] => byKind.get(k) ?? [];
    const created = (): string => iso(this.ref - rng.range(200, 2200) * DAY);
    const groupsFor = (count: number, size: number): number => (count === 0 ? 0 : Math.ceil(count / size));
    const distribute = (admins: AdminUser[], groups: Group[], place: (a: AdminUser, g: Group) => void): void => {
      admins.forEach((a, i) => place(a, at(groups, i % groups.length)));
    };
    const counter: Record<string, number> = {};
    const name = (prefix: string, roleId: string, suffix: string): string => {
      const base = `${prefix}-${ROLE_SHORT[roleId] ?? 'Role'}-${suffix}`;
      counter[base] = (counter[base] ?? 0) + 1;
      return counter[base] === 1 ? base : `${base}-${counter[base]}`;
    };
    const roleGroup = (kind: 'ra' | 'pim', weights: ReadonlyArray<readonly [string, number]>, state: 'active' | 'eligible', suffix: string, description: string): Group => {
      const first = rng.weighted(weights);
      const roles = [first];
      if (rng.chance(0.25)) {
        const second = this.pickRole(rng, weights, new Set(roles));
        if (second) roles.push(second);
      }
      const g: Group = {
        id: this.newGroupId(),
        displayName: name(kind === 'ra' ? 'RA' : 'PIM', first, suffix),
        description,
        isAssignableToRole: true,
        created: created(),
        kind,
        members: [],
        roles: roles.map((roleId) => ({ roleId, state })),
      };
      for (const roleId of roles) this.grant(g.id, roleId, state, rng, { permanent: true, kind: 'group' });
      this.roleGroups.push(g);
      return g;
    };
    // Role-assignable groups holding an active role: plain members.
    const raActive = list('raActive');
    const raActiveGroups = Array.from({ length: groupsFor(raActive.length, 15) }, () =>
      roleGroup('ra', RA_ACTIVE_ROLE_WEIGHTS, 'active', 'Operators', 'Role-assignable: active role for the team'),
    );
    distribute(raActive, raActiveGroups, (a, g) => g.members.push(a.id));
    // Role-assignable groups holding an eligible role; some members have activated it (memberType Group).
    const raEligible = [...list('raEligible'), ...list('raEligibleActivated')];
    const raEligibleGroups = Array.from({ length: groupsFor(raEligible.length, 10) }, () =>
      roleGroup('ra', RA_ELIGIBLE_ROLE_WEIGHTS, 'eligible', 'Eligible', 'Role-assignable: eligible role, activated through PIM'),
    );
    distribute(raEligible, raEligibleGroups, (a, g) => {
      g.members.push(a.id);
      if (a.kind === 'raEligibleActivated') {
        const roleId = at(g.roles, 0).roleId;
        const w = this.activationWindow(roleId, rng);
        this.groupActivations.push({
          id: this.ids.guid(KIND.activation, 100_000 + this.groupActivations.length),
          principalId: a.id,
          memberType: 'Group',
          roleId,
          scope: '/',
          start: iso(w.start),
          end: iso(w.end),
        });
        this.request(a.id, roleId, w.start - 4000, w.hours, rng);
      }
    });
    // PIM for Groups: eligible, activated and active members, an owner, and nested team groups.
    const pim = [...list('pimEligible'), ...list('pimEligibleActivated'), ...list('pimActive')];
    const nested = list('nested');
    const pimCount = Math.max(groupsFor(pim.length, 12), nested.length > 0 ? 1 : 0);
    const pimGroups = Array.from({ length: pimCount }, () =>
      roleGroup('pim', PIM_GROUP_ROLE_WEIGHTS, 'active', 'Admins', 'PIM for Groups: just-in-time role membership'),
    );
    const pimInstance = (groupId: string, principalId: string, accessId: 'member' | 'owner', assignmentType: PimInstance['assignmentType'], start: number, end: string | null): PimInstance => ({
      id: this.ids.guid(KIND.pimInstance, this.pimEligibilities.length + this.pimAssignments.length),
      groupId,
      principalId,
      accessId,
      assignmentType,
      start: iso(start),
      end,
    });
    const eligibleEnd = (): string | null => (rng.chance(0.5) ? null : endOfDay(this.ref + rng.range(30, 540) * DAY));
    distribute(pim, pimGroups, (a, g) => {
      if (a.kind === 'pimActive') {
        const permanent = rng.chance(0.5);
        this.pimAssignments.push(pimInstance(g.id, a.id, 'member', 'assigned', this.ref - rng.range(30, 900) * DAY, permanent ? null : endOfDay(this.ref + rng.range(20, 365) * DAY)));
        g.members.push(a.id);
        return;
      }
      this.pimEligibilities.push(pimInstance(g.id, a.id, 'member', undefined, this.ref - rng.range(30, 900) * DAY, eligibleEnd()));
      if (a.kind === 'pimEligibleActivated') {
        const w = this.activationWindow(at(g.roles, 0).roleId, rng);
        this.pimAssignments.push(pimInstance(g.id, a.id, 'member', 'activated', w.start, iso(w.end)));
        g.members.push(a.id); // an activated member is a member, as /members shows
      }
    });
    if (nested.length > 0) {
      const teams = Array.from({ length: groupsFor(nested.length, 8) }, (_, t) => {
        const parent = at(pimGroups, t % pimGroups.length);
        const team: Group = {
          id: this.newGroupId(),
          displayName: `SG-${ROLE_SHORT[at(parent.roles, 0).roleId] ?? 'Ops'}-Team${t >= pimGroups.length ? `-${Math.floor(t / pimGroups.length) + 1}` : ''}`,
          description: `Team group, eligible member of ${parent.displayName}`,
          isAssignableToRole: false,
          created: created(),
          kind: 'team',
          members: [],
          roles: [],
          parentPimGroupId: parent.id,
        };
        this.pimEligibilities.push(pimInstance(parent.id, team.id, 'member', undefined, this.ref - rng.range(30, 900) * DAY, null));
        this.roleGroups.push(team);
        return team;
      });
      distribute(nested, teams, (a, g) => g.members.push(a.id));
    }
    // Owners: half are members of the group's team, half hold no role at all (potential admins).
    pimGroups.forEach((g, i) => {
      let ownerIndex: number;
      if (i % 2 === 1 && g.members.length > 0) {
        ownerIndex = this.admins.find((a) => a.id === g.members[0])?.userIndex ?? 0;
      } else {
        ownerIndex = this.firstRegularUser + (hash(this.key, 0x0e, i) % (this.n - this.firstRegularUser));
        while (this.adminByUser.has(ownerIndex) || this.traits(ownerIndex).guest || !this.traits(ownerIndex).enabled) {
          ownerIndex = this.firstRegularUser + ((ownerIndex + 1 - this.firstRegularUser) % (this.n - this.firstRegularUser));
        }
        this.potentialAdminUsers.add(ownerIndex);
      }
      this.pimAssignments.push(pimInstance(g.id, this.userId(ownerIndex), 'owner', 'assigned', this.ref - rng.range(100, 900) * DAY, null));
    });
  }

  /** The groups user i is a member of, nested ones included (for judging Conditional Access on their sign-ins). */
  memberGroups(i: number): Set<string> {
    const id = this.userId(i);
    const t = this.traits(i);
    const out = new Set<string>();
    if (t.contractor) out.add(this.groupIds.contractors);
    if (t.pilot) out.add(this.groupIds.pilot);
    if (t.enabled && !t.guest) out.add(this.groupIds.allEmployees);
    if (t.department >= 0) {
      out.add(at(this.departmentGroupIds, t.department));
      out.add(at(at(this.regionGroupIds, t.department), t.region));
    }
    const containers = [...this.smallGroups, ...this.roleGroups.filter((g) => g.kind === 'ra' || g.kind === 'team')];
    for (const g of containers) if (g.members.includes(id)) out.add(g.id);
    // Nesting is one level deep in the generated tenant (SG-Migration-ServiceAccounts in CA-Exclude-ServiceAccounts).
    for (const g of this.smallGroups) if (g.members.some((m) => out.has(m))) out.add(g.id);
    return out;
  }

  /**
   * The built-in roles user i holds actively at tenant scope at time t, as Conditional Access role targeting
   * sees them: active assignments, activations running at t, roles of role-assignable groups they belong to
   * (eligible ones only while their activation runs) and of PIM groups they are an active or activated member of.
   */
  activeRolesAt(i: number, t: number): Set<string> {
    const id = this.userId(i);
    const builtIn = new Set(BUILT_IN_DIRECTORY_ROLES.map(([r]) => r));
    const within = (start: string | null | undefined, end: string | null | undefined): boolean => (!start || Date.parse(start) <= t) && (!end || t < Date.parse(end));
    const out = new Set<string>();
    const add = (roleId: string, scope: string): void => {
      if (scope === '/' && builtIn.has(roleId)) out.add(roleId);
    };
    for (const g of this.grants) {
      if (g.principalId !== id) continue;
      if (g.state === 'active' && within(g.start, g.end)) add(g.roleId, g.scope);
      else if (g.state === 'eligible' && g.activation && within(g.activation.start, g.activation.end)) add(g.roleId, g.scope);
    }
    for (const group of this.roleGroups) {
      if (group.kind === 'ra' && group.members.includes(id)) {
        for (const r of group.roles) {
          if (r.state === 'active') add(r.roleId, '/');
          else if (this.groupActivations.some((a) => a.principalId === id && a.roleId === r.roleId && within(a.start, a.end))) add(r.roleId, '/');
        }
      } else if (group.kind === 'pim') {
        const member = this.pimAssignments.some((a) => a.groupId === group.id && a.principalId === id && a.accessId === 'member' && within(a.start, a.end));
        if (member) for (const r of group.roles) if (r.state === 'active') add(r.roleId, '/');
      }
    }
    return out;
  }

  /** Principals with an active role path: an active or activated assignment, or membership of a group holding an active role. */
  private usersWithActivePath(): Set<string> {
    const out = new Set<string>();
    for (const g of this.grants) if (g.state === 'active' || g.activation) out.add(g.principalId);
    for (const a of this.groupActivations) out.add(a.principalId);
    for (const g of this.roleGroups) if (g.kind !== 'team' && g.roles.some((r) => r.state === 'active')) for (const m of g.members) out.add(m);
    return out;
  }

  /** Distinct role paths per user and per service principal (mirrors how the engine counts paths). */
  countPaths(): { admins: number; adminPaths: number; workloadAdminPaths: number } {
    const users = new Set(this.admins.map((a) => a.id));
    for (let i = 0; i < Math.min(this.n, 2 + this.serviceAccounts); i++) users.add(this.userId(i));
    const paths = new Map<string, Set<string>>();
    const add = (principal: string, key: string): void => {
      const set = paths.get(principal) ?? new Set<string>();
      set.add(key);
      paths.set(principal, set);
    };
    let workload = 0;
    for (const g of this.grants) {
      if (g.principalKind === 'user') add(g.principalId, `${g.roleId}|${g.scope}|direct`);
      else if (g.principalKind === 'servicePrincipal') workload++;
    }
    const groupsById = new Map(this.roleGroups.map((g) => [g.id, g]));
    for (const g of this.roleGroups) {
      if (g.kind === 'team') continue;
      const members = new Set(g.members);
      for (const e of this.pimEligibilities) {
        if (e.groupId !== g.id || e.accessId !== 'member') continue;
        const team = groupsById.get(e.principalId);
        if (team) for (const m of team.members) members.add(m);
        else members.add(e.principalId);
      }
      for (const a of this.pimAssignments) if (a.groupId === g.id && a.accessId === 'member') members.add(a.principalId);
      for (const m of members) for (const r of g.roles) add(m, `${r.roleId}|/|${g.id}`);
    }
    let adminPaths = 0;
    let admins = 0;
    for (const [principal, set] of paths) {
      if (!users.has(principal)) continue;
      admins++;
      adminPaths += set.size;
    }
    return { admins, adminPaths, workloadAdminPaths: workload };
  }

  // ----------------------------------------------------------------------------------------- locations, strengths

  private buildLocationsAndStrengths(): void {
    const created = (days: number): string => iso(this.ref - days * DAY);
    const ip = (id: string, displayName: string, isTrusted: boolean, ranges: string[], days: number): Json => ({
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      id,
      displayName,
      createdDateTime: created(days),
      modifiedDateTime: created(Math.floor(days / 3)),
      isTrusted,
      ipRanges: ranges.map((cidrAddress) => ({
        '@odata.type': cidrAddress.includes(':') ? '#microsoft.graph.iPv6CidrRange' : '#microsoft.graph.iPv4CidrRange',
        cidrAddress,
      })),
    });
    const country = (id: string, displayName: string, countries: string[], days: number): Json => ({
      '@odata.type': '#microsoft.graph.countryNamedLocation',
      id,
      displayName,
      createdDateTime: created(days),
      modifiedDateTime: created(Math.floor(days / 2)),
      countriesAndRegions: countries,
      includeUnknownCountriesAndRegions: false,
      countryLookupMethod: 'clientIpAddress',
    });
    const branches = Math.min(2 + Math.floor(this.options.policies / 40), 60);
    const branchRanges = Array.from({ length: branches }, (_, b) => `198.18.${b}.0/24`);
    const L = this.locationIds;
    this.namedLocations.push(
      ip(L.hq, 'Northwind HQ', true, ['203.0.113.0/24', '2001:db8:c0de::/48'], 2100),
      ip(L.branches, 'Branch offices', true, branchRanges, 1400),
      ip(L.datacenter, 'Datacenter egress', true, ['198.51.100.0/26'], 1300),
      ip(L.vpn, 'VPN egress (untrusted)', false, ['198.51.100.128/25'], 900),
      country(L.allowedCountries, 'Allowed countries', ['US', 'CA', 'IE', 'GB', 'DE', 'NL', 'SG'], 1200),
      country(L.blockedCountries, 'Blocked countries', ['KP', 'IR', 'SY', 'CU'], 1100),
      ip(L.partner, 'Partner network', false, ['192.0.2.0/25'], 700),
    );
    const extra = Math.min(Math.floor(this.options.policies / 50), 40);
    for (let e = 0; e < extra; e++) {
      const id = this.ids.guid(KIND.location, 100 + e);
      this.extraBranchLocationIds.push(id);
      const [city] = at(CITIES, e % CITIES.length);
      this.namedLocations.push(ip(id, `Site ${city}${e >= CITIES.length ? ` ${Math.floor(e / CITIES.length) + 1}` : ''}`, e % 3 !== 0, [`198.19.${e}.0/24`], 500 + e));
    }
    const S = this.strengthIds;
    const strength = (id: string, displayName: string, description: string, allowedCombinations: string[], days: number): Json => ({
      id,
      createdDateTime: created(days),
      modifiedDateTime: created(Math.floor(days / 2)),
      displayName,
      description,
      policyType: 'custom',
      requirementsSatisfied: 'mfa',
      allowedCombinations,
      combinationConfigurations: [],
    });
    this.strengths.push(
      strength(S.adminMfa, 'Admin MFA', 'Admin sign-in: security key, Windows Hello, Authenticator, or password + SMS (legacy fallback)', ['windowsHelloForBusiness', 'fido2', 'deviceBasedPush', 'password,microsoftAuthenticatorPush', 'password,softwareOath', 'password,sms'], 900),
      strength(S.contractor, 'Contractor sign-in', 'Contractors: Authenticator, or SMS alone', ['password,microsoftAuthenticatorPush', 'password,sms', 'sms'], 800),
      strength(S.passwordless, 'Passwordless only', 'Windows Hello, security keys and passwordless phone sign-in', ['windowsHelloForBusiness', 'fido2', 'deviceBasedPush'], 600),
      strength(S.fido2, 'Security keys only', 'FIDO2 security keys', ['fido2'], 400),
    );
  }

  private strengthRef(id: string): Json {
    const builtIn = BUILT_IN_STRENGTHS.find((s) => s.id === id);
    if (builtIn) {
      return { id, displayName: builtIn.displayName, policyType: 'builtIn', requirementsSatisfied: 'mfa', allowedCombinations: [...builtIn.allowedCombinations] };
    }
    const custom = this.strengths.find((s) => s.id === id);
    return { id, displayName: custom?.displayName, policyType: 'custom', requirementsSatisfied: 'mfa', allowedCombinations: custom?.allowedCombinations };
  }

  // ----------------------------------------------------------------------------------------- policies

  private buildPolicies(): void {
    const P = this.options.policies;
    const G = this.groupIds;
    const L = this.locationIds;
    const S = this.strengthIds;
    const std = [G.breakGlass, G.serviceAccounts];
    const stdMfa = [G.breakGlass, G.serviceAccounts, G.temporary];
    const all = [...ADMIN_TEMPLATE_ROLES];
    const mfa: Grant_ = { builtIn: ['mfa'] };
    const block: Grant_ = { builtIn: ['block'] };
    const strength = (id: string): Grant_ => ({ builtIn: [], strength: id });
    const core: PolicySpec[] = [
      { name: 'Require MFA for admins', templateId: 'c7503427-338e-4c5e-902d-abe252abfb43', users: { includeRoles: all, excludeGroups: stdMfa }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] }, grant: mfa },
      { name: 'MFA for all users', users: { includeUsers: ['All'], excludeUsers: [this.deletedUserId], excludeGroups: stdMfa, excludeRoles: [DIRECTORY_SYNC_ROLE] }, grant: { builtIn: ['mfa', 'compliantDevice'] } },
      { name: 'Block legacy authentication', templateId: '0b2282f9-2862-4178-88b5-d79340b36cb8', users: { includeUsers: ['All'], excludeGroups: std }, clientAppTypes: ['exchangeActiveSync', 'other'], grant: block },
      { name: 'Admin portals MFA', users: { includeUsers: ['All'], excludeUsers: [this.userId(0)], excludeGroups: [G.serviceAccounts, G.temporary] }, apps: { includeApplications: ['MicrosoftAdminPortals'] }, grant: mfa },
      { name: 'Require phishing-resistant MFA for Global Admins', state: 'enabledForReportingButNotEnforced', users: { includeRoles: [ROLE.globalAdministrator], excludeGroups: std }, grant: strength('00000000-0000-0000-0000-000000000004') },
      { name: 'Risky sign-ins require MFA', templateId: '6b619f55-792e-45dc-9711-d83ec9d7d29a', users: { includeUsers: ['All'], excludeGroups: stdMfa }, signInRisk: ['medium', 'high'], grant: mfa },
      { name: 'Block access outside allowed countries (old)', state: 'disabled', users: { includeUsers: ['All'], excludeGroups: std }, locations: { includeLocations: ['All'], excludeLocations: [L.allowedCountries, 'AllTrusted'] }, grant: block },
      { name: 'Tier-0 admins require strong authentication', users: { includeGroups: [G.tier0], excludeGroups: std }, grant: strength(S.adminMfa) },
      { name: 'Contractors authentication strength', users: { includeGroups: [G.contractors], excludeGroups: std }, grant: strength(S.contractor) },
      { name: 'PIM activation requires phishing-resistant MFA', users: { includeUsers: ['All'], excludeGroups: std }, apps: { includeApplications: [], includeAuthenticationContextClassReferences: ['c1'] }, grant: strength('00000000-0000-0000-0000-000000000004') },
      { name: 'High user risk requires password change', templateId: '634b6343-8f91-4e5a-a4c1-5c2a2e4d1f8b', users: { includeUsers: ['All'], excludeGroups: stdMfa }, userRisk: ['high'], grant: { builtIn: ['mfa', 'passwordChange'], operator: 'AND' } },
      { name: 'Block elevated insider risk', users: { includeUsers: ['All'], excludeGroups: std, excludeGuests: true }, insiderRisk: 'elevated', grant: block },
      { name: 'Block device code flow', users: { includeUsers: ['All'], excludeGroups: std }, flows: 'deviceCodeFlow,authenticationTransfer', grant: block },
      { name: 'Guests require MFA', users: { includeGuests: true, excludeGroups: std }, grant: mfa },
      { name: 'Register security info from trusted locations', users: { includeUsers: ['All'], excludeGroups: [...stdMfa, G.contractors] }, apps: { includeApplications: [], includeUserActions: ['urn:user:registersecurityinfo'] }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] }, grant: mfa },
      { name: 'Azure management requires MFA', users: { includeUsers: ['All'], excludeGroups: stdMfa }, apps: { includeApplications: [APP_ID.azureServiceManagement] }, grant: mfa },
      { name: 'Mobile devices must be compliant', users: { includeGroups: [G.allEmployees], excludeGroups: std }, platforms: { includePlatforms: ['android', 'iOS'] }, grant: { builtIn: ['compliantDevice'] } },
      { name: 'Unmanaged devices: sign-in frequency', users: { includeUsers: ['All'], excludeGroups: std }, devices: { mode: 'exclude', rule: 'device.isCompliant -eq True -or device.trustType -eq "ServerAD"' }, grant: null, session: { signInFrequency: { value: 12, type: 'hours', isEnabled: true, authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased' }, persistentBrowser: { mode: 'never', isEnabled: true } } },
      { name: 'Office 365 MFA off the corporate network', users: { includeGroups: [G.allEmployees], excludeGroups: stdMfa }, apps: { includeApplications: ['Office365'], excludeApplications: [APP_ID.teamsServices] }, clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'], locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] }, grant: mfa },
      { name: 'Block blocked countries', users: { includeUsers: ['All'], excludeGroups: std }, locations: { includeLocations: [L.blockedCountries] }, grant: block },
      { name: 'Engineering apps MFA outside HQ', users: { includeGroups: [at(this.departmentGroupIds, 5)], excludeGroups: stdMfa }, apps: { includeApplications: ['All'], excludeApplications: [at(this.appIds, 0), '499b84ac-1321-427f-aa17-267ca6975798'] }, locations: { includeLocations: ['All'], excludeLocations: [L.hq] }, grant: mfa },
      { name: 'Privileged roles: phishing-resistant MFA for admin portals', users: { includeRoles: [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator, ROLE.privilegedAuthenticationAdministrator, ROLE.securityAdministrator], excludeRoles: [ROLE.billingAdministrator], excludeGroups: std }, apps: { includeApplications: ['MicrosoftAdminPortals', APP_ID.azureServiceManagement] }, grant: strength('00000000-0000-0000-0000-000000000004') },
      { name: 'Windows and macOS: compliant or hybrid joined', users: { includeGroups: [G.allEmployees], excludeGroups: std }, platforms: { includePlatforms: ['windows', 'macOS'] }, grant: { builtIn: ['compliantDevice', 'domainJoinedDevice'] } },
      { name: 'Block unsupported platforms', users: { includeUsers: ['All'], excludeGroups: std }, platforms: { includePlatforms: ['all'], excludePlatforms: ['android', 'iOS', 'windows', 'macOS'] }, grant: block },
      { name: 'Sensitive apps (application filter) require MFA', users: { includeUsers: ['All'], excludeGroups: stdMfa }, apps: { includeApplications: [], applicationFilter: { mode: 'include', rule: 'CustomSecurityAttribute.Engineering_Sensitivity -eq "High"' } }, grant: mfa },
      { name: 'Admin session: sign-in frequency 4 hours', users: { includeRoles: all, excludeGroups: std }, grant: null, session: { signInFrequency: { value: 4, type: 'hours', isEnabled: true, authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased' } } },
      { name: 'Microsoft Graph MFA from untrusted networks', users: { includeUsers: ['All'], excludeGroups: stdMfa }, apps: { includeApplications: ['00000003-0000-0000-c000-000000000000'] }, locations: { includeLocations: [L.vpn, L.partner] }, grant: mfa },
      { name: 'Guests accept terms of use', users: { includeGuests: true, excludeGroups: std }, apps: { includeApplications: ['Office365'] }, grant: { builtIn: [], termsOfUse: [this.termsOfUseId] } },
      { name: 'Block high-risk workload identities', users: { includeUsers: ['None'] }, clientApps: { includeServicePrincipals: ['ServicePrincipalsInMyTenant'], excludeServicePrincipals: [String(at(this.servicePrincipals, WELL_KNOWN_APPS.length + this.appIds.length).id)] }, spRisk: ['high'], grant: block },
      { name: 'Executives require MFA', users: { includeUsers: this.executives.map((i) => this.userId(i)), excludeGroups: std }, grant: mfa },
      { name: 'Pilot: passwordless for everyone', state: 'enabledForReportingButNotEnforced', users: { includeGroups: [G.pilot], excludeGroups: std }, grant: strength(S.passwordless) },
      { name: 'Partner network: security keys for admins', users: { includeRoles: all, excludeGroups: stdMfa }, locations: { includeLocations: [L.partner] }, grant: strength(S.fido2) },
    ];
    if (core.length !== CORE_POLICY_COUNT) throw new Error(`internal: ${core.length} core policies, expected ${CORE_POLICY_COUNT}`);
    const specs = core.slice(0, P);
    for (let i = specs.length; i < P; i++) specs.push(this.fillerPolicy(i, stdMfa, std));
    specs.forEach((spec, i) => this.policies.push(this.renderPolicy(spec, i)));
  }

  /**
   * Filler policies vary the core kinds. Invariant: none that is enabled, requires MFA (or blocks) and can apply
   * to an ordinary admin covers every app at every trusted location with no risk/filter/flow condition, so the
   * hand-written core decides the verdict mix at any size.
   */
  private fillerPolicy(i: number, stdMfa: string[], std: string[]): PolicySpec {
    const rng = this.rng(0xca01, i);
    const L = this.locationIds;
    const S = this.strengthIds;
    const dept = rng.int(DEPARTMENTS.length);
    const deptName = at(DEPARTMENTS, dept)[0];
    const deptGroup = at(this.departmentGroupIds, dept);
    const region = rng.int(REGIONS.length);
    const regionGroup = at(at(this.regionGroupIds, dept), region);
    const apps = (): string[] => rng.sample([...POLICY_APP_IDS, ...this.appIds], rng.range(1, 3));
    const someRoles = (): string[] => rng.sample(ADMIN_TEMPLATE_ROLES, rng.range(2, 6));
    const anyStrength = (): string => rng.pick(['00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000004', S.adminMfa, S.passwordless, S.fido2]);
    const trustedOrHq = (): string[] => [rng.chance(0.5) ? 'AllTrusted' : L.hq];
    const mfaOr = (): Grant_ => (rng.chance(0.7) ? { builtIn: ['mfa'] } : { builtIn: [], strength: anyStrength() });
    const state = (): PolicySpec['state'] => (rng.chance(0.1) ? 'enabledForReportingButNotEnforced' : rng.chance(0.05) ? 'disabled' : 'enabled');
    const kind = rng.weighted<string>([
      ['deptApps', 20], ['roleApps', 12], ['risk', 8], ['sessionOnly', 8], ['blockCountry', 6], ['platformCompliance', 8], ['reportOnly', 8],
      ['disabled', 5], ['guestApps', 5], ['appFilter', 3], ['deviceFilter', 4], ['flows', 3], ['userAction', 3], ['authContext', 3], ['locationMfa', 8], ['legacyAdmins', 2],
    ]);
    switch (kind) {
      case 'deptApps':
        return { name: `${deptName} apps require MFA`, state: state(), users: { includeGroups: [rng.chance(0.5) ? deptGroup : regionGroup], excludeGroups: stdMfa }, apps: { includeApplications: apps() }, locations: rng.chance(0.5) ? { includeLocations: ['All'], excludeLocations: trustedOrHq() } : undefined, grant: mfaOr() };
      case 'roleApps':
        return { name: 'Admin roles: strong authentication for selected apps', state: state(), users: { includeRoles: someRoles(), excludeGroups: stdMfa, excludeRoles: rng.chance(0.3) ? [ROLE.billingAdministrator] : undefined }, apps: { includeApplications: rng.chance(0.3) ? ['MicrosoftAdminPortals'] : apps() }, grant: { builtIn: [], strength: anyStrength() } };
      case 'risk':
        return rng.chance(0.5)
          ? { name: 'Sign-in risk requires MFA', state: state(), users: { includeUsers: ['All'], excludeGroups: stdMfa }, signInRisk: rng.chance(0.5) ? ['high'] : ['medium', 'high'], grant: mfaOr() }
          : { name: 'User risk requires MFA and password change', state: state(), users: { includeUsers: ['All'], excludeGroups: stdMfa }, userRisk: ['high'], grant: { builtIn: ['mfa', 'passwordChange'], operator: 'AND' } };
      case 'sessionOnly':
        return { name: `${deptName}: app enforced restrictions`, state: state(), users: { includeGroups: [deptGroup], excludeGroups: std }, apps: { includeApplications: rng.chance(0.5) ? ['Office365'] : apps() }, grant: null, session: rng.chance(0.5) ? { applicationEnforcedRestrictions: { isEnabled: true } } : { cloudAppSecurity: { cloudAppSecurityType: 'monitorOnly', isEnabled: true } } };
      case 'blockCountry':
        return { name: `${deptName}: block sign-ins from blocked countries`, state: state(), users: { includeGroups: [deptGroup], excludeGroups: std }, locations: { includeLocations: [L.blockedCountries] }, grant: { builtIn: ['block'] } };
      case 'platformCompliance':
        return { name: `${deptName}: compliant devices`, state: state(), users: { includeGroups: [deptGroup], excludeGroups: std }, platforms: { includePlatforms: rng.sample(['android', 'iOS', 'windows', 'macOS', 'linux'], rng.range(1, 3)) }, grant: { builtIn: rng.chance(0.5) ? ['compliantDevice'] : ['compliantDevice', 'approvedApplication'] } };
      case 'reportOnly':
        return { name: 'Pilot: require MFA everywhere', state: 'enabledForReportingButNotEnforced', users: rng.chance(0.5) ? { includeRoles: someRoles(), excludeGroups: std } : { includeGroups: [this.groupIds.pilot], excludeGroups: std }, grant: mfaOr() };
      case 'disabled':
        return { name: 'Old: require MFA (replaced)', state: 'disabled', users: { includeUsers: ['All'], excludeGroups: std }, grant: rng.chance(0.5) ? { builtIn: ['mfa'] } : { builtIn: ['block'] } };
      case 'guestApps':
        return { name: 'Guests: MFA for selected apps', state: state(), users: { includeGuests: true, excludeGroups: std }, apps: { includeApplications: apps() }, grant: { builtIn: ['mfa'] } };
      case 'appFilter':
        return { name: 'Tagged apps require MFA', state: state(), users: { includeUsers: ['All'], excludeGroups: stdMfa }, apps: { includeApplications: [], applicationFilter: { mode: 'include', rule: `CustomSecurityAttribute.Data_Classification -eq "${rng.pick(['Confidential', 'Restricted', 'HighlyConfidential'])}"` } }, grant: mfaOr() };
      case 'deviceFilter':
        return { name: 'Kiosk devices: block admin portals', state: state(), users: { includeUsers: ['All'], excludeGroups: std }, apps: rng.chance(0.5) ? { includeApplications: ['MicrosoftAdminPortals'] } : undefined, devices: { mode: 'include', rule: `device.extensionAttribute${rng.range(1, 15)} -eq "Kiosk"` }, grant: { builtIn: ['block'] } };
      case 'flows':
        return { name: `${deptName}: block authentication transfer`, state: state(), users: { includeGroups: [deptGroup], excludeGroups: std }, flows: rng.chance(0.5) ? 'authenticationTransfer' : 'deviceCodeFlow', grant: { builtIn: ['block'] } };
      case 'userAction':
        return { name: 'Register or join devices requires MFA', state: state(), users: { includeUsers: ['All'], excludeGroups: std }, apps: { includeApplications: [], includeUserActions: [rng.chance(0.5) ? 'urn:user:registerdevice' : 'urn:user:registersecurityinfo'] }, grant: { builtIn: ['mfa'] } };
      case 'authContext':
        return { name: 'Sensitive actions require strong authentication', state: state(), users: { includeUsers: ['All'], excludeGroups: std }, apps: { includeApplications: [], includeAuthenticationContextClassReferences: [rng.pick(['c2', 'c3', 'c4'])] }, grant: { builtIn: [], strength: anyStrength() } };
      case 'locationMfa': {
        const branch = this.extraBranchLocationIds.length > 0 && rng.chance(0.5) ? rng.pick(this.extraBranchLocationIds) : L.vpn;
        return { name: 'MFA outside the corporate network', state: state(), users: rng.chance(0.5) ? { includeRoles: someRoles(), excludeGroups: stdMfa } : { includeGroups: [deptGroup], excludeGroups: stdMfa }, locations: rng.chance(0.5) ? { includeLocations: ['All'], excludeLocations: [...trustedOrHq(), branch] } : { includeLocations: [branch, L.partner] }, clientAppTypes: rng.chance(0.3) ? ['browser'] : undefined, grant: mfaOr() };
      }
      default:
        return { name: 'Admins: block legacy clients', state: state(), users: { includeRoles: someRoles(), excludeGroups: std }, clientAppTypes: ['exchangeActiveSync', 'other'], grant: { builtIn: ['block'] } };
    }
  }

  private renderPolicy(spec: PolicySpec, i: number): Json {
    const rng = this.rng(0xca02, i);
    const createdDays = rng.range(30, 2000);
    const u = spec.users;
    const guests = (on: boolean | undefined): Json | null =>
      on ? { guestOrExternalUserTypes: 'internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' } } : null;
    const grant = spec.grant;
    return {
      id: this.ids.guid(KIND.policy, i),
      templateId: spec.templateId ?? null,
      displayName: `CA${String(i + 1).padStart(3, '0')} ${spec.name}`,
      createdDateTime: iso(this.ref - createdDays * DAY - rng.int(86_400) * 1000),
      modifiedDateTime: iso(this.ref - rng.range(1, createdDays) * DAY - rng.int(86_400) * 1000),
      state: spec.state ?? 'enabled',
      sessionControls: spec.session ?? null,
      conditions: {
        userRiskLevels: spec.userRisk ?? [],
        signInRiskLevels: spec.signInRisk ?? [],
        clientAppTypes: spec.clientAppTypes ?? ['all'],
        servicePrincipalRiskLevels: spec.spRisk ?? [],
        insiderRiskLevels: spec.insiderRisk ?? null,
        platforms: spec.platforms ? { includePlatforms: spec.platforms.includePlatforms, excludePlatforms: spec.platforms.excludePlatforms ?? [] } : null,
        locations: spec.locations ? { includeLocations: spec.locations.includeLocations, excludeLocations: spec.locations.excludeLocations ?? [] } : null,
        devices: spec.devices ? { deviceFilter: spec.devices } : null,
        clientApplications: spec.clientApps ?? null,
        authenticationFlows: spec.flows ? { transferMethods: spec.flows } : null,
        applications: {
          includeApplications: spec.apps?.includeApplications ?? ['All'],
          excludeApplications: spec.apps?.excludeApplications ?? [],
          includeUserActions: spec.apps?.includeUserActions ?? [],
          includeAuthenticationContextClassReferences: spec.apps?.includeAuthenticationContextClassReferences ?? [],
          applicationFilter: spec.apps?.applicationFilter ?? null,
        },
        users: {
          includeUsers: u.includeUsers ?? [],
          excludeUsers: u.excludeUsers ?? [],
          includeGroups: u.includeGroups ?? [],
          excludeGroups: u.excludeGroups ?? [],
          includeRoles: u.includeRoles ?? [],
          excludeRoles: u.excludeRoles ?? [],
          includeGuestsOrExternalUsers: guests(u.includeGuests),
          excludeGuestsOrExternalUsers: guests(u.excludeGuests),
        },
      },
      grantControls: grant
        ? {
            operator: grant.operator ?? 'OR',
            builtInControls: grant.builtIn,
            customAuthenticationFactors: [],
            termsOfUse: grant.termsOfUse ?? [],
            authenticationStrength: grant.strength ? this.strengthRef(grant.strength) : null,
          }
        : null,
    };
  }

  // ----------------------------------------------------------------------------------------- PIM settings

  private buildRoleManagementPolicies(): void {
    const target = (caller: string, level: string): Json => ({ caller, operations: ['All'], level, inheritableSettings: [], enforcedSettings: [] });
    const rules = (opts: { mfa: boolean; authContext: string | null; approval: boolean; hours: number }): Json[] => [
      { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_Admin_Eligibility', isExpirationRequired: false, maximumDuration: 'P365D', target: target('Admin', 'Eligibility') },
      { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_Admin_Assignment', isExpirationRequired: false, maximumDuration: 'P180D', target: target('Admin', 'Assignment') },
      { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_Admin_Assignment', enabledRules: ['Justification'], target: target('Admin', 'Assignment') },
      { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: `PT${opts.hours}H`, target: target('EndUser', 'Assignment') },
      {
        '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
        id: 'Enablement_EndUser_Assignment',
        enabledRules: opts.authContext ? ['Justification', 'Ticketing'] : opts.mfa ? ['MultiFactorAuthentication', 'Justification'] : ['Justification'],
        target: target('EndUser', 'Assignment'),
      },
      {
        '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
        id: 'Approval_EndUser_Assignment',
        setting: {
          isApprovalRequired: opts.approval,
          isApprovalRequiredForExtension: false,
          isRequestorJustificationRequired: true,
          approvalMode: 'SingleStage',
          approvalStages: [
            {
              approvalStageTimeOutInDays: 1,
              isApproverJustificationRequired: true,
              escalationTimeInMinutes: 0,
              isEscalationEnabled: false,
              primaryApprovers: opts.approval && this.tier0.length > 0 ? [{ '@odata.type': '#microsoft.graph.singleUser', isBackup: false, userId: this.userId(at(this.tier0, 0)) }] : [],
              escalationApprovers: [],
            },
          ],
        },
        target: target('EndUser', 'Assignment'),
      },
      {
        '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule',
        id: 'AuthenticationContext_EndUser_Assignment',
        isEnabled: opts.authContext !== null,
        claimValue: opts.authContext ?? '',
        target: target('EndUser', 'Assignment'),
      },
    ];
    const modified = iso(this.ref - 250 * DAY);
    const roleIds = [...ADMIN_TEMPLATE_ROLES, ...Object.values(ROLE_EXTRA), ...this.customRoles.map((r) => String(r.id))];
    roleIds.forEach((roleId, i) => {
      const policyId = `Directory_${this.tenantId}_${this.ids.guid(KIND.roleManagementPolicy, i)}`;
      const tier0 = roleId === ROLE.globalAdministrator || roleId === ROLE.privilegedRoleAdministrator;
      const noMfa = roleId === ROLE.billingAdministrator || roleId === ROLE.passwordAdministrator;
      this.roleManagementPolicies.push({
        id: `${policyId}_${roleId}`,
        policyId,
        scopeId: '/',
        scopeType: 'DirectoryRole',
        roleDefinitionId: roleId,
        policy: {
          id: policyId,
          displayName: 'Directory',
          description: 'Directory',
          isOrganizationDefault: false,
          scopeId: '/',
          scopeType: 'DirectoryRole',
          lastModifiedDateTime: modified,
          rules: rules({ mfa: !noMfa, authContext: tier0 ? 'c1' : null, approval: tier0, hours: tier0 ? 4 : 8 }),
        },
      });
    });
    this.roleGroups
      .filter((g) => g.kind === 'pim')
      .forEach((g, i) => {
        for (const access of ['member', 'owner'] as const) {
          const policyId = `Group_${g.id}_${this.ids.guid(KIND.roleManagementPolicy, 1000 + 2 * i + (access === 'owner' ? 1 : 0))}`;
          this.roleManagementPolicies.push({
            id: `${policyId}_${access}`,
            policyId,
            scopeId: g.id,
            scopeType: 'Group',
            roleDefinitionId: access,
            policy: {
              id: policyId,
              displayName: 'Group',
              description: 'Group',
              isOrganizationDefault: false,
              scopeId: g.id,
              scopeType: 'Group',
              lastModifiedDateTime: modified,
              rules: rules({ mfa: !(access === 'member' && i === 1), authContext: null, approval: false, hours: 8 }),
            },
          });
        }
      });
  }

  // ----------------------------------------------------------------------------------------- churn

  /** Changes `adminsPercent` % of admins and `policiesPercent` % of policies; returns what changed. */
  applyChurn(churn: ChurnOptions): { adminsChanged: string[]; policiesChanged: string[] } {
    const rng = new Rng(hash(this.key, 0xc4c4, churn.seed >>> 0, Math.floor(churn.seed / 2 ** 32) >>> 0));
    const count = (total: number, pct: number): number => (pct <= 0 ? 0 : Math.min(total, Math.max(1, Math.round((total * pct) / 100))));
    const candidates = this.admins.filter((a) => a.account !== 'breakGlass');
    const adminsChanged: string[] = [];
    const raActive = this.roleGroups.filter((g) => g.kind === 'ra' && g.roles.some((r) => r.state === 'active'));
    for (const admin of rng.sample(candidates, count(this.admins.length, churn.adminsPercent))) {
      const order = rng.sample(['remove', 'addEligible', 'membership'] as const, 3);
      for (const op of order) {
        if (op === 'remove') {
          const mine = this.grants.filter((g) => g.principalId === admin.id);
          if (mine.length === 0) continue;
          const victim = rng.pick(mine);
          this.grants.splice(this.grants.indexOf(victim), 1);
          this.directRoles(admin.id).delete(victim.roleId);
          break;
        }
        if (op === 'addEligible') {
          const roleId = this.pickRole(rng, DIRECT_ROLE_WEIGHTS, this.directRoles(admin.id));
          if (!roleId) continue;
          const g = this.grant(admin.id, roleId, 'eligible', rng, { permanent: false });
          g.start = iso(this.ref - rng.range(1, 12) * HOUR);
          break;
        }
        // membership: leave a role group, or join one
        const inGroup = this.roleGroups.find((g) => g.members.includes(admin.id));
        if (inGroup) {
          inGroup.members.splice(inGroup.members.indexOf(admin.id), 1);
          for (let k = this.groupActivations.length - 1; k >= 0; k--) if (this.groupActivations[k]?.principalId === admin.id) this.groupActivations.splice(k, 1);
          for (let k = this.pimAssignments.length - 1; k >= 0; k--) {
            const a = this.pimAssignments[k];
            if (a && a.principalId === admin.id && a.groupId === inGroup.id && a.accessId === 'member') this.pimAssignments.splice(k, 1);
          }
          break;
        }
        const eligibility = this.pimEligibilities.find((e) => e.principalId === admin.id);
        if (eligibility) {
          this.pimEligibilities.splice(this.pimEligibilities.indexOf(eligibility), 1);
          break;
        }
        if (raActive.length === 0) continue;
        rng.pick(raActive).members.push(admin.id);
        break;
      }
      adminsChanged.push(admin.id);
    }
    const policiesChanged: string[] = [];
    for (const index of rng.sample(this.policies.map((_, i) => i), count(this.policies.length, churn.policiesPercent))) {
      const policy = at(this.policies, index);
      const conditions = policy.conditions as { users: Record<string, string[]> };
      const op = rng.weighted<string>([['exclusion', 40], ['state', 30], ['grant', 30]]);
      if (op === 'exclusion') {
        if (rng.chance(0.5)) conditions.users.excludeUsers = [...(conditions.users.excludeUsers ?? []), this.userId(this.firstRegularUser + rng.int(this.n - this.firstRegularUser))];
        else {
          const group = [this.groupIds.contractors, this.groupIds.pilot, ...this.departmentGroupIds].find((g) => !(conditions.users.excludeGroups ?? []).includes(g) && rng.chance(0.3)) ?? this.groupIds.executives;
          conditions.users.excludeGroups = [...(conditions.users.excludeGroups ?? []).filter((g) => g !== group), group];
        }
      } else if (op === 'state') {
        policy.state = policy.state === 'enabled' ? 'enabledForReportingButNotEnforced' : policy.state === 'disabled' ? 'enabledForReportingButNotEnforced' : 'enabled';
      } else {
        const grant = policy.grantControls as { builtInControls: string[]; authenticationStrength: Json | null; operator: string } | null;
        if (!grant) policy.grantControls = { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null };
        else if (grant.authenticationStrength) {
          const next = grant.authenticationStrength.id === '00000000-0000-0000-0000-000000000004' ? '00000000-0000-0000-0000-000000000002' : '00000000-0000-0000-0000-000000000004';
          grant.authenticationStrength = this.strengthRef(next);
        } else if (grant.builtInControls.includes('block')) grant.builtInControls = ['mfa'];
        else if (grant.builtInControls.includes('mfa') && !grant.builtInControls.includes('compliantDevice')) {
          grant.builtInControls = [...grant.builtInControls, 'compliantDevice'];
          grant.operator = 'OR';
        } else grant.builtInControls = ['mfa'];
      }
      policy.modifiedDateTime = iso(this.ref - rng.range(5, 23 * 60) * MINUTE);
      policiesChanged.push(String(policy.id));
    }
    return { adminsChanged, policiesChanged };
  }
}

interface Grant_ {
  builtIn: string[];
  operator?: 'AND' | 'OR';
  strength?: string;
  termsOfUse?: string[];
}

interface PolicySpec {
  name: string;
  templateId?: string;
  state?: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
  users: {
    includeUsers?: string[];
    excludeUsers?: string[];
    includeGroups?: string[];
    excludeGroups?: string[];
    includeRoles?: string[];
    excludeRoles?: string[];
    includeGuests?: boolean;
    excludeGuests?: boolean;
  };
  apps?: {
    includeApplications: string[];
    excludeApplications?: string[];
    includeUserActions?: string[];
    includeAuthenticationContextClassReferences?: string[];
    applicationFilter?: { mode: string; rule: string };
  };
  clientAppTypes?: string[];
  platforms?: { includePlatforms: string[]; excludePlatforms?: string[] };
  locations?: { includeLocations: string[]; excludeLocations?: string[] };
  devices?: { mode: string; rule: string };
  signInRisk?: string[];
  userRisk?: string[];
  insiderRisk?: string;
  spRisk?: string[];
  flows?: string;
  clientApps?: { includeServicePrincipals: string[]; excludeServicePrincipals: string[] };
  grant: Grant_ | null;
  session?: Json;
}

// ------------------------------------------------------------------------------------------- streaming writer

class Output {
  private buffer = '';
  bytes = 0;
  chunks = 0;
  constructor(private readonly sink: (chunk: string) => void | Promise<void>) {}

  /** Appends text; returns a promise only when the buffer was flushed to an asynchronous sink. */
  put(text: string): Promise<void> | undefined {
    this.buffer += text;
    if (this.buffer.length < CHUNK_SIZE) return undefined;
    return this.flush();
  }

  flush(): Promise<void> | undefined {
    if (this.buffer === '') return undefined;
    const chunk = this.buffer;
    this.buffer = '';
    this.bytes += Buffer.byteLength(chunk);
    this.chunks++;
    const result = this.sink(chunk);
    return result instanceof Promise ? result : undefined;
  }
}

/** Writes `,"key":[` … `]` with one item per line; an item may be continued with further `out.put` calls. */
class ArrayWriter {
  private count = 0;
  private readonly prefix: string;
  constructor(
    private readonly out: Output,
    key: string,
  ) {
    this.prefix = `,\n${JSON.stringify(key)}:[`;
  }
  /** Starts an item (writes the separator) and writes `text`. */
  item(text: string): Promise<void> | undefined {
    return this.out.put(`${this.count++ === 0 ? `${this.prefix}\n` : ',\n'}${text}`);
  }
  get length(): number {
    return this.count;
  }
  end(): Promise<void> | undefined {
    return this.out.put(this.count === 0 ? `${this.prefix}]` : '\n]');
  }
}

// ------------------------------------------------------------------------------------------- generateTenant

/**
 * Streams a tenant fixture (format version 1) as JSON text to `write`, in chunks of about 64 KiB. The same
 * options always give the same bytes. Throws RangeError naming the option when the options are invalid.
 */
export async function generateTenant(options: GenerateOptions, write: (chunk: string) => void | Promise<void>): Promise<GenerateSummary> {
  const problems = validateGenerateOptions(options);
  if (problems.length > 0) throw new RangeError(`invalid tenant generator options: ${problems.join('; ')}`);
  const model = new TenantModel(options);
  model.build();
  // Sign-ins happened before the churn: they are judged against the tenant as it was (a second, unchurned model).
  let before = model;
  if (options.churn) {
    before = new TenantModel({ ...options, churn: undefined });
    before.build();
  }
  const churn = options.churn ? model.applyChurn(options.churn) : undefined;
  const counted = model.countPaths();
  const out = new Output(write);
  const wait = async (p: Promise<void> | undefined): Promise<void> => {
    if (p) await p;
  };
  const N = model.n;
  const G = model.groupIds;
  const ref = model.ref;

  // Header.
  await wait(
    out.put(
      `{"version":1,"referenceTime":${JSON.stringify(model.referenceTime)},"tenantId":${JSON.stringify(model.tenantId)},` +
        `"displayName":${JSON.stringify(options.displayName ?? TENANT_NAME)},"settings":${JSON.stringify({ MONITOR_EXCLUDED_ACCOUNTS: G.breakGlass })}`,
    ),
  );

  // Users.
  let guests = 0;
  let disabled = 0;
  const users = new ArrayWriter(out, 'users');
  for (let i = 0; i < N; i++) {
    const user = model.user(i);
    if (user.userType === 'Guest') guests++;
    if (!user.accountEnabled) disabled++;
    await wait(users.item(JSON.stringify(user)));
  }
  await wait(users.end());

  // Groups: the small ones, role and PIM groups, then the big ones with streamed member lists.
  const groups = new ArrayWriter(out, 'groups');
  const groupHead = (id: string, displayName: string, description: string, created: string, opts: { roleAssignable?: boolean; dynamicRule?: string; nickname?: string } = {}): string =>
    JSON.stringify({
      id,
      displayName,
      description,
      mailEnabled: false,
      mailNickname: opts.nickname ?? displayName.replace(/[^A-Za-z0-9-]/g, ''),
      securityEnabled: true,
      isAssignableToRole: opts.roleAssignable ?? false,
      groupTypes: opts.dynamicRule ? ['DynamicMembership'] : [],
      membershipRule: opts.dynamicRule ?? null,
      membershipRuleProcessingState: opts.dynamicRule ? 'On' : null,
      visibility: opts.roleAssignable ? 'Private' : null,
      createdDateTime: created,
    }).slice(0, -1);
  const smallGroup = (g: Group): Promise<void> | undefined =>
    groups.item(`${groupHead(g.id, g.displayName, g.description, g.created, { roleAssignable: g.isAssignableToRole, ...(g.dynamicRule ? { dynamicRule: g.dynamicRule } : {}) })},"members":${JSON.stringify(g.members)}${g.owners ? `,"owners":${JSON.stringify(g.owners)}` : ''}}`);
  for (const g of model.smallGroups) await wait(smallGroup(g));
  for (const g of model.roleGroups) await wait(smallGroup(g));
  const bigGroup = async (head: string, members: (emit: (id: string) => Promise<void> | undefined) => Promise<void>): Promise<void> => {
    await wait(groups.item(`${head},"members":[`));
    let n = 0;
    await members((id) => out.put(`${n++ === 0 ? '' : ','}"${id}"`));
    await wait(out.put(']}'));
  };
  const scan = (predicate: (t: Traits, i: number) => boolean) => async (emit: (id: string) => Promise<void> | undefined) => {
    for (let i = 0; i < N; i++) if (predicate(model.traits(i), i)) await wait(emit(model.userId(i)));
  };
  const ago = (days: number): string => iso(ref - days * DAY);
  await bigGroup(groupHead(G.contractors, 'SG-Contractors', 'External contractors with Northwind accounts', ago(1300)), scan((t) => t.contractor));
  await bigGroup(groupHead(G.pilot, 'SG-Pilot-Passwordless', 'Pilot group for passwordless sign-in', ago(400)), scan((t) => t.pilot));
  await bigGroup(
    groupHead(G.allEmployees, 'All Northwind Employees', 'Dynamic: every enabled member account', ago(2500), { dynamicRule: '(user.userType -eq "Member") and (user.accountEnabled -eq true)', nickname: 'AllNorthwindEmployees' }),
    scan((t) => t.enabled && !t.guest),
  );
  for (let d = 0; d < DEPARTMENTS.length; d++) {
    const [name, short] = at(DEPARTMENTS, d);
    const regionIds = at(model.regionGroupIds, d);
    await wait(groups.item(`${groupHead(at(model.departmentGroupIds, d), `SG-Dept-${short}`, `${name} department`, ago(2500))},"members":${JSON.stringify(regionIds)}}`));
    for (let r = 0; r < REGIONS.length; r++) {
      const [region] = at(REGIONS, r);
      await bigGroup(groupHead(at(regionIds, r), `SG-Dept-${short}-${region}`, `${name} department, ${region}`, ago(2400)), scan((t) => t.department === d && t.region === r));
    }
  }
  const groupCount = groups.length;
  await wait(groups.end());

  // Service principals, custom roles.
  const simpleArray = async (key: string, items: readonly unknown[]): Promise<number> => {
    const writer = new ArrayWriter(out, key);
    for (const item of items) await wait(writer.item(JSON.stringify(item)));
    await wait(writer.end());
    return items.length;
  };
  await simpleArray('servicePrincipals', model.servicePrincipals);
  await simpleArray('roleDefinitions', model.customRoles);
  // Who can change an exclusion: app registrations, application permissions, administrative units.
  await simpleArray('applications', model.applications);
  await simpleArray('appRoleAssignments', model.appRoleAssignments);
  const units = [
    { id: model.restrictedUnitId, displayName: 'RMAU-Emergency-Access', isMemberManagementRestricted: true, members: [G.breakGlass, model.userId(0), model.userId(1)] },
    ...model.administrativeUnits.map((id, u) => ({ id, displayName: `AU-Region-${u + 1}`, isMemberManagementRestricted: false, members: [] as string[] })),
  ];
  await simpleArray('administrativeUnits', units);

  // Role schedule instances.
  const active: Json[] = [];
  const eligible: Json[] = [];
  for (const g of model.grants) {
    if (g.state === 'active') {
      active.push({
        id: g.id,
        principalId: g.principalId,
        roleDefinitionId: g.roleId,
        directoryScopeId: g.scope,
        appScopeId: null,
        startDateTime: g.start,
        endDateTime: g.end,
        assignmentType: 'Assigned',
        memberType: 'Direct',
        roleAssignmentOriginId: g.id,
        roleAssignmentScheduleId: g.id,
      });
    } else {
      eligible.push({
        id: g.id,
        principalId: g.principalId,
        roleDefinitionId: g.roleId,
        directoryScopeId: g.scope,
        appScopeId: null,
        startDateTime: g.start,
        endDateTime: g.end,
        memberType: 'Direct',
        roleEligibilityScheduleId: g.id,
      });
    }
  }
  const activations = [...model.grants.flatMap((g) => (g.activation ? [g.activation] : [])), ...model.groupActivations];
  for (const a of activations) {
    active.push({
      id: a.id,
      principalId: a.principalId,
      roleDefinitionId: a.roleId,
      directoryScopeId: a.scope,
      appScopeId: null,
      startDateTime: a.start,
      endDateTime: a.end,
      assignmentType: 'Activated',
      memberType: a.memberType,
      roleAssignmentOriginId: a.id,
      roleAssignmentScheduleId: a.id,
    });
  }
  await simpleArray('roleAssignmentScheduleInstances', active);
  await simpleArray('roleEligibilityScheduleInstances', eligible);
  const pimItem = (p: PimInstance, assignment: boolean): Json => ({
    id: p.id,
    groupId: p.groupId,
    principalId: p.principalId,
    accessId: p.accessId,
    ...(assignment ? { assignmentType: p.assignmentType ?? 'assigned' } : {}),
    memberType: 'direct',
    startDateTime: p.start,
    endDateTime: p.end,
    [assignment ? 'assignmentScheduleId' : 'eligibilityScheduleId']: p.id,
  });
  await simpleArray('privilegedAccessGroupAssignmentScheduleInstances', model.pimAssignments.map((p) => pimItem(p, true)));
  await simpleArray('privilegedAccessGroupEligibilityScheduleInstances', model.pimEligibilities.map((p) => pimItem(p, false)));
  await simpleArray(
    'roleAssignmentScheduleRequests',
    model.requests.map((r) => ({
      id: r.id,
      status: 'Provisioned',
      createdDateTime: iso(r.created),
      completedDateTime: iso(r.created + 4000),
      approvalId: null,
      action: 'selfActivate',
      principalId: r.principalId,
      roleDefinitionId: r.roleId,
      directoryScopeId: '/',
      appScopeId: null,
      isValidationOnly: false,
      targetScheduleId: r.id,
      justification: r.justification,
      createdBy: { application: null, device: null, user: { id: r.principalId, displayName: null } },
      scheduleInfo: { startDateTime: iso(r.created + 4000), recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: `PT${r.durationHours}H` } },
      ticketInfo: r.ticket ? { ticketNumber: r.ticket, ticketSystem: 'ServiceNow' } : { ticketNumber: null, ticketSystem: null },
    })),
  );
  await simpleArray('roleManagementPolicyAssignments', model.roleManagementPolicies);
  await simpleArray('conditionalAccessPolicies', model.policies);
  await simpleArray('namedLocations', model.namedLocations);
  await simpleArray('authenticationStrengthPolicies', model.strengths);
  await wait(
    out.put(
      `,\n"securityDefaults":${JSON.stringify({ id: '00000000-0000-0000-0000-000000000000', displayName: 'Security Defaults', description: 'Security defaults is a set of basic identity security mechanisms recommended by Microsoft.', isEnabled: false })}`,
    ),
  );

  // Registration details: every user (as Graph's report has) or only admins.
  const registration = new ArrayWriter(out, 'userRegistrationDetails');
  const adminOnly = (options.registration ?? 'all') === 'admins';
  for (let i = 0; i < N; i++) {
    const admin = model.adminByUser.get(i);
    if (adminOnly && !admin) continue;
    await wait(registration.item(JSON.stringify(registrationRow(model, i, admin))));
  }
  await wait(registration.end());

  // Directory audit events, newest first, over the three days before the reference time: group memberships and
  // user updates at a rate that grows with the tenant, and one member added to the temporary MFA exclusion.
  const audits = new ArrayWriter(out, 'directoryAudits');
  const perDay = Math.max(6, Math.floor(N / 100));
  const auditTotal = perDay * 3;
  const auditStep = (3 * DAY) / auditTotal;
  const regionGroups = model.regionGroupIds.flat();
  for (let j = 0; j < auditTotal; j++) {
    const rng = model.rng(0xa0d1, j);
    const t = ref - (j + 0.05 + 0.9 * rng.next()) * auditStep;
    const userIndex = 2 + rng.int(N - 2);
    const exemption = j === Math.floor(auditTotal / 7);
    const kind = exemption ? 'member' : rng.chance(0.7) ? 'member' : 'update';
    const target = exemption ? model.userId(at(model.temporary, 0)) : model.userId(userIndex);
    const targets =
      kind === 'member'
        ? [{ id: target, type: 'User', userPrincipalName: null, modifiedProperties: [] }, { id: exemption ? G.temporary : rng.pick(regionGroups), type: 'Group', displayName: null, modifiedProperties: [] }]
        : [{ id: target, type: 'User', userPrincipalName: null, modifiedProperties: [{ displayName: 'Department', oldValue: '["Sales"]', newValue: '["Marketing"]' }] }];
    await wait(
      audits.item(
        JSON.stringify({
          id: `Directory_${model.ids.guid(KIND.audit, j)}`,
          activityDateTime: iso(Math.floor(t)),
          activityDisplayName: kind === 'member' ? 'Add member to group' : 'Update user',
          category: kind === 'member' ? 'GroupManagement' : 'UserManagement',
          result: 'success',
          loggedByService: 'Core Directory',
          initiatedBy: { user: { id: model.userId(2 + ((userIndex * 7) % (N - 2))), userPrincipalName: null, displayName: null }, app: null },
          targetResources: targets,
        }),
      ),
    );
  }
  await wait(audits.end());

  // Sign-ins, newest first, over the three days before the reference time, each with the Conditional Access
  // results the generator's own reading of its policies gives (signin-policies.ts; never the app's engine).
  const judge = new SignInJudge(before.policies, before.namedLocations, before.strengths);
  const signIns = new ArrayWriter(out, 'signIns');
  const total = options.signInsPerDay * 3;
  const adminIndices = before.admins.filter((a) => a.account !== 'breakGlass').map((a) => a.userIndex);
  const breakGlassAt = total >= 20 ? new Map([[Math.floor(total * 0.31), 0], [Math.floor(total * 0.77), 1]]) : new Map<number, number>();
  const step = (3 * DAY) / Math.max(total, 1);
  for (let j = 0; j < total; j++) {
    const rng = before.rng(0x5101, j);
    const t = ref - (j + 0.05 + 0.9 * rng.next()) * step;
    const bg = breakGlassAt.get(j);
    const userIndex = bg ?? (rng.chance(0.3) ? rng.pick(adminIndices) : 2 + rng.int(N - 2));
    await wait(signIns.item(JSON.stringify(signIn(before, judge, j, t, userIndex, bg !== undefined, rng))));
  }
  await wait(signIns.end());
  await wait(out.put('\n}\n'));
  await wait(out.flush());

  return {
    tenantId: model.tenantId,
    referenceTime: model.referenceTime,
    seed: options.seed,
    users: N,
    guests,
    disabledUsers: disabled,
    groups: groupCount,
    servicePrincipals: model.servicePrincipals.length,
    admins: counted.admins,
    adminPaths: counted.adminPaths,
    workloadAdminPaths: counted.workloadAdminPaths,
    potentialAdmins: model.potentialAdminUsers.size,
    policies: model.policies.length,
    namedLocations: model.namedLocations.length,
    authenticationStrengthPolicies: model.strengths.length,
    roleDefinitions: model.customRoles.length,
    roleAssignmentScheduleInstances: active.length,
    roleEligibilityScheduleInstances: eligible.length,
    privilegedAccessGroupAssignmentScheduleInstances: model.pimAssignments.length,
    privilegedAccessGroupEligibilityScheduleInstances: model.pimEligibilities.length,
    roleAssignmentScheduleRequests: model.requests.length,
    roleManagementPolicyAssignments: model.roleManagementPolicies.length,
    userRegistrationDetails: registration.length,
    signIns: total,
    applications: model.applications.length,
    appRoleAssignments: model.appRoleAssignments.length,
    administrativeUnits: units.length,
    directoryAudits: auditTotal,
    bytes: out.bytes,
    chunks: out.chunks,
    breakGlassGroupId: G.breakGlass,
    breakGlassUserIds: [model.userId(0), model.userId(1)],
    ...(churn && options.churn ? { churn: { seed: options.churn.seed, ...churn } } : {}),
  };
}

/** User i's MFA registration: whether registered and the methods (the registration report's, and what sign-ins can use). */
function registrationOf(model: TenantModel, i: number, admin: AdminUser | undefined): { registered: boolean; methods: readonly string[] } {
  const h = hash(model.key, 0x7201, i);
  const breakGlass = i < 2;
  const service = !breakGlass && i < 2 + model.serviceAccounts;
  const registered = breakGlass ? true : service ? false : admin ? admin.registered : unit(h) < 0.85;
  const methods: readonly string[] = breakGlass
    ? ['fido2SecurityKey']
    : registered
      ? at(METHOD_SETS, weightedIndex(METHOD_SETS, unit(hash(model.key, 0x7202, i))))[0]
      : unit(hash(model.key, 0x7203, i)) < 0.3
        ? ['email']
        : [];
  return { registered, methods };
}

function registrationRow(model: TenantModel, i: number, admin: AdminUser | undefined): Json {
  const user = model.user(i);
  const breakGlass = i < 2;
  const service = !breakGlass && i < 2 + model.serviceAccounts;
  const { registered, methods } = registrationOf(model, i, admin);
  const preferred = methods.find((m) => SYSTEM_PREFERRED[m]);
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    userDisplayName: user.displayName,
    userType: user.userType === 'Guest' ? 'guest' : 'member',
    isAdmin: model.activeAdminUsers.has(i),
    isSsprRegistered: registered && !breakGlass,
    isSsprEnabled: !breakGlass && !service,
    isSsprCapable: registered && !breakGlass && !service,
    isMfaRegistered: registered,
    isMfaCapable: registered,
    isPasswordlessCapable: methods.some((m) => m === 'fido2SecurityKey' || m === 'windowsHelloForBusiness' || m === 'microsoftAuthenticatorPasswordless'),
    methodsRegistered: methods,
    isSystemPreferredAuthenticationMethodEnabled: true,
    systemPreferredAuthenticationMethods: preferred ? [SYSTEM_PREFERRED[preferred]] : [],
    userPreferredMethodForSecondaryAuthentication: registered ? (methods.includes('microsoftAuthenticatorPush') ? 'push' : methods.includes('mobilePhone') ? 'sms' : 'none') : 'none',
    lastUpdatedDateTime: iso(model.ref - (hash(model.key, 0x7204, i) % (90 * 24)) * HOUR),
  };
}

function weightedIndex<T>(items: ReadonlyArray<readonly [T, number]>, u: number): number {
  let total = 0;
  for (const [, w] of items) total += w;
  let r = u * total;
  for (let k = 0; k < items.length; k++) {
    r -= at(items, k)[1];
    if (r < 0) return k;
  }
  return items.length - 1;
}

/** The sign-in's outcome from what the applying policies demand (Conditional Access grant; AADSTS error reference). */
function outcomeOf(judged: readonly Judgement[], methods: readonly string[], legacy: boolean, enabled: boolean, rng: Rng): { errorCode: number; mfa: boolean; blockedBy: Set<Judgement> } {
  const blockedBy = new Set<Judgement>();
  if (!enabled) return { errorCode: 50057, mfa: false, blockedBy };
  const enforced = judged.filter((j) => j.applies && j.state === 'enabled');
  const canMfa = methods.some((m) => m !== 'email');
  for (const j of enforced) {
    // Legacy clients cannot do MFA: a policy asking for it blocks them (CA conditions, client apps).
    if (j.demand === 'block' || (j.demand === 'unsatisfiable' && (canMfa || legacy)) || (legacy && j.demand === 'mfa')) blockedBy.add(j);
  }
  if (blockedBy.size > 0) return { errorCode: 53003, mfa: false, blockedBy };
  const needsMfa = enforced.some((j) => j.demand === 'mfa' || j.demand === 'unsatisfiable');
  if (needsMfa) {
    if (!canMfa) return { errorCode: rng.chance(0.7) ? 50079 : 50072, mfa: false, blockedBy };
    const r = rng.next();
    if (r < 0.12) return { errorCode: rng.weighted(MFA_PROMPT_WEIGHTS), mfa: false, blockedBy };
    return { errorCode: 0, mfa: true, blockedBy };
  }
  const r = rng.next();
  if (r < 0.85) return { errorCode: 0, mfa: false, blockedBy };
  if (r < 0.93) return { errorCode: rng.weighted(FAILURE_WEIGHTS), mfa: false, blockedBy };
  return { errorCode: rng.weighted(OTHER_INTERRUPT_WEIGHTS), mfa: false, blockedBy };
}

/** Each policy's result as the sign-in log records it (appliedConditionalAccessPolicies). */
function policyResult(j: Judgement, outcome: { errorCode: number; mfa: boolean; blockedBy: Set<Judgement> }): Json {
  const failed = outcome.blockedBy.has(j) || ((j.demand === 'mfa' || j.demand === 'unsatisfiable') && !outcome.mfa);
  let result: string;
  if (j.state === 'disabled') result = 'notEnabled';
  else if (!j.applies) result = j.state === 'enabled' ? 'notApplied' : 'reportOnlyNotApplied';
  else if (j.state === 'enabled') result = failed ? 'failure' : 'success';
  else if (j.demand === 'block' || (j.demand === 'unsatisfiable' && outcome.mfa)) result = 'reportOnlyFailure';
  else if (j.demand === 'mfa' || j.demand === 'unsatisfiable') result = outcome.mfa ? 'reportOnlySuccess' : 'reportOnlyInterrupted';
  else result = 'reportOnlySuccess';
  const applied = j.applies && j.state !== 'disabled';
  return {
    id: j.policy.id,
    displayName: j.policy.displayName,
    enforcedGrantControls: applied ? j.controls : [],
    enforcedSessionControls: [],
    result,
    ...(j.notSatisfied ? { conditionsNotSatisfied: j.notSatisfied } : {}),
  };
}

/** Enabled policies that left a monitored account's sign-in out, listed per sign-in (the monitor shows four). */
const LEFT_OUT_LISTED = 6;
/** The policy results kept on the sign-ins of accounts the monitor does not read one by one. */
const OTHERS_RESULTS = new Set(['failure', 'reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyInterrupted']);

const PLATFORM_OF: Record<string, Setting['platform']> = { Windows10: 'windows', MacOs: 'macOS', Ios: 'iOS', Android: 'android', Linux: 'linux' };

function signIn(model: TenantModel, judge: SignInJudge, j: number, t: number, userIndex: number, breakGlass: boolean, rng: Rng): Json {
  const user = model.user(userIndex);
  const service = userIndex >= 2 && userIndex < 2 + model.serviceAccounts;
  const admin = model.adminByUser.get(userIndex);
  const monitored = breakGlass || service || admin !== undefined;
  // Where: HQ (trusted), a branch (trusted), elsewhere.
  const where = breakGlass ? 0 : rng.next();
  let ipAddress: string;
  let city: readonly [string, string];
  if (where < 0.4) {
    ipAddress = `203.0.113.${rng.range(1, 254)}`;
    city = at(CITIES, 0);
  } else if (where < 0.6) {
    ipAddress = `198.18.${rng.int(2)}.${rng.range(1, 254)}`;
    city = at(CITIES, rng.range(1, 2));
  } else {
    ipAddress = rng.chance(0.5) ? `198.51.100.${rng.range(129, 254)}` : `192.0.2.${rng.range(1, 254)}`;
    city = rng.pick(CITIES);
  }
  const app = breakGlass ? at(SIGN_IN_APPS, 4) : service ? at(SIGN_IN_APPS, 7) : admin && rng.chance(0.4) ? at(SIGN_IN_APPS, rng.range(4, 7)) : at(SIGN_IN_APPS, rng.int(4));
  const legacy = !breakGlass && !service && rng.chance(0.04);
  const clientAppUsed = legacy ? rng.pick(['Exchange ActiveSync', 'IMAP4', 'Authenticated SMTP']) : service || rng.chance(0.4) ? 'Mobile Apps and Desktop clients' : 'Browser';
  const os = breakGlass ? 'Windows10' : rng.weighted<string>([['Windows10', 50], ['MacOs', 15], ['Ios', 15], ['Android', 15], ['Linux', 5]]);
  const compliant = breakGlass ? true : rng.chance(0.9);
  const { methods } = registrationOf(model, userIndex, admin);
  const subject: Subject = { userId: user.id, groups: model.memberGroups(userIndex), roles: model.activeRolesAt(userIndex, t), guest: model.traits(userIndex).guest, methods };
  const setting: Setting = {
    resourceId: app[3],
    appId: app[0],
    client: clientAppUsed === 'Exchange ActiveSync' ? 'exchangeActiveSync' : legacy ? 'other' : clientAppUsed === 'Browser' ? 'browser' : 'mobileAppsAndDesktopClients',
    platform: PLATFORM_OF[os] ?? 'windows',
    ip: ipAddress,
    country: city[1],
    compliant,
  };
  const judged = judge.judge(subject, setting);
  const outcome = outcomeOf(judged, methods, legacy, user.accountEnabled !== false, rng);
  const { errorCode } = outcome;
  const mfaPrompt = [50074, 50076, 500121, 50079, 50072].includes(errorCode);
  const enforcedApplied = judged.some((x) => x.applies && x.state === 'enabled');
  const conditionalAccessStatus = errorCode === 53003 || mfaPrompt ? 'failure' : enforcedApplied ? 'success' : 'notApplied';
  // Service accounts refresh tokens; a third of the others' successes are token refreshes too.
  const interactive = !service && !(errorCode === 0 && !legacy && rng.chance(0.3));
  const time = iso(t);
  const steps: Json[] = [{ authenticationStepDateTime: time, authenticationMethod: 'Password', succeeded: errorCode !== 50126, authenticationStepRequirement: 'Primary authentication' }];
  if (outcome.mfa || mfaPrompt) steps.push({ authenticationStepDateTime: time, authenticationMethod: methods.includes('fido2SecurityKey') ? 'FIDO2 security key' : 'Mobile app notification', succeeded: outcome.mfa, authenticationStepRequirement: 'Multi-factor authentication' });
  const trusted = ipAddress.startsWith('203.0.113.') || ipAddress.startsWith('198.18.') || /^198\.51\.100\.([0-9]|[1-5][0-9]|6[0-3])$/.test(ipAddress);
  return {
    id: model.ids.guid(KIND.signIn, j),
    createdDateTime: time,
    userDisplayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    userId: user.id,
    appId: app[0],
    appDisplayName: app[1],
    ipAddress,
    clientAppUsed,
    correlationId: model.ids.guid(KIND.correlation, j),
    conditionalAccessStatus,
    isInteractive: interactive,
    signInEventTypes: [interactive ? 'interactiveUser' : 'nonInteractiveUser'],
    riskDetail: 'none',
    riskLevelAggregated: 'none',
    riskLevelDuringSignIn: 'none',
    riskState: 'none',
    originalTransferMethod: 'none',
    resourceDisplayName: app[2],
    resourceId: app[3],
    authenticationRequirement: outcome.mfa || mfaPrompt ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    authenticationDetails: steps,
    status: { errorCode, failureReason: FAILURE_REASONS[errorCode] ?? 'Other.', additionalDetails: mfaPrompt ? 'MFA required in Azure AD' : null },
    deviceDetail: { deviceId: '', displayName: '', operatingSystem: os, browser: clientAppUsed === 'Browser' ? rng.pick(['Edge 131.0.0', 'Chrome 131.0.0', 'Safari 18.1']) : '', isCompliant: compliant, isManaged: compliant || rng.chance(0.3), trustType: '' },
    location: { city: city[0], state: null, countryOrRegion: city[1] },
    networkLocationDetails: trusted ? [{ networkType: 'trustedNamedLocation', networkNames: [] }] : [],
    // Graph lists every policy. The generator keeps a sign-in small (with 400 policies the full lists made the
    // 100k tenant over a gigabyte): for the accounts the monitor reads one by one (admins, break-glass and
    // service accounts) the policies that applied and the first few enabled MFA or block policies that target
    // the user but left this sign-in out (they explain a single factor); for everyone else only what the monitor
    // reads of them — failures and report-only results (the interrupted and report-only queries).
    appliedConditionalAccessPolicies: monitored
      ? [
          ...judged.filter((x) => x.applies && x.state !== 'disabled'),
          ...judged.filter((x) => !x.applies && x.state === 'enabled' && x.notSatisfied !== 'users' && x.demand !== 'none').slice(0, LEFT_OUT_LISTED),
        ].map((x) => policyResult(x, outcome))
      : judged
          .filter((x) => x.applies && x.state !== 'disabled')
          .map((x) => policyResult(x, outcome))
          .filter((x) => OTHERS_RESULTS.has(x['result'] as string)),
  };
}
