// Accepted risks (R-ACCEPT-*, docs/alerts.md "Accepted risks"): a finding acknowledged with a reason, an owner
// and an expiry is not mailed again and is shown apart, until the acknowledgement expires or the finding changes
// materially — a new gap or a new path for an admin, a new subject or policy otherwise. Break-glass exclusions
// (MONITOR_EXCLUDED_ACCOUNTS) are a different thing: accounts the monitor reports apart by design.
import { z } from 'zod';
import { findingType } from './finding-types.js';
import type { AdminOut, Finding, Report } from './report.js';

/** A stored acknowledgement of one finding (by fingerprint). */
export interface Acknowledgement {
  fingerprint: string;
  type: string;
  subjectId: string;
  subjectName: string | null;
  reason: string;
  /** Who answers for the risk (a person or team). */
  owner: string;
  /** Who recorded it: the signed-in caller where the platform says (App Service authentication), else the owner named. */
  acceptedBy: string;
  acceptedAt: string;
  /** When it lapses; the finding comes back then. */
  until: string;
  /** What the finding was about when accepted (R-ACCEPT-3); something new brings it back. */
  material: string[];
}

export type AcknowledgementState = 'active' | 'expired' | 'changed';

/** How an acknowledgement shows on a finding and in the report's list: as stored (but what it was about), and: */
export interface AcknowledgementOut extends Omit<Acknowledgement, 'material'> {
  title: string;
  state: AcknowledgementState;
  /** For `changed`: what is new since it was accepted. */
  changes: string[];
  /** The finding is open now (false: it resolved while accepted). */
  open: boolean;
}

export const MAX_REASON = 500;
export const MAX_OWNER = 200;

/** R-ACCEPT-3: what an admin finding is about: its gaps (state and contexts) and its paths to a role. */
function adminKeys(a: AdminOut): string[] {
  return [
    ...a.gaps.map((g) => `gap: ${g.state ? `${g.state}: ` : ''}${g.contexts || 'every context'}`),
    ...a.roles.map((r) => `path: ${r.roleName} (${r.assignment}${r.via.kind === 'direct' ? '' : ` via ${r.via.kind === 'pimGroup' ? 'PIM group' : 'group'} ${r.via.groupName ?? r.via.groupId ?? ''}`}${r.scope === 'tenant' ? '' : `, ${r.directoryScopeId}`})`),
  ];
}

/**
 * R-ACCEPT-3: the material keys of a finding. About an admin: every gap and every path; about anything else:
 * its subject and the policies it names.
 */
export function materialKeys(f: Finding, report: Pick<Report, 'admins' | 'potentialAdmins'>): string[] {
  const admin = report.admins.find((a) => a.id === f.subjectId) ?? report.potentialAdmins.find((a) => a.id === f.subjectId);
  const keys = admin ? adminKeys(admin) : [`subject: ${f.subjectName ?? f.subjectId}`, ...(f.policyIds ?? []).map((p) => `policy: ${p}`)];
  return [...new Set(keys)].sort();
}

/** R-ACCEPT-2/3: active until `until`, unless something material is new. */
export function acknowledgementState(ack: Acknowledgement, material: readonly string[] | undefined, now: string): { state: AcknowledgementState; changes: string[] } {
  if (Date.parse(ack.until) <= Date.parse(now)) return { state: 'expired', changes: [] };
  const before = new Set(ack.material);
  const changes = (material ?? []).filter((k) => !before.has(k));
  return changes.length ? { state: 'changed', changes } : { state: 'active', changes: [] };
}

export interface AcceptanceRequest {
  finding: string;
  reason: string;
  owner: string;
  until: string;
}

export interface AcceptanceLimits {
  now: string;
  defaultDays: number;
  maxDays: number;
}

export class AcceptanceError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly problems: string[],
  ) {
    super(problems.join('; '));
    this.name = 'AcceptanceError';
  }
}

const DAY = 86_400_000;

/** R-ACCEPT-1: the request body, validated field by field; `until` defaults to now + the default days. */
export function parseAcceptance(body: unknown, limits: AcceptanceLimits): AcceptanceRequest {
  const schema = z
    .object({
      finding: z.string({ message: 'finding: expected the finding id (its fingerprint, e.g. admin-unprotected:<admin id>)' }).trim().min(3, 'finding: expected the finding id (its fingerprint, e.g. admin-unprotected:<admin id>)').max(1000, 'finding: at most 1000 characters'),
      reason: z.string({ message: 'reason: expected why the risk is accepted' }).trim().min(10, 'reason: expected why the risk is accepted (at least 10 characters)').max(MAX_REASON, `reason: at most ${MAX_REASON} characters`),
      owner: z.string({ message: 'owner: expected who answers for the risk (a name or address)' }).trim().min(2, 'owner: expected who answers for the risk (a name or address)').max(MAX_OWNER, `owner: at most ${MAX_OWNER} characters`),
      until: z.string({ message: 'until: expected an ISO 8601 date or date-time' }).trim().optional(),
    })
    .strict();
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AcceptanceError(
      400,
      parsed.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}; expected finding, reason, owner and until` : i.message.includes(':') ? i.message : `${String(i.path[0] ?? 'body')}: ${i.message}`)),
    );
  }
  const now = Date.parse(limits.now);
  let until = now + limits.defaultDays * DAY;
  if (parsed.data.until) {
    const text = parsed.data.until;
    // A bare date means the end of that day (UTC).
    const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T23:59:59Z`) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) throw new AcceptanceError(400, [`until: expected an ISO 8601 date or date-time such as 2027-01-31, got '${text.slice(0, 40)}'`]);
    if (at <= now) throw new AcceptanceError(400, [`until: ${text} is in the past; an acceptance must expire in the future`]);
    if (at > now + limits.maxDays * DAY) throw new AcceptanceError(400, [`until: at most ${limits.maxDays} days ahead (ACCEPTED_RISK_MAX_DAYS), i.e. ${new Date(now + limits.maxDays * DAY).toISOString().slice(0, 10)}`]);
    until = at;
  }
  return { finding: parsed.data.finding, reason: parsed.data.reason, owner: parsed.data.owner, until: new Date(until).toISOString() };
}

/** R-ACCEPT-1: only open state findings can be accepted; change events are told once anyway. */
export function acceptable(f: Finding | undefined, fingerprint: string): Finding {
  if (!f) throw new AcceptanceError(404, [`finding: no open finding '${fingerprint.slice(0, 200)}'; the ids are in the report, in check --json (fingerprint) and in history findings`]);
  if (findingType(f.type)?.kind === 'event') throw new AcceptanceError(400, [`finding: '${f.type}' is a change event, told once; there is nothing to accept`]);
  return f;
}

export function acknowledgementOut(ack: Acknowledgement, state: { state: AcknowledgementState; changes: string[] }, open: boolean): AcknowledgementOut {
  return {
    fingerprint: ack.fingerprint,
    type: ack.type,
    title: findingType(ack.type)?.title ?? ack.type,
    subjectId: ack.subjectId,
    subjectName: ack.subjectName,
    reason: ack.reason,
    owner: ack.owner,
    acceptedBy: ack.acceptedBy,
    acceptedAt: ack.acceptedAt,
    until: ack.until,
    state: state.state,
    changes: state.changes,
    open,
  };
}

/**
 * Marks the report's findings with their acknowledgements and lists every acknowledgement (R-ACCEPT-2): an
 * active one hides its finding from the open count and from mail; an expired or changed one is shown as such.
 */
export function applyAcknowledgements(report: Report, acks: readonly Acknowledgement[], now: string): void {
  const byPrint = new Map(acks.map((a) => [a.fingerprint, a]));
  const seen = new Set<string>();
  report.findings = report.findings.map((f) => {
    const ack = byPrint.get(f.fingerprint);
    if (!ack) return f;
    seen.add(f.fingerprint);
    return { ...f, acknowledgement: acknowledgementOut(ack, acknowledgementState(ack, materialKeys(f, report), now), true) };
  });
  report.acknowledgements = acks
    .map((a) => (seen.has(a.fingerprint) ? (report.findings.find((f) => f.fingerprint === a.fingerprint)?.acknowledgement as AcknowledgementOut) : acknowledgementOut(a, acknowledgementState(a, undefined, now), false)))
    .sort((x, y) => x.until.localeCompare(y.until) || x.fingerprint.localeCompare(y.fingerprint));
}

/** An accepted finding that still counts as accepted (hidden from open counts and mail). */
export function isAccepted(f: Finding): boolean {
  return f.acknowledgement?.state === 'active';
}
