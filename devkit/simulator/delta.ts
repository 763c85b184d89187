// `users/delta` and `groups/delta` as Graph documents them (Learn: delta-query-overview, user-delta, group-delta):
// a first round that pages through every object (or, with `$deltatoken=latest`, no objects at all) and ends
// with an `@odata.deltaLink`; later rounds with that link return only what changed since, each changed object
// with its selected properties (a group's direct members that came or went in `members@delta`), deleted ones as
// `@removed`. `$select` limits which properties are tracked; `$filter=id eq '…' or id eq '…'` (at most 50) which
// objects. A link older than the lifetime (Graph: 7 days for directory objects) is refused with 410 Gone,
// `syncStateNotFound`: the client must start over. State lives in the links (the server keeps none), over the
// change log the tenant's edits write (changes.ts).
import type { ChangeTracker, DeltaEntry } from './changes.js';
import { GraphHttpError, badRequest, unsupportedQuery } from './errors.js';
import type { FilterNode } from './filter.js';
import { compileFilter } from './filter.js';
import type { RawQuery } from './query.js';
import type { Item, TenantIndex } from './tenant.js';

export type DeltaResource = 'users' | 'groups';

const PAGE = 100;
const MAX_IDS = 50;

interface LinkState {
  /** resource */
  r: DeltaResource;
  /** change-log position the round starts after (`s`) and ends at (`e`) */
  s: number;
  e?: number;
  /** when the state was issued (simulated ms) */
  t: number;
  sel: string[] | null;
  ids: string[] | null;
  /** initial round: every object; else the changes after `s` */
  init?: boolean;
  /** page offset and number (skiptoken pages) */
  o?: number;
  p?: number;
}

const encode = (s: LinkState): string => Buffer.from(JSON.stringify(s), 'utf8').toString('base64url');

function decode(value: string, resource: DeltaResource, kind: 'delta' | 'skip'): LinkState {
  let state: LinkState | undefined;
  try {
    state = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as LinkState;
  } catch {
    state = undefined;
  }
  if (!state || state.r !== resource || typeof state.s !== 'number' || typeof state.t !== 'number') {
    throw badRequest(`The ${kind === 'delta' ? 'delta' : 'skip'} token '${value.slice(0, 40)}' is not valid for this request.`, kind === 'delta' ? 'syncStateInvalid' : 'Request_BadRequest');
  }
  return state;
}

/** The ids of `id eq '…' or id eq '…'`; anything else is refused, as Graph refuses other filters on delta. */
function filterIds(text: string, resource: DeltaResource): string[] {
  const node: FilterNode = compileFilter(text, { resource: `microsoft.graph.${resource === 'users' ? 'user' : 'group'}`, allowOr: true, properties: { id: { type: 'string', ops: ['eq'] } } }, resource);
  const ids: string[] = [];
  const walk = (n: FilterNode): void => {
    if (n.type === 'or') {
      walk(n.left);
      walk(n.right);
    } else if (n.type === 'compare' && n.op === 'eq' && n.path === 'id' && n.value.kind === 'string') ids.push(n.value.value.toLowerCase());
    else throw unsupportedQuery("Only $filter=id eq '{id}' (or several joined by 'or') is supported on delta.");
  };
  walk(node);
  if (ids.length > MAX_IDS) throw badRequest(`The filter names ${ids.length} objects; delta accepts at most ${MAX_IDS}.`);
  return ids;
}

interface Net {
  id: string;
  first: number;
  removed: boolean;
  properties: Set<string>;
  added: Set<string>;
  dropped: Set<string>;
}

/** The change log after `from` up to `to`, one net change per object (members that came and went cancel out). */
function netChanges(log: readonly DeltaEntry[], kind: 'user' | 'group', from: number, to: number, ids: ReadonlySet<string> | null): Net[] {
  const out = new Map<string, Net>();
  for (const e of log) {
    if (e.seq <= from || e.seq > to || e.kind !== kind || (ids && !ids.has(e.id))) continue;
    let n = out.get(e.id);
    if (!n) out.set(e.id, (n = { id: e.id, first: e.seq, removed: false, properties: new Set(), added: new Set(), dropped: new Set() }));
    n.removed = e.removed;
    for (const p of e.properties) n.properties.add(p);
    for (const m of e.membersAdded) if (!n.dropped.delete(m)) n.added.add(m);
    for (const m of e.membersRemoved) if (!n.added.delete(m)) n.dropped.add(m);
  }
  return [...out.values()].sort((a, b) => a.first - b.first);
}

function pick(object: Item, select: string[] | null): Item {
  const { members: _m, owners: _o, ...rest } = object;
  if (!select) return rest;
  const out: Item = { id: rest.id };
  for (const k of select) if (k !== 'members' && k in rest) out[k] = rest[k];
  return out;
}

function memberRef(tenant: TenantIndex, id: string, removed: boolean): Item {
  const kind = tenant.members.kindOf(id);
  return { '@odata.type': `#microsoft.graph.${kind === 'group' ? 'group' : kind === 'servicePrincipal' ? 'servicePrincipal' : 'user'}`, id, ...(removed ? { '@removed': { reason: 'deleted' } } : {}) };
}

export interface DeltaRequest {
  resource: DeltaResource;
  raw: RawQuery;
  tenant: TenantIndex;
  changes: ChangeTracker;
  now: number;
  /** e.g. http://127.0.0.1:1234/v1.0/users/delta */
  linkBase: string;
}

function parse(req: DeltaRequest): { state: LinkState; kind: 'latest' | 'initial' | 'changes' } {
  const allowed = new Set(['$select', '$filter', '$deltatoken', '$skiptoken']);
  for (const [k] of req.raw) if (!allowed.has(k)) throw badRequest(`Query option '${k}' is not supported on delta.`);
  const get = (k: string): string | undefined => req.raw.find(([key]) => key === k)?.[1];
  const skip = get('$skiptoken');
  const delta = get('$deltatoken');
  if (skip !== undefined || (delta !== undefined && delta.toLowerCase() !== 'latest')) {
    if (get('$select') !== undefined || get('$filter') !== undefined) throw badRequest('Query options are fixed by the first request of a delta round; use the nextLink or deltaLink as it is.');
    if (skip !== undefined && delta !== undefined) throw badRequest('$skiptoken and $deltatoken cannot be used together.');
    const state = decode((skip ?? delta) as string, req.resource, skip !== undefined ? 'skip' : 'delta');
    if (req.now - state.t > req.changes.deltaLifetimeMs) {
      throw new GraphHttpError(410, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
    }
    return { state, kind: state.init ? 'initial' : 'changes' };
  }
  const sel = get('$select')?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
  const filter = get('$filter');
  const state: LinkState = { r: req.resource, s: req.changes.seq, t: req.now, sel, ids: filter !== undefined ? filterIds(filter, req.resource) : null };
  return { state, kind: delta !== undefined ? 'latest' : 'initial' };
}

/** The answer to one delta request (a page of a round). */
export function deltaAnswer(req: DeltaRequest): Record<string, unknown> {
  const { state, kind } = parse(req);
  const end = state.e ?? req.changes.seq;
  const link = (param: '$skiptoken' | '$deltatoken', s: LinkState): string => `${req.linkBase}?${param}=${encode(s)}`;
  const deltaLink = (): Record<string, unknown> => ({ '@odata.deltaLink': link('$deltatoken', { r: state.r, s: end, t: req.now, sel: state.sel, ids: state.ids }) });
  if (kind === 'latest') return { value: [], ...deltaLink() };
  const ids = state.ids ? new Set(state.ids) : null;
  const select = state.sel;
  const tracksMembers = req.resource === 'groups' && (!select || select.includes('members'));
  let items: Item[];
  if (kind === 'initial') {
    const all = (req.resource === 'users' ? req.tenant.fixture.users : req.tenant.fixture.groups) ?? [];
    items = (all as Item[])
      .filter((o) => !ids || ids.has(String(o.id).toLowerCase()))
      .map((o) => ({ ...pick(o, select), ...(tracksMembers ? { 'members@delta': ((o.members as string[] | undefined) ?? []).map((m) => memberRef(req.tenant, m.toLowerCase(), false)) } : {}) }));
  } else {
    const wanted = (n: Net): boolean => {
      if (n.removed) return true;
      const props = [...n.properties].filter((p) => !select || select.includes(p));
      return props.length > 0 || (tracksMembers && n.added.size + n.dropped.size > 0);
    };
    items = [];
    for (const n of netChanges(req.changes.log, req.resource === 'users' ? 'user' : 'group', state.s, end, ids)) {
      if (!wanted(n)) continue;
      const object = req.tenant.entry(req.resource === 'users' ? 'user' : 'group', n.id)?.object;
      if (n.removed || !object) {
        items.push({ id: n.id, '@removed': { reason: 'changed' } });
        continue;
      }
      const members = tracksMembers && n.added.size + n.dropped.size > 0 ? { 'members@delta': [...[...n.added].map((m) => memberRef(req.tenant, m, false)), ...[...n.dropped].map((m) => memberRef(req.tenant, m, true))] } : {};
      items.push({ ...pick(object, select), ...members });
    }
  }
  const offset = state.o ?? 0;
  const page = items.slice(offset, offset + PAGE);
  const context = { '@odata.context': `${req.linkBase.replace(/\/(users|groups)\/delta$/i, '')}/$metadata#${req.resource}` };
  if (offset + PAGE < items.length) {
    return { ...context, '@odata.nextLink': link('$skiptoken', { ...state, e: end, init: kind === 'initial', o: offset + PAGE, p: (state.p ?? 1) + 1 }), value: page };
  }
  return { ...context, value: page, ...deltaLink() };
}
