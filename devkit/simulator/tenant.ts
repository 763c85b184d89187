// The fixture, indexed once per setFixture: directory objects by id, transitive members per group (on
// first use), sign-ins newest first, merged built-in + custom catalogues, and a small cache of filtered
// result lists so paging a 100k-item collection costs one filter pass, not one per page.
import type { TenantFixture } from '../fixture/format.js';
import { fixtureHasPim } from '../fixture/format.js';
import type { FixtureRecommendation, FixtureRegistration, FixtureSignIn } from '../fixture/schema.js';
import { BUILT_IN_CONTROL_PROFILES, BUILT_IN_DIRECTORY_ROLES, BUILT_IN_ROLE_ACTIONS, BUILT_IN_STRENGTHS, MICROSOFT_GRAPH_APP_ID, MICROSOFT_GRAPH_APP_ROLES, MICROSOFT_GRAPH_SP_ID, isPrivilegedBuiltIn } from './builtins.js';
import { type Membership, membership } from './membership.js';

type SignIn = FixtureSignIn;
type UserRegistrationDetails = FixtureRegistration;
const normId = (id: string): string => id.toLowerCase();

export type DirectoryType = 'user' | 'group' | 'servicePrincipal';

export interface DirectoryEntry {
  type: DirectoryType;
  object: Record<string, unknown>;
}

export type Item = Record<string, unknown>;

const ODATA_TYPE: Record<DirectoryType, string> = {
  user: '#microsoft.graph.user',
  group: '#microsoft.graph.group',
  servicePrincipal: '#microsoft.graph.servicePrincipal',
};

/** A directory object as Graph returns it: `@odata.type` first, without the fixture-only `members`. */
export function toDirectoryObject(entry: DirectoryEntry): Item {
  const { ['@odata.type']: _type, ...rest } = entry.object;
  if (entry.type === 'group') delete rest.members;
  return { '@odata.type': ODATA_TYPE[entry.type], ...rest };
}

const QUERY_CACHE_LIMIT = 64;

/** Members Graph added after `unknownFutureValue` in the enums a sign-in carries (Graph signIn, appliedConditionalAccessPolicy). */
const EVOLVABLE_RESULTS = new Set(['reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyNotApplied', 'reportOnlyInterrupted']);
const EVOLVABLE_CONDITIONS = new Set(['servicePrincipals', 'servicePrincipalRisk']);

function withoutEvolvableFlags(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const parts = value.split(',').map((v) => v.trim());
  return parts.some((p) => EVOLVABLE_CONDITIONS.has(p)) ? [...new Set(parts.map((p) => (EVOLVABLE_CONDITIONS.has(p) ? 'unknownFutureValue' : p)))].join(',') : value;
}

function serveSignIn(s: SignIn, version: 'v1.0' | 'beta', unknownEnums: boolean): Item {
  const types = (s.signInEventTypes as string[] | null | undefined) ?? null;
  const interactive = types ? types.some((t) => t.toLowerCase() === 'interactiveuser') || !types.some((t) => t.toLowerCase() === 'noninteractiveuser') : s.isInteractive !== false;
  const out: Item = { ...s, isInteractive: interactive };
  if (version === 'beta') out.signInEventTypes = types ?? [interactive ? 'interactiveUser' : 'nonInteractiveUser'];
  else delete out.signInEventTypes;
  if (!unknownEnums && Array.isArray(s.appliedConditionalAccessPolicies)) {
    out.appliedConditionalAccessPolicies = s.appliedConditionalAccessPolicies.map((p) => ({
      ...p,
      result: typeof p.result === 'string' && EVOLVABLE_RESULTS.has(p.result) ? 'unknownFutureValue' : p.result,
      ...('conditionsSatisfied' in p ? { conditionsSatisfied: withoutEvolvableFlags(p.conditionsSatisfied) } : {}),
      ...('conditionsNotSatisfied' in p ? { conditionsNotSatisfied: withoutEvolvableFlags(p.conditionsNotSatisfied) } : {}),
    }));
  }
  return out;
}

export class TenantIndex {
  readonly hasPim: boolean;
  readonly members: Membership;
  private readonly directory = new Map<string, DirectoryEntry>();
  private readonly transitive = new Map<string, DirectoryEntry[]>();
  private readonly queryCache = new Map<string, readonly unknown[]>();
  private signInsNewestFirst?: SignIn[];
  private readonly served = new Map<string, readonly Item[]>();
  private registrationById?: Map<string, UserRegistrationDetails>;
  private roleDefinitionList?: Item[];
  private strengthList?: Item[];
  private secureScoreList?: Item[];
  private servicePrincipalList?: Item[];
  private userGroups?: Map<string, string[]>;
  private auditList?: Item[];

  constructor(readonly fixture: TenantFixture) {
    this.hasPim = fixtureHasPim(fixture);
    this.members = membership(fixture);
    for (const user of fixture.users ?? []) this.directory.set(normId(user.id), { type: 'user', object: user });
    for (const group of fixture.groups ?? []) this.directory.set(normId(group.id), { type: 'group', object: group });
    for (const sp of fixture.servicePrincipals ?? []) this.directory.set(normId(sp.id), { type: 'servicePrincipal', object: sp });
  }

  /** A user, group or service principal with `@odata.type`, or null when the id resolves to nothing. */
  directoryObject(id: string): Item | null {
    const entry = this.directory.get(normId(id));
    return entry ? toDirectoryObject(entry) : null;
  }

  /** The fixture object of this type with this id (as stored, no `@odata.type`), if any. */
  entry(type: DirectoryType, id: string): DirectoryEntry | undefined {
    const entry = this.directory.get(normId(id));
    return entry?.type === type ? entry : undefined;
  }

  hasGroup(id: string): boolean {
    return this.members.kindOf(id) === 'group';
  }

  /** Members at any depth (users, then groups, then service principals), see membership.ts. */
  transitiveMembersOf(groupId: string): readonly DirectoryEntry[] {
    const id = normId(groupId);
    let list = this.transitive.get(id);
    if (!list) {
      const members = this.members.transitive(id);
      list = [...members.user, ...members.group, ...members.servicePrincipal].map((m) => this.directory.get(m) as DirectoryEntry);
      this.transitive.set(id, list);
    }
    return list;
  }

  /** Built-in roles (builtins.ts), then custom ones; a fixture entry with a built-in id replaces it. */
  roleDefinitions(): readonly Item[] {
    if (!this.roleDefinitionList) {
      const list: Item[] = BUILT_IN_DIRECTORY_ROLES.map(([templateId, displayName, privileged]) => ({
        id: templateId,
        description: `Built-in role: ${displayName}.`,
        displayName,
        isBuiltIn: true,
        isEnabled: true,
        isPrivileged: privileged,
        resourceScopes: ['/'],
        templateId,
        version: '1',
        rolePermissions: [{ allowedResourceActions: [...(BUILT_IN_ROLE_ACTIONS[templateId] ?? [])], condition: null }],
      }));
      const position = new Map(list.map((r, i) => [normId(r.id as string), i]));
      for (const def of this.fixture.roleDefinitions ?? []) {
        const item: Item = {
          isBuiltIn: false,
          isEnabled: true,
          templateId: def.id,
          ...def,
          isPrivileged: def.isPrivileged ?? isPrivilegedBuiltIn(def.id) ?? false,
        };
        const at = position.get(normId(def.id));
        if (at !== undefined) list[at] = item;
        else list.push(item);
      }
      this.roleDefinitionList = list;
    }
    return this.roleDefinitionList;
  }

  /** Built-in strengths (builtins.ts) plus the fixture's (a fixture entry with a built-in id replaces it). */
  authenticationStrengths(): readonly Item[] {
    if (!this.strengthList) {
      const list: Item[] = BUILT_IN_STRENGTHS.map((s) => ({
        id: s.id,
        displayName: s.displayName,
        policyType: 'builtIn',
        requirementsSatisfied: 'mfa',
        description: `Built-in authentication strength: ${s.displayName}.`,
        allowedCombinations: [...s.allowedCombinations],
      }));
      const position = new Map(list.map((s, i) => [normId(s.id as string), i]));
      for (const s of this.fixture.authenticationStrengthPolicies ?? []) {
        const item: Item = { policyType: 'custom', ...s };
        const at = position.get(normId(s.id));
        if (at !== undefined) list[at] = item;
        else list.push(item);
      }
      this.strengthList = list;
    }
    return this.strengthList;
  }

  /** Sign-ins newest first (Graph's order); entries with an unreadable date last. */
  signIns(): readonly SignIn[] {
    if (!this.signInsNewestFirst) {
      const time = (s: SignIn): number => {
        const t = Date.parse(s.createdDateTime);
        return Number.isNaN(t) ? -Infinity : t;
      };
      this.signInsNewestFirst = (this.fixture.signIns ?? [])
        .map((s) => ({ s, t: time(s) }))
        .sort((a, b) => b.t - a.t)
        .map((x) => x.s);
    }
    return this.signInsNewestFirst;
  }

  /**
   * Sign-ins newest first as a version serves them: `isInteractive` always set; beta carries `signInEventTypes`
   * (v1.0 has no such property); without `Prefer: include-unknown-enum-members` the evolvable enum members
   * (report-only results, the service-principal condition flags) read `unknownFutureValue`, as Graph sends them.
   */
  servedSignIns(version: 'v1.0' | 'beta', unknownEnums: boolean): readonly Item[] {
    const key = `${version}|${unknownEnums}`;
    let list = this.served.get(key);
    if (!list) {
      list = this.signIns().map((s) => serveSignIn(s, version, unknownEnums));
      this.served.set(key, list);
    }
    return list;
  }

  /** Secure Score days newest first (`$top=1` is the latest, as Graph answers). */
  secureScores(): readonly Item[] {
    this.secureScoreList ??= [...(this.fixture.secureScores ?? [])].sort((a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime)) as Item[];
    return this.secureScoreList;
  }

  /** A control profile by id or control name (case-insensitive), else the built-in AdminMFAV2 profile. */
  controlProfile(id: string): Item | undefined {
    const wanted = id.toLowerCase();
    const own = (this.fixture.secureScoreControlProfiles ?? []).find((p) => p.id.toLowerCase() === wanted || (p.controlName ?? '').toLowerCase() === wanted);
    if (own) return own as Item;
    return BUILT_IN_CONTROL_PROFILES.find((p) => String(p.id).toLowerCase() === wanted);
  }

  recommendation(id: string): FixtureRecommendation | undefined {
    return (this.fixture.directoryRecommendations ?? []).find((r) => r.id.toLowerCase() === id.toLowerCase());
  }

  /** users/{id}/authentication/requirements: a user the fixture does not list is `disabled` (Graph's default). */
  authenticationRequirements(userId: string): Item | undefined {
    if (!this.entry('user', userId)) return undefined;
    const own = Object.entries(this.fixture.authenticationRequirements ?? {}).find(([id]) => normId(id) === normId(userId))?.[1];
    return { '@odata.type': '#microsoft.graph.strongAuthenticationRequirements', perUserMfaState: own?.perUserMfaState ?? 'disabled' };
  }

  /** Service principals: the fixture's, and Microsoft Graph's own (with its app roles) unless the fixture has it. */
  servicePrincipals(): readonly Item[] {
    this.servicePrincipalList ??= (() => {
      const own = (this.fixture.servicePrincipals ?? []) as Item[];
      if (own.some((sp) => String(sp.appId ?? '').toLowerCase() === MICROSOFT_GRAPH_APP_ID)) return own;
      const graph: Item = { id: MICROSOFT_GRAPH_SP_ID, appId: MICROSOFT_GRAPH_APP_ID, displayName: 'Microsoft Graph', servicePrincipalType: 'Application', appRoles: MICROSOFT_GRAPH_APP_ROLES.map((r) => ({ ...r, displayName: r.value, allowedMemberTypes: ['Application'], isEnabled: true })) };
      return [...own, graph];
    })();
    return this.servicePrincipalList;
  }

  /** The owners of a group, as directory objects (an id the fixture does not have comes back typeless). */
  ownersOf(groupId: string): Item[] {
    const group = this.entry('group', groupId)?.object as { owners?: string[] } | undefined;
    return (group?.owners ?? []).map((id) => this.directoryObject(id) ?? { id });
  }

  /** The administrative units an object is a member of (directly). */
  unitsOf(objectId: string): Item[] {
    const id = normId(objectId);
    return (this.fixture.administrativeUnits ?? []).filter((u) => (u.members ?? []).some((m) => normId(m) === id)).map(({ members: _m, ...unit }) => ({ '@odata.type': '#microsoft.graph.administrativeUnit', ...unit }) as Item);
  }

  /** The groups a user is in, at any depth (the inverse of transitiveMembersOf). */
  groupsOfUser(userId: string): Item[] {
    const id = normId(userId);
    this.userGroups ??= (() => {
      const map = new Map<string, string[]>();
      for (const g of this.fixture.groups ?? []) for (const u of this.members.transitive(g.id).user) map.set(u, [...(map.get(u) ?? []), normId(g.id)]);
      return map;
    })();
    return (this.userGroups.get(id) ?? []).map((g) => this.directoryObject(g) as Item);
  }

  /** Directory audit events newest first. */
  directoryAudits(): readonly Item[] {
    this.auditList ??= [...(this.fixture.directoryAudits ?? [])].sort((a, b) => Date.parse(b.activityDateTime) - Date.parse(a.activityDateTime)) as Item[];
    return this.auditList;
  }

  registrationDetail(userId: string): UserRegistrationDetails | undefined {
    if (!this.registrationById) {
      this.registrationById = new Map((this.fixture.userRegistrationDetails ?? []).map((r) => [normId(r.id), r]));
    }
    return this.registrationById.get(normId(userId));
  }

  /** Memoises a filtered list for this fixture (bounded; oldest entry evicted first). */
  cached<T>(key: string, compute: () => readonly T[]): readonly T[] {
    const hit = this.queryCache.get(key);
    if (hit) return hit as readonly T[];
    const value = compute();
    if (this.queryCache.size >= QUERY_CACHE_LIMIT) {
      const oldest = this.queryCache.keys().next().value as string;
      this.queryCache.delete(oldest);
    }
    this.queryCache.set(key, value);
    return value;
  }
}
