// Group membership as Graph's transitiveMembers answers it, computed by the simulated tenant itself (not by
// the app): a breadth-first walk of the fixture's direct member lists, nested groups listed and expanded,
// each object once, cycles tolerated. Graph's order is unspecified; users come first, then groups, then
// service principals, each in the order the walk reached them.
import type { FixtureGroup } from '../fixture/format.js';

export type MemberKind = 'user' | 'group' | 'servicePrincipal' | 'other';

export interface Membership {
  /** Kind of any directory object id (lower case), 'other' when the fixture has no such object. */
  kindOf(id: string): MemberKind;
  /** Transitive members of a group by kind, each once; `other` holds ids that resolve to nothing. */
  transitive(groupId: string): Record<MemberKind, string[]>;
}

export function membership(fixture: { users?: Array<{ id: string }>; groups?: FixtureGroup[]; servicePrincipals?: Array<{ id: string }> }): Membership {
  const kinds = new Map<string, MemberKind>();
  for (const u of fixture.users ?? []) kinds.set(u.id.toLowerCase(), 'user');
  for (const s of fixture.servicePrincipals ?? []) kinds.set(s.id.toLowerCase(), 'servicePrincipal');
  const direct = new Map<string, string[]>();
  for (const g of fixture.groups ?? []) {
    kinds.set(g.id.toLowerCase(), 'group');
    direct.set(g.id.toLowerCase(), (g.members ?? []).map((m) => m.toLowerCase()));
  }
  const kindOf = (id: string): MemberKind => kinds.get(id.toLowerCase()) ?? 'other';
  return {
    kindOf,
    transitive(groupId) {
      const out: Record<MemberKind, string[]> = { user: [], group: [], servicePrincipal: [], other: [] };
      const start = groupId.toLowerCase();
      const visited = new Set([start]);
      let frontier = [start];
      while (frontier.length > 0) {
        const next: string[] = [];
        for (const group of frontier) {
          for (const member of direct.get(group) ?? []) {
            if (visited.has(member)) continue;
            visited.add(member);
            const kind = kindOf(member);
            out[kind].push(member);
            if (kind === 'group') next.push(member);
          }
        }
        frontier = next;
      }
      return out;
    },
  };
}
