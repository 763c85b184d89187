// History queries: one implementation behind GET /api/history/{dataset} and `admin-mfa-monitor history`.
// Every parameter is validated (400 with what is wrong, never 500); every table query is built with the
// `odata` tag, and keys derived from input are escaped like stored keys, so no input can change a query.
import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { BUILT_IN_ROLES } from '../core/catalog.js';
import type { GraphUser, UnifiedRoleDefinition } from '../core/graph-types.js';
import { isGuid, normId } from '../core/ids.js';
import { type FieldChange, describeFieldChange, diffFields } from '../core/policy-diff.js';
import { PARTITIONS } from '../collect/specs.js';
import type { RunRecord } from '../collect/runs.js';
import { decodeJson, escapeKey, newestFirstKey, timeFromNewestFirstKey, unescapeKey } from '../storage/codec.js';
import { loadValues } from '../storage/state.js';
import { nameIndex, withNames } from './names.js';
import type { StoredEntity, TableName, TableStore } from '../storage/tables.js';

export const HISTORY_DATASETS = ['admins', 'assignments', 'activations', 'signins', 'policies', 'findings', 'alerts', 'runs'] as const;
export type HistoryDataset = (typeof HISTORY_DATASETS)[number];

export const MAX_TOP = 500;
export const DEFAULT_TOP = 50;

export class HistoryQueryError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'HistoryQueryError';
  }
}


const querySchema = z
  .object({
    from: z.iso.datetime({ offset: true, message: 'from: expected an ISO 8601 date-time such as 2026-11-01T00:00:00Z' }).optional(),
    to: z.iso.datetime({ offset: true, message: 'to: expected an ISO 8601 date-time such as 2026-11-25T00:00:00Z' }).optional(),
    principal: z
      .string()
      .trim()
      .min(2, 'principal: expected an object id, a user principal name (or the start of one) or a display name')
      .max(256, 'principal: at most 256 characters')
      .refine((v) => !/[\u0000-\u001f]/.test(v), 'principal: control characters are not allowed')
      .optional(),
    role: z
      .string()
      .trim()
      .refine((v) => isGuid(v) || /^[A-Za-z][A-Za-z0-9 ()\-]{1,100}$/.test(v), 'role: expected a role template id (GUID) or a role name')
      .optional(),
    policy: z.string().trim().refine(isGuid, 'policy: expected a policy id (GUID)').optional(),
    type: z.string().trim().regex(/^[a-zA-Z][a-zA-Z-]{1,60}$/, 'type: expected a finding type or collector name such as admin-unprotected or roles').optional(),
    severity: z.enum(['high', 'medium', 'low'], { message: 'severity: expected high, medium or low' }).optional(),
    requirement: z.enum(['single', 'multi'], { message: 'requirement: expected single or multi (single-factor or multifactor authentication required)' }).optional(),
    result: z.enum(['success', 'failure', 'interrupted'], { message: 'result: expected success, failure or interrupted' }).optional(),
    top: z
      .string()
      .regex(/^\d+$/, 'top: expected a whole number')
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_TOP, `top: expected 1 to ${MAX_TOP}`)
      .optional(),
    continuation: z.string().regex(/^[A-Za-z0-9+/=_\-.:|~]{1,2000}$/, 'continuation: not a token this API issued').optional(),
    format: z.enum(['json', 'csv'], { message: 'format: expected json or csv' }).optional(),
  })
  .strict();

export interface HistoryQuery {
  from?: string;
  to?: string;
  principal?: string;
  role?: string;
  policy?: string;
  type?: string;
  severity?: 'high' | 'medium' | 'low';
  requirement?: 'single' | 'multi';
  result?: 'success' | 'failure' | 'interrupted';
  top: number;
  continuation?: string;
  /** `csv`: the page as CSV; json by default. */
  format?: 'json' | 'csv';
}

/** Which parameters each dataset understands; others are refused, not ignored. */
const ALLOWED: Record<HistoryDataset, ReadonlyArray<keyof HistoryQuery>> = {
  admins: ['from', 'to', 'principal', 'top', 'continuation'],
  assignments: ['from', 'to', 'principal', 'role', 'top', 'continuation'],
  activations: ['from', 'to', 'principal', 'role', 'top', 'continuation'],
  signins: ['from', 'to', 'principal', 'policy', 'requirement', 'result', 'top', 'continuation'],
  policies: ['from', 'to', 'policy', 'type', 'top', 'continuation'],
  findings: ['from', 'to', 'principal', 'type', 'severity', 'top', 'continuation'],
  alerts: ['from', 'to', 'top', 'continuation'],
  runs: ['from', 'to', 'type', 'top', 'continuation'],
};

export function parseHistoryQuery(dataset: string, params: Record<string, string | undefined>): { dataset: HistoryDataset; query: HistoryQuery } {
  const problems: string[] = [];
  if (!HISTORY_DATASETS.includes(dataset as HistoryDataset)) {
    throw new HistoryQueryError([`dataset: expected one of ${HISTORY_DATASETS.join(', ')}, got '${dataset.slice(0, 50)}'`]);
  }
  const d = dataset as HistoryDataset;
  const present = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  // Functions keys travel as ?code=: not a query parameter of this API.
  delete present.code;
  const parsed = querySchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') problems.push(`unknown parameter(s): ${issue.keys.join(', ')}; ${d} accepts ${ALLOWED[d].join(', ')}`);
      else problems.push(issue.message.includes(':') ? issue.message : `${String(issue.path[0])}: ${issue.message}`);
    }
    throw new HistoryQueryError(problems);
  }
  const q = parsed.data;
  for (const key of Object.keys(q) as Array<keyof HistoryQuery>) {
    if (key === 'format') continue;
    if (!ALLOWED[d].includes(key)) problems.push(`${key}: not supported for ${d}; it accepts ${ALLOWED[d].join(', ')}`);
  }
  if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) problems.push('from: must not be after to');
  // Time-ordered keys cover 1970 to 2286; outside that a query could only come back silently empty.
  for (const key of ['from', 'to'] as const) {
    const value = q[key];
    if (value && (Date.parse(value) < 0 || Date.parse(value) > 9_999_999_999_999)) problems.push(`${key}: expected a date-time between 1970 and 2286`);
  }
  if (problems.length > 0) throw new HistoryQueryError(problems);
  return { dataset: d, query: { ...q, top: q.top ?? DEFAULT_TOP } };
}

export interface HistoryPage {
  dataset: HistoryDataset;
  items: Array<Record<string, unknown>>;
  continuation: string | null;
}

/** RowKey bounds of a time range on newest-first keys. */
function timeFilter(query: HistoryQuery): string {
  const parts: string[] = [];
  if (query.to) parts.push(odata`RowKey ge ${newestFirstKey(query.to)}`);
  if (query.from) parts.push(odata`RowKey lt ${`${newestFirstKey(query.from)}~`}`);
  return parts.join(' and ');
}

function and(...parts: string[]): string {
  return parts.filter(Boolean).map((p) => `(${p})`).join(' and ');
}

/**
 * A principal by object id, UPN, the start of a UPN, or display name (case-insensitive), among the users the
 * monitor stores (admins, potential admins, excluded accounts). Several matches are a 400 naming them.
 */
async function resolvePrincipal(store: TableStore, principal: string): Promise<string> {
  if (isGuid(principal)) return normId(principal);
  const users = await loadValues<GraphUser>(store, PARTITIONS.user);
  const wanted = principal.toLowerCase();
  const exact = users.filter((u) => u.userPrincipalName?.toLowerCase() === wanted || u.displayName?.toLowerCase() === wanted);
  const matches = exact.length ? exact : users.filter((u) => u.userPrincipalName?.toLowerCase().startsWith(wanted) || u.displayName?.toLowerCase().startsWith(wanted));
  if (matches.length === 1) return normId((matches[0] as GraphUser).id);
  if (matches.length === 0) throw new HistoryQueryError([`principal: no admin or monitored user has an id, UPN or display name matching '${principal.slice(0, 100)}'`]);
  const names = matches.slice(0, 5).map((u) => u.userPrincipalName ?? u.displayName ?? u.id);
  throw new HistoryQueryError([`principal: '${principal.slice(0, 100)}' matches ${matches.length} users (${names.join(', ')}${matches.length > 5 ? ', …' : ''}); give more of the UPN`]);
}

async function resolveRole(store: TableStore, role: string): Promise<string> {
  if (isGuid(role)) return normId(role);
  const builtIn = BUILT_IN_ROLES.find((r) => r.displayName.toLowerCase() === role.toLowerCase());
  if (builtIn) return builtIn.templateId;
  const custom = (await loadValues<UnifiedRoleDefinition>(store, PARTITIONS.roleDefinition)).find((r) => r.displayName.toLowerCase() === role.toLowerCase());
  if (!custom) throw new HistoryQueryError([`role: no role named '${role}'; use a role template id`]);
  return normId(custom.templateId ?? custom.id);
}

async function page(store: TableStore, table: TableName, partition: string, extra: string, query: HistoryQuery): Promise<{ items: StoredEntity[]; continuation: string | null }> {
  const filter = and(odata`PartitionKey eq ${partition}`, timeFilter(query), extra);
  let token: string | undefined;
  if (query.continuation) token = query.continuation;
  try {
    const result = await store.page(table, filter, query.top, token);
    return { items: result.items, continuation: result.continuationToken ?? null };
  } catch (error) {
    if (token) throw new HistoryQueryError(['continuation: not a token this API issued (or it has expired)']);
    throw error;
  }
}

function changeItem(e: StoredEntity, withValues: boolean): Record<string, unknown> {
  const item: Record<string, unknown> = {
    time: timeFromNewestFirstKey(e.rowKey ?? ''),
    dataset: e.dataset,
    id: e.itemId,
    change: e.change,
    summary: e.summary,
    principalId: e.principalId ?? null,
    roleId: e.roleId ?? null,
    groupId: e.groupId ?? null,
    runId: e.runId,
  };
  if (withValues) {
    item.before = decodeJson(e, 'b') ?? null;
    item.after = decodeJson(e, 'a') ?? null;
  }
  return item;
}

/** Sign-ins are indexed by user id, by UPN and by each policy that applied: one partition, one range. */
async function signInHistory(store: TableStore, query: HistoryQuery): Promise<HistoryPage> {
  // A principal given as a UPN prefix or display name is resolved to a known user's id first; else the UPN as given.
  const known = query.principal && !isGuid(query.principal) ? await resolvePrincipal(store, query.principal).catch(() => undefined) : undefined;
  const principal = query.principal ? (known ?? (isGuid(query.principal) ? normId(query.principal) : query.principal.toLowerCase())) : undefined;
  const partition = query.policy ? `c|${normId(query.policy)}` : principal ? `p|${escapeKey(principal)}` : 'all';
  const extra = and(
    query.policy && principal ? (isGuid(principal) ? odata`userId eq ${principal}` : odata`userPrincipalName eq ${principal}`) : '',
    query.requirement ? odata`requirement eq ${query.requirement}` : '',
    query.result ? odata`result eq ${query.result}` : '',
  );
  const result = await page(store, 'signins', partition, extra, query);
  return {
    dataset: 'signins',
    items: result.items.map((e) => {
      const stored = decodeJson<{ kind: string; signIn: Record<string, unknown> }>(e);
      return { time: timeFromNewestFirstKey(e.rowKey ?? ''), kind: stored?.kind ?? e.kind, requirement: e.requirement ?? null, result: e.result ?? null, ...(stored?.signIn ?? {}) };
    }),
    continuation: result.continuation,
  };
}

export async function queryHistory(store: TableStore, dataset: HistoryDataset, query: HistoryQuery): Promise<HistoryPage> {
  switch (dataset) {
    case 'admins':
    case 'assignments':
    case 'activations': {
      // Indexed by principal and by role: range-scan one index partition; both given, filter by role.
      let partition = 'all';
      if (query.principal) partition = `p|${escapeKey(await resolvePrincipal(store, query.principal))}`;
      else if (query.role) partition = `r|${escapeKey(await resolveRole(store, query.role))}`;
      const extra = query.principal && query.role ? odata`roleId eq ${await resolveRole(store, query.role)}` : '';
      const result = await page(store, dataset, partition, extra, query);
      const raw =
        dataset === 'activations'
          ? result.items.map((e) => ({ time: timeFromNewestFirstKey(e.rowKey ?? ''), ...(decodeJson<Record<string, unknown>>(e) ?? {}) }))
          : result.items.map((e) => changeItem(e, true));
      // Names next to the ids (principalName, roleName, groupName), as the monitor last stored them.
      const names = raw.length ? await nameIndex(store) : undefined;
      const items = names ? raw.map((i) => withNames(i, names)) : raw;
      return { dataset, items, continuation: result.continuation };
    }
    case 'signins':
      return signInHistory(store, query);
    case 'policies': {
      const partition = query.policy ? `v|caPolicy|${escapeKey(normId(query.policy))}` : 'all';
      const extra = query.type ? odata`dataset eq ${query.type}` : '';
      const result = await page(store, 'policies', partition, extra, query);
      const items = result.items.map((e) => {
        const item = changeItem(e, true);
        const fields: FieldChange[] = diffFields(item.before, item.after);
        return { ...item, fieldChanges: fields, diff: fields.map(describeFieldChange) };
      });
      return { dataset, items, continuation: result.continuation };
    }
    case 'findings': {
      let partition = 'all';
      if (query.type) partition = `t|${escapeKey(query.type)}`;
      // A subject is an admin (resolved like any principal) or whatever id the finding names (a policy, a role).
      const subject = query.principal ? (isGuid(query.principal) ? normId(query.principal) : ((await resolvePrincipal(store, query.principal).catch(() => undefined)) ?? query.principal.toLowerCase())) : undefined;
      if (!query.type && subject) partition = `p|${escapeKey(subject.toLowerCase())}`;
      const extra = and(query.severity ? odata`severity eq ${query.severity}` : '', query.type && subject ? odata`subjectId eq ${subject}` : '');
      const result = await page(store, 'findings', partition, extra, query);
      return { dataset, items: result.items.map((e) => ({ time: timeFromNewestFirstKey(e.rowKey ?? ''), event: e.event, ...(decodeJson<Record<string, unknown>>(e) ?? {}) })), continuation: result.continuation };
    }
    case 'alerts': {
      // The outbox is keyed by alert id (dedupe); few entries, so filter by time and order here.
      const parts = [odata`PartitionKey eq ${'alert'}`];
      if (query.from) parts.push(odata`createdAt ge ${query.from}`);
      if (query.to) parts.push(odata`createdAt le ${query.to}`);
      if (query.continuation) {
        const before = unescapeKey(query.continuation);
        if (Number.isNaN(Date.parse(before))) throw new HistoryQueryError(['continuation: not a token this API issued']);
        parts.push(odata`createdAt lt ${before}`);
      }
      const all: StoredEntity[] = [];
      for await (const e of store.client('outbox').listEntities<Record<string, unknown>>({ queryOptions: { filter: and(...parts) } })) all.push(e);
      all.sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
      const items = all.slice(0, query.top);
      const more = all.length > query.top;
      return {
        dataset,
        items: items.map((e) => ({ ...(decodeJson<Record<string, unknown>>(e, 'm') ?? {}) })),
        continuation: more ? escapeKey(String(items[items.length - 1]?.createdAt)) : null,
      };
    }
    case 'runs': {
      const extra = query.type ? odata`collector eq ${query.type}` : '';
      const result = await page(store, 'runs', 'run', extra, query);
      return { dataset, items: result.items.map((e) => ({ ...(decodeJson<RunRecord>(e) ?? {}) })), continuation: result.continuation };
    }
  }
}

/** The columns of `format=csv`, per dataset: the same on every page, so pages can be concatenated. */
export const CSV_COLUMNS: Record<HistoryDataset, readonly string[]> = {
  admins: ['time', 'change', 'summary', 'principalId', 'principalName', 'id', 'runId', 'before', 'after'],
  assignments: ['time', 'dataset', 'change', 'summary', 'principalId', 'principalName', 'roleId', 'roleName', 'groupId', 'groupName', 'id', 'runId', 'before', 'after'],
  activations: ['time', 'kind', 'principalId', 'principalName', 'roleDefinitionId', 'roleName', 'groupId', 'groupName', 'startDateTime', 'endDateTime', 'id'],
  signins: ['time', 'kind', 'createdDateTime', 'userPrincipalName', 'userId', 'appDisplayName', 'ipAddress', 'clientAppUsed', 'conditionalAccessStatus', 'status', 'location', 'id'],
  policies: ['time', 'dataset', 'id', 'change', 'summary', 'diff', 'runId', 'before', 'after'],
  findings: ['time', 'event', 'severity', 'type', 'title', 'subjectId', 'subjectName', 'message', 'fingerprint', 'policyIds'],
  alerts: ['createdAt', 'status', 'subject', 'attempts', 'lastError', 'sentAt', 'recipients', 'alertId', 'operationId', 'fingerprints'],
  runs: ['startedAt', 'endedAt', 'collector', 'trigger', 'status', 'writes', 'graphRequests', 'error', 'runId', 'datasets', 'counts'],
};
