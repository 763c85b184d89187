// The policies collector: Conditional Access policies, named locations, authentication strengths, security
// defaults and PIM activation settings (for the monitored roles and for role-holding PIM groups). Every
// version of each is kept whole in the `policies` history.
import { policyTargets } from '../core/conditions.js';
import { normId, sameEnum } from '../core/ids.js';
import { monitoredRoles } from '../core/inventory.js';
import type {
  AuthenticationStrengthPolicy,
  ConditionalAccessPolicy,
  GraphUser,
  NamedLocation,
  RoleManagementPolicyAssignment,
  SecurityDefaultsPolicy,
  UnifiedRoleDefinition,
} from '../core/graph-types.js';
import { describeFieldChange, diffFields } from '../core/policy-diff.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { toGraphError } from '../graph/gateway.js';
import type { DatasetSpec } from '../storage/state.js';
import { type SyncContext, loadValues, syncDataset } from '../storage/state.js';
import { type CollectorDeps, batchEach, groupsById, licenceErrorIsFailure, recordFailure, storedPimGroups, toSnapshotGroup, transitiveMembersOf } from './context.js';
import { collectExemptions } from './exemptions.js';
import { type RunRecord, beginRun } from './runs.js';
import { PARTITIONS, groupSpec } from './specs.js';


interface Named {
  id: string;
  displayName?: string | null;
}

/** Versioned policy-like dataset: each change is a new version, the old one stays readable. */
export function policySpec<T extends Named>(partition: string, label: string): DatasetSpec<T> {
  return {
    partition,
    id: (p) => normId(p.id),
    historyTable: 'policies',
    versions: true,
    describe: (change, before, after) => {
      const p = (after ?? before) as T;
      const name = `${label} '${p.displayName ?? p.id}'`;
      if (change !== 'changed') return `${change}: ${name}`;
      const fields = diffFields(before, after).map(describeFieldChange);
      return `changed: ${name}: ${fields.slice(0, 6).join('; ')}${fields.length > 6 ? `; … ${fields.length - 6} more` : ''}`;
    },
  };
}

export async function collectPolicies(deps: CollectorDeps, trigger = 'timer'): Promise<RunRecord> {
  const { graph, store, settings, log } = deps;
  const run = await beginRun(deps, 'policies', trigger, 'policies');
  const { tracker, counts, sync: ctx } = run;
  const sync = <T>(spec: DatasetSpec<T>, items: T[]) => syncDataset(store, spec, items, ctx);

  // Conditional Access: policies and named locations (1 request / s per tenant; the gateway paces).
  try {
    const policies = await graph.all<ConditionalAccessPolicy>('/identity/conditionalAccess/policies');
    const locations = await graph.all<NamedLocation>('/identity/conditionalAccess/namedLocations');
    const r = await sync(policySpec<ConditionalAccessPolicy>(PARTITIONS.caPolicy, 'policy'), policies);
    await sync(policySpec<NamedLocation>(PARTITIONS.namedLocation, 'named location'), locations);
    counts.policies = policies.length;
    counts.namedLocations = locations.length;
    tracker.ok('conditionalAccess', { items: policies.length, added: r.added, changed: r.changed, removed: r.removed });
    // Alone (a timer), read the admins' membership of newly named groups now; in a cycle the roles collector
    // running alongside reads them once these policies are stored.
    if (!deps.pipeline) await watchNewGroups(deps, policies, ctx).catch((e: unknown) => {
      // The policies are stored; the roles collector reads these groups on its next run.
      log.warn(`admins' membership of groups newly named by Conditional Access not read: ${toGraphError(e, 'groups').message}`);
    });
  } catch (e) {
    recordFailure(tracker, 'conditionalAccess', e, log);
  } finally {
    deps.pipeline?.done('policiesStored');
  }

  try {
    const strengths = await graph.all<AuthenticationStrengthPolicy>('/policies/authenticationStrengthPolicies');
    // Built-in strengths are in the catalog; only custom ones are tenant data.
    const custom = strengths.filter((s) => !sameEnum(s.policyType, 'builtIn'));
    await sync(policySpec<AuthenticationStrengthPolicy>(PARTITIONS.authStrength, 'authentication strength'), custom);
    tracker.ok('authenticationStrengths', { items: custom.length });
  } catch (e) {
    recordFailure(tracker, 'authenticationStrengths', e, log);
  }

  try {
    const sd = await graph.get<SecurityDefaultsPolicy & { displayName?: string }>('/policies/identitySecurityDefaultsEnforcementPolicy');
    const value = { id: 'securityDefaults', displayName: 'Security defaults', isEnabled: sd.isEnabled === true };
    await sync(policySpec<typeof value>(PARTITIONS.securityDefaults, 'setting'), [value]);
    tracker.ok('securityDefaults', { items: 1 });
  } catch (e) {
    recordFailure(tracker, 'securityDefaults', e, log);
  }

  // PIM activation settings: monitored roles at tenant scope, and role-holding PIM groups.
  await deps.pipeline?.wait('rolesStored');
  try {
    const definitions = await loadValues<UnifiedRoleDefinition>(store, PARTITIONS.roleDefinition);
    const monitored = monitoredRoles(settings.adminRoles, { roleDefinitions: definitions });
    const settingsList: RoleManagementPolicyAssignment[] = [];
    try {
      const roleSettings = await graph.all<RoleManagementPolicyAssignment>("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)");
      settingsList.push(...roleSettings.filter((a) => monitored.has(normId(a.roleDefinitionId ?? ''))));
      const pimGroups = await storedPimGroups(store);
      if (pimGroups.size > 0) {
        const requests = [...pimGroups].map((g) => ({ id: g, url: `/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${g}' and scopeType eq 'Group'&$expand=policy($expand=rules)` }));
        for await (const [, items] of batchEach<RoleManagementPolicyAssignment>(graph, requests)) settingsList.push(...items.filter((a) => sameEnum(a.roleDefinitionId, 'member')));
      }
      const named = settingsList.map((a) => ({ ...a, displayName: a.policy?.displayName ?? `${a.scopeType} ${a.roleDefinitionId ?? a.scopeId}` }));
      await sync(policySpec<(typeof named)[number]>(PARTITIONS.pimSetting, 'PIM setting'), named);
      tracker.ok('pimSettings', { items: named.length });
    } catch (e) {
      const err = toGraphError(e, 'pimSettings');
      if (err.isLicenseError && !licenceErrorIsFailure(run.previous, 'pimSettings')) tracker.notLicensed('pimSettings', err.message);
      else throw err;
    }
  } catch (e) {
    recordFailure(tracker, 'pimSettings', e, log);
  }

  // Who can change the policies' exclusions (after the roles are stored: it reads their groups and role holders).
  let auditWatermark: string | undefined = run.previous?.watermark;
  try {
    auditWatermark = await collectExemptions(deps, run);
  } catch (e) {
    for (const d of ['exclusionGroups', 'exclusionPimOwners', 'administrativeUnits', 'appPermissions', 'controllers', 'directoryAudits'] as const) if (!tracker.datasets[d]) recordFailure(tracker, d, e, log);
  }
  return run.finish(auditWatermark ? { watermark: auditWatermark } : {});
}

/**
 * A policy that starts to name a group the roles collector has not read yet: read the admins' membership of
 * it now, so the next evaluation does not have to call the admins' coverage unknown.
 */
async function watchNewGroups(deps: CollectorDeps, policies: ConditionalAccessPolicy[], ctx: SyncContext): Promise<void> {
  const { graph, store } = deps;
  const known = new Set((await loadValues<SnapshotGroup>(store, PARTITIONS.group)).map((g) => g.id));
  const unresolved = new Set((await loadValues<{ id: string }>(store, PARTITIONS.unresolved)).map((u) => u.id));
  const fresh = [...policyTargets(policies).groups].filter((g) => !known.has(g) && !unresolved.has(g));
  if (fresh.length === 0) return;
  const admins = new Set((await loadValues<GraphUser>(store, PARTITIONS.user)).map((u) => normId(u.id)));
  if (admins.size === 0) return;
  const read = await transitiveMembersOf(graph, fresh, 'id', (_g, userId) => admins.has(userId));
  const details = new Map((await groupsById(graph, [...read.members.keys()])).map((g) => [normId(g.id), g]));
  const added = [...read.members].map(([id, lists]) => toSnapshotGroup(id, lists, 'admins', details.get(id)));
  // Only the new groups: the roles collector owns the rest and may be writing it right now.
  await syncDataset(store, groupSpec(), added, ctx, { keepUnseen: true });
  deps.log.info(`read admins' membership of ${read.members.size} group(s) newly named by Conditional Access`);
}
