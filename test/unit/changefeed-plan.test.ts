// The change feed's decisions, one table case per rule: what each documented audit activity means (Learn,
// "Microsoft Entra audit log categories and activities": Core Directory, Conditional Access, Authentication
// Methods, PIM), which targeted read an event or delta change asks for, where the audit read starts (the
// overlap; the audit log's retention), dedupe by id, and what reconciliation calls missed.
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/collect/audit.js';
import {
  AUDIT_RETENTION_DAYS,
  MAX_SEEN_IDS,
  type FeedContext,
  activityKind,
  changeObjects,
  dedupeActions,
  deltaActions,
  deltaTrackedGroups,
  eventActions,
  expiredPrincipals,
  feedStart,
  missedChanges,
  newEvents,
  objectsSeenAfter,
  reconcilable,
  trimRecent,
} from '../../src/collect/changefeed-plan.js';

describe('activity names (Learn: audit log categories and activities)', () => {
  it.each([
    // Core Directory, RoleManagement
    ['Add member to role', 'roleMembership'],
    ['Remove member from role', 'roleMembership'],
    ['Add eligible member to role', 'roleMembership'],
    ['Add scoped member to role', 'roleMembership'],
    ['Add role assignment to role definition', 'roleMembership'],
    ['Add member to role scoped over Restricted Management Administrative Unit', 'roleMembership'],
    ['Add role definition', 'roleDefinition'],
    ['Update role definition', 'roleDefinition'],
    // PIM (RoleManagement and GroupManagement)
    ['Add member to role in PIM completed (permanent)', 'roleMembership'],
    ['Add eligible member to role in PIM completed (timebound)', 'roleMembership'],
    ['Remove eligible member from role in PIM completed (permanent)', 'roleMembership'],
    ['Remove permanent direct role assignment', 'roleMembership'],
    ['Add member to role outside of PIM (permanent)', 'roleMembership'],
    ['Update member in PIM approved by admin (extend/renew)', 'roleMembership'],
    ['Add member to role completed (PIM activation)', 'activation'],
    ['Remove member from role (PIM activation expired)', 'activation'],
    ['Remove member from role completed (PIM deactivate)', 'activation'],
    ['Add member to role requested (PIM activation)', 'noChange'],
    ['Add eligible member to role in PIM requested (permanent)', 'noChange'],
    ['Add member to role request denied (PIM activation)', 'noChange'],
    ['Cancel request for role removal', 'noChange'],
    ['Update role setting in PIM', 'pimSetting'],
    // Core Directory, GroupManagement
    ['Add member to group', 'groupMembership'],
    ['Remove owner from group', 'groupMembership'],
    ['Delete group', 'group'],
    ['Hard Delete group', 'group'],
    ['Add group', 'noChange'],
    // Conditional Access (the log writes "conditional access" in lower case too)
    ['Update Conditional Access policy', 'caPolicy'],
    ['Update conditional access policy', 'caPolicy'],
    ['Delete named location', 'namedLocation'],
    ['Update security defaults', 'securityDefaults'],
    // Authentication Methods
    ['Authentication Strength Policy Update', 'authStrength'],
    ['Admin deleted security info', 'registration'],
    ['User registered security info', 'registration'],
    ['User registered all required security info', 'registration'],
    ['Delete FIDO2 security key(s)', 'registration'],
    // Core Directory, UserManagement
    ['Update user', 'user'],
    ['Disable account', 'user'],
    ['Delete user', 'userRemoved'],
    ['Restore user', 'userRemoved'],
    ['Disable Strong Authentication', 'perUserMfa'],
    ['Add user', 'noChange'],
    // Anything else is unknown (counted in the run record, never acted on)
    ['Consent to application', 'unknown'],
    ['Update service principal', 'unknown'],
    ['', 'unknown'],
  ])('%s → %s', (activity, kind) => {
    expect(activityKind(activity)).toBe(kind);
  });
});

const G = { exclusions: 'g-excl', nested: 'g-nested', role: 'g-role', pim: 'g-pim', other: 'g-other' };
const ctx: FeedContext = {
  admins: new Set(['alice', 'bob']),
  groups: new Map([
    [G.exclusions, { memberGroupIds: [G.nested], memberUserIds: ['alice'] }],
    [G.role, { memberGroupIds: [], memberUserIds: ['bob'] }],
  ]),
  pimGroups: new Set([G.pim]),
};

const NOBODY = { userId: null, userPrincipalName: null, appId: null, appDisplayName: null };

function event(activity: string, targets: Array<[string, string]>, extra: Partial<AuditEvent> = {}): AuditEvent {
  return { id: `e-${activity}`, activity, category: null, time: '2026-12-01T10:00:00Z', result: 'success', initiatedBy: NOBODY, targets: targets.map(([type, id]) => ({ id, type, displayName: null, userPrincipalName: null, modified: [] })), ...extra };
}

describe('targeted reads per event', () => {
  it.each([
    ['a role assignment: that principal\'s roles', event('Add member to role in PIM completed (permanent)', [['Role', 'r1'], ['User', 'carol']]), [{ kind: 'principalRoles', principalId: 'carol' }]],
    ['an activation: the principal\'s roles and the activation history', event('Add member to role completed (PIM activation)', [['Role', 'r1'], ['User', 'bob']]), [{ kind: 'principalRoles', principalId: 'bob' }, { kind: 'activations' }]],
    ['PIM for Groups (GroupManagement): that group\'s PIM instances', event('Add eligible member to role in PIM completed (permanent)', [['Group', G.pim], ['User', 'carol']], { category: 'GroupManagement' }), [{ kind: 'pimGroup', groupId: G.pim }]],
    ['a member added to a nested group: every watched group holding it', event('Add member to group', [['User', 'carol'], ['Group', G.nested]]), [{ kind: 'groupMembers', groupId: G.exclusions }]],
    ['Group.ObjectID names the parent when a group is added to a group', { ...event('Add member to group', [['Group', G.other], ['Group', 'x']]), targets: [{ id: G.other, type: 'Group', displayName: null, userPrincipalName: null, modified: [{ name: 'Group.ObjectID', oldValue: null, newValue: `"${G.role}"` }] }] }, [{ kind: 'groupMembers', groupId: G.role }]],
    ['a policy: read it by id', event('Update conditional access policy', [['Policy', 'p1']]), [{ kind: 'caPolicy', policyId: 'p1' }]],
    ['a named location: read it by id', event('Add named location', [['Policy', 'l1']]), [{ kind: 'namedLocation', locationId: 'l1' }]],
    ['an admin\'s security info: their registration', event('Admin deleted security info', [['User', 'alice']]), [{ kind: 'registration', userId: 'alice' }]],
    ['an admin updated: their account', event('Update user', [['User', 'bob']]), [{ kind: 'account', userId: 'bob' }]],
    ['an admin deleted: roles, account, the groups they were kept in', event('Delete user', [['User', 'alice']]), [{ kind: 'principalRoles', principalId: 'alice' }, { kind: 'account', userId: 'alice' }, { kind: 'groupMembers', groupId: G.exclusions }]],
    ['security defaults', event('Update security defaults', [['Policy', 'sd']]), [{ kind: 'securityDefaults' }]],
  ] as const)('%s', (_name, e, actions) => {
    expect(eventActions(e as AuditEvent, ctx)).toEqual({ kind: 'applied', actions });
  });

  it.each([
    ['a group nothing watches', event('Add member to group', [['User', 'carol'], ['Group', G.other]]), 'irrelevant'],
    ['security info of a non-admin', event('User registered security info', [['User', 'carol']]), 'irrelevant'],
    ['a failed operation changed nothing', event('Add member to role', [['User', 'carol']], { result: 'failure' }), 'failed'],
    ['a request', event('Add member to role requested (PIM activation)', [['User', 'bob']]), 'noChange'],
    ['an unknown activity', event('Consent to application', [['ServicePrincipal', 's']]), 'unknown'],
  ] as const)('%s → %s', (_name, e, kind) => {
    expect(eventActions(e as AuditEvent, ctx).kind).toBe(kind);
  });

  it('delta changes: a removed user\'s roles and groups; a changed group and the groups holding it', () => {
    expect(deltaActions({ kind: 'user', id: 'ALICE', removed: true }, ctx)).toEqual([{ kind: 'principalRoles', principalId: 'alice' }, { kind: 'groupMembers', groupId: G.exclusions }]);
    expect(deltaActions({ kind: 'user', id: 'bob', removed: false }, ctx)).toEqual([]);
    expect(deltaActions({ kind: 'group', id: G.nested, removed: false, membersChanged: true }, ctx)).toEqual([{ kind: 'groupMembers', groupId: G.exclusions }]);
    expect(deltaActions({ kind: 'group', id: G.pim, removed: true, membersChanged: false }, ctx)).toEqual([{ kind: 'pimGroup', groupId: G.pim }, { kind: 'principalRoles', principalId: G.pim }]);
  });

  it('the groups delta tracks the groups enabled and report-only policies exclude, with the groups nested in them', () => {
    const policies = [
      { state: 'enabled', conditions: { users: { excludeGroups: ['G-EXCL'] } } },
      { state: 'enabledForReportingButNotEnforced', conditions: { users: { excludeGroups: ['g-report'] } } },
      { state: 'disabled', conditions: { users: { excludeGroups: ['g-off'] } } },
    ];
    const groups = new Map([['g-excl', { memberGroupIds: ['g-nested'] }]]);
    expect(deltaTrackedGroups(policies, groups)).toEqual(['g-excl', 'g-nested', 'g-report']);
  });

  it('dedupes reads', () => {
    expect(dedupeActions([{ kind: 'account', userId: 'a' }, { kind: 'account', userId: 'a' }, { kind: 'securityDefaults' }])).toHaveLength(2);
  });
});

describe('where the audit read starts', () => {
  const now = Date.parse('2026-12-10T12:00:00Z');
  it.each([
    ['after a feed run: its watermark less the overlap', { watermark: '2026-12-10T11:58:00Z', fullStarts: ['2026-12-10T06:00:00Z', '2026-12-10T06:00:00Z'] }, { kind: 'continue', since: '2026-12-10T11:43:00.000Z' }],
    ['the first run: the older full collection\'s start less the overlap', { fullStarts: ['2026-12-10T06:00:00Z', '2026-12-10T05:59:00Z'] }, { kind: 'continue', since: '2026-12-10T05:44:00.000Z' }],
  ] as const)('%s', (_n, input, expected) => {
    expect(feedStart({ ...input, now, overlapMinutes: 15 })).toEqual(expected);
  });

  it('no full collection yet, or a watermark beyond the retention: a full read', () => {
    expect(feedStart({ fullStarts: [undefined, '2026-12-10T06:00:00Z'], now, overlapMinutes: 15 })).toMatchObject({ kind: 'fullRead', reason: 'noFullCollection' });
    const old = new Date(now - (AUDIT_RETENTION_DAYS * 86_400_000 + 60_000)).toISOString();
    expect(feedStart({ watermark: old, fullStarts: [], now, overlapMinutes: 15 })).toMatchObject({ kind: 'fullRead', reason: 'beyondRetention' });
  });
});

describe('dedupe by id, ids kept for the overlap window only', () => {
  const e = (id: string, time: string): AuditEvent => ({ id, activity: 'Update user', category: null, time, result: 'success', initiatedBy: NOBODY, targets: [] });
  it('skips handled ids and keeps the ids the next window still reads', () => {
    const r = newEvents([e('a', '2026-12-10T11:50:00Z'), e('b', '2026-12-10T11:59:00Z'), e('c', '2026-12-10T11:30:00Z')], [{ id: 'a', at: '2026-12-10T11:50:00Z' }], Date.parse('2026-12-10T11:45:00Z'));
    expect(r.fresh.map((x) => x.id)).toEqual(['b', 'c']);
    expect(r.seen.map((s) => s.id)).toEqual(['b', 'a']);
  });

  it('keeps at most MAX_SEEN_IDS, newest first', () => {
    const many = Array.from({ length: MAX_SEEN_IDS + 10 }, (_, i) => e(`id${i}`, new Date(Date.parse('2026-12-10T11:00:00Z') + i * 100).toISOString()));
    const r = newEvents(many, [], 0);
    expect(r.seen).toHaveLength(MAX_SEEN_IDS);
    expect(r.seen[0]?.id).toBe(`id${MAX_SEEN_IDS + 9}`);
  });
});

describe('reconciliation', () => {
  it('what a full collection found is missed unless the feed saw an event about it after the collection started', () => {
    const changes = [
      { dataset: 'group', itemId: 'g1', objects: ['g1', 'carol'], summary: '' },
      { dataset: 'registration', itemId: 'alice', objects: ['alice'], summary: '' },
    ];
    const recent = [
      { at: '2026-12-10T06:03:00Z', objects: ['carol'] },
      { at: '2026-12-10T05:50:00Z', objects: ['alice'] },
    ];
    const late = objectsSeenAfter(recent, '2026-12-10T06:00:00Z');
    expect(missedChanges(changes, late).map((c) => c.itemId)).toEqual(['alice']);
    expect(trimRecent(recent, '2026-12-10T06:00:00Z')).toEqual([recent[0]]);
  });

  it('judges a full run once the feed has read past its start plus the overlap, and only if the feed ran before it', () => {
    const run = { runId: 'r1', collector: 'roles', startedAt: '2026-12-10T06:00:00Z', endedAt: '2026-12-10T06:04:00Z' };
    expect(reconcilable([run], { reconciled: {}, since: '2026-12-09T00:00:00Z' }, '2026-12-10T06:10:00Z', 15)).toEqual({ judge: [], skip: [] });
    expect(reconcilable([run], { reconciled: {}, since: '2026-12-09T00:00:00Z' }, '2026-12-10T06:16:00Z', 15)).toEqual({ judge: [run], skip: [] });
    expect(reconcilable([run], { reconciled: {}, since: '2026-12-10T06:01:00Z' }, '2026-12-10T06:16:00Z', 15)).toEqual({ judge: [], skip: [run] });
    expect(reconcilable([run], { reconciled: { roles: 'r1' }, since: '2026-12-09T00:00:00Z' }, '2026-12-10T07:00:00Z', 15)).toEqual({ judge: [], skip: [] });
  });

  it('the objects of a stored change: the item, its principal and group, the members that came or went', () => {
    expect(changeObjects('G1', { id: 'g1', memberUserIds: ['a', 'b'] }, { id: 'g1', memberUserIds: ['b', 'c'] }).sort()).toEqual(['a', 'c', 'g1']);
    expect(changeObjects('i1', undefined, { principalId: 'P', groupId: 'G' }).sort()).toEqual(['g', 'i1', 'p']);
  });

  it('instances that ended since the last run: their principals are read again', () => {
    const instances = [
      { principalId: 'a', endDateTime: '2026-12-10T11:59:00Z' },
      { principalId: 'b', endDateTime: '2026-12-10T11:00:00Z' },
      { principalId: 'c', endDateTime: null },
      { principalId: 'd', endDateTime: '2026-12-10T13:00:00Z' },
    ];
    expect(expiredPrincipals(instances, '2026-12-10T11:58:00Z', '2026-12-10T12:00:00Z')).toEqual(['a']);
  });
});
