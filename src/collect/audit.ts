// The directory audit log (GET /auditLogs/directoryAudits): one reader and one kept shape for every collector that
// reads it (the change feed, the exemption collector). Graph
// documents `$filter` on activityDateTime (eq, ge, le), activityDisplayName (eq, startswith), initiatedBy and
// targetResources/any(…) (Learn, directoryaudit-list); the log is an identity and access report (5 requests per
// 10 s per app and tenant), so a read takes the largest page Graph serves and filters by time on the server.
import { normId } from '../core/ids.js';
import type { StoredAuditEvent } from '../core/exemption-types.js';
import type { GraphGateway } from '../graph/gateway.js';

/** Graph's directoryAudit, as far as the monitor reads it. */
export interface GraphDirectoryAudit {
  id: string;
  activityDisplayName?: string | null;
  category?: string | null;
  activityDateTime: string;
  result?: string | null;
  loggedByService?: string | null;
  initiatedBy?: { user?: { id?: string | null; userPrincipalName?: string | null } | null; app?: { appId?: string | null; displayName?: string | null } | null } | null;
  targetResources?: Array<{ id?: string | null; type?: string | null; displayName?: string | null; userPrincipalName?: string | null; modifiedProperties?: Array<{ displayName?: string | null; oldValue?: string | null; newValue?: string | null }> | null }> | null;
}

/** An audit event as the monitor keeps it: what was done, when, by whom, to which objects (changed how). */
export type AuditEvent = StoredAuditEvent;

export function auditEvent(a: GraphDirectoryAudit): AuditEvent {
  return {
    id: a.id,
    activity: a.activityDisplayName ?? '',
    category: a.category ?? null,
    time: a.activityDateTime,
    result: a.result ?? null,
    initiatedBy: {
      userId: a.initiatedBy?.user?.id ? normId(a.initiatedBy.user.id) : null,
      userPrincipalName: a.initiatedBy?.user?.userPrincipalName ?? null,
      appId: a.initiatedBy?.app?.appId ?? null,
      appDisplayName: a.initiatedBy?.app?.displayName ?? null,
    },
    targets: (a.targetResources ?? []).map((t) => ({
      id: normId(t.id ?? ''),
      type: t.type ?? null,
      displayName: t.displayName ?? null,
      userPrincipalName: t.userPrincipalName ?? null,
      modified: (t.modifiedProperties ?? []).map((m) => ({ name: m.displayName ?? '', oldValue: m.oldValue ?? null, newValue: m.newValue ?? null })),
    })),
  };
}

/** The largest page the monitor asks the audit log for. */
export const AUDIT_PAGE = 999;

/**
 * Audit events with activityDateTime at or after `since` (and matching `filter`, an extra `$filter` clause),
 * page by page. Graph serves them newest first; callers must not rely on the order.
 */
export function auditPages(graph: GraphGateway, since: string, filter?: string): AsyncIterable<GraphDirectoryAudit[]> {
  return graph.pages<GraphDirectoryAudit>(`/auditLogs/directoryAudits?$filter=activityDateTime ge ${since}${filter ? ` and ${filter}` : ''}&$top=${AUDIT_PAGE}`);
}
