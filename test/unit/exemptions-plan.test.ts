// The exemption reads' decisions (src/collect/exemptions-plan.ts): which groups an exclusion goes through, where
// PIM owners come from, which audit events matter, how owners and audit events are stored.
import { describe, expect, it } from 'vitest';
import { auditRelevant, auditWindowStart, exclusionGroupIds, pimOwnerSources, principalRef, storedAudit } from '../../src/collect/exemptions-plan.js';
import type { ConditionalAccessPolicy } from '../../src/core/graph-types.js';
import type { SnapshotGroup } from '../../src/core/snapshot.js';

const G = (n: number) => `90000000-0000-4000-8000-00000000000${n}`;
const ROLE = '62e90394-69f5-4237-9190-012177145e10';

function policy(state: string, users: Record<string, string[]>): ConditionalAccessPolicy {
  return { id: `p-${state}`, displayName: state, state, conditions: { users, applications: { includeApplications: ['All'] } } } as unknown as ConditionalAccessPolicy;
}

const group = (id: string, memberGroupIds: string[] = []): SnapshotGroup => ({ id, displayName: id, memberUserIds: [], memberGroupIds, coverage: 'admins' }) as unknown as SnapshotGroup;

describe('exclusionGroupIds (R-EXEMPT-1, -4)', () => {
  it('takes the excluded groups of enabled policies, the groups nested in them, and the groups holding an excluded role', () => {
    const policies = [policy('enabled', { excludeGroups: [G(1)], excludeRoles: [ROLE] }), policy('disabled', { excludeGroups: [G(5)] }), policy('enabledForReportingButNotEnforced', { excludeGroups: [G(6)] })];
    const out = exclusionGroupIds(policies, [group(G(1), [G(2)]), group(G(3))], [{ principalId: G(3), roleDefinitionId: ROLE }]);
    expect(out.groupIds).toEqual([G(1), G(2), G(3)]);
    expect([...out.excludedRoles]).toEqual([ROLE]);
  });
});

describe('pimOwnerSources', () => {
  const policies = [policy('enabled', { excludeGroups: [G(1)] })];

  it('takes the groups a policy names from what the roles collector stored, and reads only the others', () => {
    const out = pimOwnerSources([G(1), G(2)], policies, true);
    expect([...out.fromRoles]).toEqual([G(1)]);
    expect(out.toRead).toEqual([G(2)]);
  });

  it('reads every group itself while the roles collector could not read PIM for Groups', () => {
    const out = pimOwnerSources([G(1), G(2)], policies, false);
    expect([...out.fromRoles]).toEqual([]);
    expect(out.toRead).toEqual([G(1), G(2)]);
  });
});

describe('owners and audit events as stored', () => {
  it('an owner without a type Graph names is unknown (a deleted object), never a user', () => {
    expect(principalRef({ id: 'A0000000-0000-4000-8000-000000000001' }).type).toBe('unknown');
    expect(principalRef({ '@odata.type': '#microsoft.graph.user', id: 'a', userPrincipalName: 'a@x' })).toEqual({ id: 'a', type: 'user', displayName: null, userPrincipalName: 'a@x' });
  });

  const event = (activity: string, targets: Array<{ id: string; type: string }>, result = 'success') =>
    storedAudit({ id: 'e', activityDisplayName: activity, activityDateTime: '2026-11-01T00:00:00Z', result, targetResources: targets.map((t) => ({ ...t, modifiedProperties: t.type === 'Role' ? [{ displayName: 'Role.TemplateId', newValue: `"${ROLE}"` }] : [] })) });

  it.each([
    ['Add member to group', [{ id: G(1), type: 'Group' }], 'success', true],
    ['Add member to group', [{ id: G(9), type: 'Group' }], 'success', false],
    ['Add member to group', [{ id: G(1), type: 'Group' }], 'failure', false],
    ['Add member to role', [{ id: 'r', type: 'Role' }], 'success', true],
    ['Add eligible member to role in PIM completed (permanent)', [{ id: 'r', type: 'Role' }], 'success', true],
    ['Update user', [{ id: 'u', type: 'User' }], 'success', true],
    ['Delete group', [{ id: G(1), type: 'Group' }], 'success', false],
  ])('R-EXEMPT-13 %s on %j (%s): relevant %s', (activity, targets, result, relevant) => {
    expect(auditRelevant(event(activity, targets, result), new Set([G(1)]), new Set([ROLE]))).toBe(relevant);
  });

  it('the audit window starts at the watermark less the overlap, or the initial look-back', () => {
    const now = Date.parse('2026-11-01T12:00:00Z');
    expect(auditWindowStart('2026-11-01T11:45:00.000Z', now, 10, 24)).toBe('2026-11-01T11:35:00Z');
    expect(auditWindowStart(undefined, now, 10, 24)).toBe('2026-10-31T12:00:00Z');
  });
});
