// Tenant fixture format, version 1 (docs/tenant-fixture.md): Graph resources exactly as Graph returns them,
// so a user can paste real Graph output. Validation names the key, the index and what was expected.
import { z } from 'zod';
import {
  authenticationStrengthPolicySchema,
  conditionalAccessPolicySchema,
  graphGroupSchema,
  graphServicePrincipalSchema,
  graphUserSchema,
  namedLocationSchema,
  pimGroupAssignmentInstanceSchema,
  pimGroupEligibilityInstanceSchema,
  roleAssignmentScheduleInstanceSchema,
  roleAssignmentScheduleRequestSchema,
  roleEligibilityScheduleInstanceSchema,
  roleManagementPolicyAssignmentSchema,
  securityDefaultsSchema,
  signInSchema,
  unifiedRoleAssignmentSchema,
  unifiedRoleDefinitionSchema,
  userRegistrationDetailsSchema,
} from './graph-types.js';

export const fixtureGroupSchema = graphGroupSchema.extend({
  /** Direct members: ids of users, groups or service principals. */
  members: z.array(z.string()).optional(),
});
export type FixtureGroup = z.infer<typeof fixtureGroupSchema>;

export const tenantFixtureSchema = z.looseObject({
  version: z.literal(1).optional(),
  /** Times in the fixture are relative to this moment (see fixture-time.ts). */
  referenceTime: z.iso.datetime({ offset: true }).optional(),
  tenantId: z.string().min(1),
  displayName: z.string().nullish(),
  /** Monitor settings to use with this fixture unless the environment sets them (e.g. the demo's break-glass group). */
  settings: z.record(z.string(), z.string()).optional(),
  users: z.array(graphUserSchema).optional(),
  groups: z.array(fixtureGroupSchema).optional(),
  servicePrincipals: z.array(graphServicePrincipalSchema).optional(),
  roleDefinitions: z.array(unifiedRoleDefinitionSchema).optional(),
  roleAssignments: z.array(unifiedRoleAssignmentSchema).optional(),
  roleAssignmentScheduleInstances: z.array(roleAssignmentScheduleInstanceSchema).optional(),
  roleEligibilityScheduleInstances: z.array(roleEligibilityScheduleInstanceSchema).optional(),
  privilegedAccessGroupAssignmentScheduleInstances: z.array(pimGroupAssignmentInstanceSchema).optional(),
  privilegedAccessGroupEligibilityScheduleInstances: z.array(pimGroupEligibilityInstanceSchema).optional(),
  roleAssignmentScheduleRequests: z.array(roleAssignmentScheduleRequestSchema).optional(),
  roleManagementPolicyAssignments: z.array(roleManagementPolicyAssignmentSchema).optional(),
  conditionalAccessPolicies: z.array(conditionalAccessPolicySchema).optional(),
  namedLocations: z.array(namedLocationSchema).optional(),
  authenticationStrengthPolicies: z.array(authenticationStrengthPolicySchema).optional(),
  securityDefaults: securityDefaultsSchema.nullish(),
  userRegistrationDetails: z.array(userRegistrationDetailsSchema).optional(),
  signIns: z.array(signInSchema).optional(),
});
export type TenantFixture = z.infer<typeof tenantFixtureSchema>;

/** The fixture keys that hold PIM data; when all are missing the tenant has no PIM. */
export const PIM_FIXTURE_KEYS = [
  'roleAssignmentScheduleInstances',
  'roleEligibilityScheduleInstances',
  'privilegedAccessGroupAssignmentScheduleInstances',
  'privilegedAccessGroupEligibilityScheduleInstances',
  'roleAssignmentScheduleRequests',
  'roleManagementPolicyAssignments',
] as const;

export function fixtureHasPim(fixture: TenantFixture): boolean {
  return PIM_FIXTURE_KEYS.some((key) => fixture[key] !== undefined);
}

export class FixtureError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid tenant fixture (version 1):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FixtureError';
  }
}

/** `users[3].id` from a zod path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(top level)';
}

const MAX_REPORTED_PROBLEMS = 20;

/** Validates a parsed fixture; throws FixtureError naming every problem (up to 20) by key and index. */
export function parseTenantFixture(value: unknown, source = 'tenant fixture'): TenantFixture {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FixtureError(source, ['(top level): expected a JSON object']);
  }
  const version = (value as { version?: unknown }).version;
  if (version !== undefined && version !== 1) {
    throw new FixtureError(source, [`version: expected 1 (the only format version), got ${JSON.stringify(version)}`]);
  }
  const result = tenantFixtureSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, MAX_REPORTED_PROBLEMS)
      .map((issue) => `${formatPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
    if (result.error.issues.length > MAX_REPORTED_PROBLEMS) {
      problems.push(`… and ${result.error.issues.length - MAX_REPORTED_PROBLEMS} more`);
    }
    throw new FixtureError(source, problems);
  }
  const duplicates = findDuplicateIds(result.data);
  if (duplicates.length > 0) throw new FixtureError(source, duplicates);
  return result.data;
}

/** Parses fixture JSON text; a syntax error names the line and column. */
export function parseTenantFixtureText(text: string, source = 'tenant fixture'): TenantFixture {
  let value: unknown;
  // Windows PowerShell 5.1 writes UTF-8 with a byte order mark; JSON.parse refuses it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    let where = '';
    if (position?.[1]) {
      const offset = Number(position[1]);
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      where = ` (line ${line}, column ${column})`;
    }
    throw new FixtureError(source, [`not valid JSON${where}: ${message}`]);
  }
  return parseTenantFixture(value, source);
}

function findDuplicateIds(fixture: TenantFixture): string[] {
  const problems: string[] = [];
  const directoryObjects = new Map<string, string>();
  const keyed: Array<[string, Array<{ id: string }> | undefined, boolean]> = [
    ['users', fixture.users, true],
    ['groups', fixture.groups, true],
    ['servicePrincipals', fixture.servicePrincipals, true],
    ['conditionalAccessPolicies', fixture.conditionalAccessPolicies, false],
    ['namedLocations', fixture.namedLocations, false],
    ['roleDefinitions', fixture.roleDefinitions, false],
    ['authenticationStrengthPolicies', fixture.authenticationStrengthPolicies, false],
  ];
  for (const [key, items, directory] of keyed) {
    const seen = new Map<string, number>();
    items?.forEach((item, index) => {
      const id = item.id.toLowerCase();
      const first = seen.get(id);
      if (first !== undefined) problems.push(`${key}[${index}].id: duplicate id '${item.id}' (also ${key}[${first}])`);
      else seen.set(id, index);
      if (directory) {
        const other = directoryObjects.get(id);
        if (other && !other.startsWith(`${key}[`)) {
          problems.push(`${key}[${index}].id: '${item.id}' is also ${other}; directory object ids are unique across users, groups and service principals`);
        } else if (!other) directoryObjects.set(id, `${key}[${index}]`);
      }
    });
  }
  fixture.groups?.forEach((group, index) => {
    if (group.members?.some((m) => m.toLowerCase() === group.id.toLowerCase())) {
      problems.push(`groups[${index}].members: group '${group.id}' lists itself as a member`);
    }
  });
  return problems;
}
