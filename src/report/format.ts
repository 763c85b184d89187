// Small, pure helpers for the report page: escaping, JSON safe inside <script>, times, gap wording, labels.
import escapeHtml from 'escape-html';
import type { DatasetName, DatasetState } from '../core/snapshot.js';
import type { RoleOut, Severity, Verdict } from '../core/report.js';

/** HTML-escapes text for element content and quoted attributes (& < > " '). */
export function e(value: unknown): string {
  return escapeHtml(value === null || value === undefined ? '' : String(value));
}

/**
 * JSON that is safe as the text of a <script> element: `<`, `>` and `&` can never close the element or
 * open a comment, and U+2028/U+2029 cannot break older JavaScript parsers. JSON.parse reads it unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Inline script text (e.g. the Chart.js bundle) that cannot end its <script> element early. */
export function scriptText(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parse(iso: string | null | undefined): Date | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-11-25 10:00 UTC" (times on the page are UTC, so every reader sees the same text). */
export function formatTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return iso ?? '—';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** "Nov 25 10:00" for chart axes; the raw value when it is not a date. */
export function shortDateTime(iso: string): string {
  const d = parse(iso);
  if (!d) return iso;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "Nov 25" for a `YYYY-MM-DD` day; the raw value when it is not a date. */
export function shortDay(day: string): string {
  const d = parse(/^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00Z` : '');
  if (!d) return day;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago" relative to `reference`; "" when either is not a date. */
export function ago(iso: string | null | undefined, reference: string): string {
  const d = parse(iso);
  const r = parse(reference);
  if (!d || !r) return '';
  const s = Math.round((r.getTime() - d.getTime()) / 1000);
  if (s < -60) return 'in the future';
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  const days = Math.round(h / 24);
  return `${days} days ago`;
}

/** A <time> element with the UTC text and, when it helps, how long ago. */
export function timeHtml(iso: string | null | undefined, reference?: string): string {
  if (!iso) return '<span class="muted">—</span>';
  const rel = reference ? ago(iso, reference) : '';
  return `<time datetime="${e(iso)}">${e(formatTime(iso))}</time>${rel ? ` <span class="muted nowrap">(${e(rel)})</span>` : ''}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function percent(part: number, whole: number): string {
  if (!whole) return '0%';
  return `${Math.round((part / whole) * 100)}%`;
}

export function capitalize(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** Shortens text at a word boundary, with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:(]+$/, '')}…`;
}

export interface GapWords {
  /** What is missing, in plain words: "While 'X' is activated: no MFA when signing in to …". */
  headline: string;
  /** Why, one reason per policy: "policy 'CA001' excludes this admin through group 'Y'". */
  reasons: string[];
  /** Reasons the engine left out ("2 more"). */
  more: number;
}

/**
 * Splits an engine gap summary — "<what> (<reason>; <reason>; 2 more)" — into a headline and its reasons.
 * Balanced parentheses inside names are kept; a summary without a reason list is all headline.
 */
export function gapWords(summary: string): GapWords {
  const text = summary.trim();
  if (!text.endsWith(')')) return { headline: capitalize(text), reasons: [], more: 0 };
  let depth = 0;
  let open = -1;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) {
        open = i;
        break;
      }
    }
  }
  if (open <= 0) return { headline: capitalize(text), reasons: [], more: 0 };
  const headline = text.slice(0, open).trim();
  const inner = text.slice(open + 1, -1);
  // The reasons are "policy '…' …" clauses; anything else in parentheses is part of the headline.
  if (!/^policy\s/i.test(inner) && !/^\d+ more$/.test(inner)) return { headline: capitalize(text), reasons: [], more: 0 };
  const parts: string[] = [];
  depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ';' && depth === 0) {
      parts.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(inner.slice(start).trim());
  let more = 0;
  const reasons: string[] = [];
  for (const p of parts) {
    const m = /^(\d+) more$/.exec(p);
    if (m) more += Number(m[1]);
    else if (p) reasons.push(p);
  }
  return { headline: capitalize(headline), reasons, more };
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  protected: 'Protected',
  partial: 'Partial',
  unprotected: 'Unprotected',
  excluded: 'Excluded',
  unknown: 'Unknown',
};

export const VERDICT_HELP: Record<Verdict, string> = {
  protected: 'MFA is enforced in every sign-in situation',
  partial: 'MFA is enforced only in some sign-in situations',
  unprotected: 'No enabled policy requires MFA',
  excluded: 'Break-glass or service account listed in MONITOR_EXCLUDED_ACCOUNTS',
  unknown: 'Could not be evaluated: data is missing',
};

/** Chart and bar colours; badges use the matching CSS classes. */
export const VERDICT_COLOR: Record<Verdict, string> = {
  protected: '#12b76a',
  partial: '#f79009',
  unprotected: '#d92d20',
  unknown: '#7a5af8',
  excluded: '#98a2b3',
};

export const SEVERITY_COLOR: Record<Severity, string> = { high: '#d92d20', medium: '#f5b83d', low: '#667085' };

export const SEVERITY_LABEL: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low' };

export const DATASET_LABEL: Record<DatasetName, string> = {
  roleDefinitions: 'Role definitions',
  roleAssignments: 'Role assignments',
  pimGroups: 'PIM for Groups',
  groupMembers: 'Group members',
  accounts: 'Admin accounts',
  registration: 'MFA registration',
  conditionalAccess: 'Conditional Access policies',
  authenticationStrengths: 'Authentication strengths',
  securityDefaults: 'Security defaults',
  pimSettings: 'PIM role settings',
  activations: 'PIM activations',
  signIns: 'Sign-in logs',
  secureScore: 'Microsoft Secure Score',
  mfaRecommendation: 'Entra recommendation (admin MFA)',
  licences: 'Licences (subscribed SKUs)',
  exclusionGroups: 'Exclusion groups (owners, dynamic rules)',
  exclusionPimOwners: 'PIM owners of exclusion groups',
  administrativeUnits: 'Administrative units of exclusion groups',
  appPermissions: 'Application permissions and credentials',
  controllers: 'Exemption controllers',
  directoryAudits: 'Directory audit log',
  perUserMfa: 'Per-user MFA states',
};

export const DATASET_STATE_LABEL: Record<DatasetState, string> = {
  ok: 'OK',
  stale: 'Stale',
  unavailable: 'Unavailable',
  notLicensed: 'Not licensed',
};

export const COLLECTOR_LABEL: Record<string, string> = {
  roles: 'Roles and assignments',
  policies: 'Conditional Access and PIM settings',
  activations: 'PIM activations',
  signins: 'Sign-ins',
  securescore: 'Secure Score, licences, per-user MFA (daily)',
  evaluate: 'Evaluation and alerts',
};

export const CHANGE_KIND_LABEL: Record<string, string> = {
  caPolicy: 'Conditional Access policy',
  namedLocation: 'Named location',
  authStrength: 'Authentication strength',
  securityDefaults: 'Security defaults',
  pimSetting: 'PIM role setting',
  secureScore: 'Secure Score (AdminMFAV2)',
  mfaRecommendation: 'Entra recommendation',
  subscribedSkus: 'Subscribed SKUs',
  perUserMfa: 'Per-user MFA',
};

/** "2 named locations", "1 Conditional Access policy", "1 security defaults". */
export function changeKindCount(kind: string, n: number): string {
  const one: Record<string, string> = { caPolicy: 'Conditional Access policy', namedLocation: 'named location', authStrength: 'authentication strength', securityDefaults: 'security defaults', pimSetting: 'PIM role setting' };
  const many: Record<string, string> = { caPolicy: 'Conditional Access policies', namedLocation: 'named locations', authStrength: 'authentication strengths', securityDefaults: 'security defaults', pimSetting: 'PIM role settings' };
  return `${n} ${(n === 1 ? one[kind] : many[kind]) ?? kind}`;
}

export const POLICY_STATE_LABEL: Record<string, string> = {
  enabled: 'On',
  enabledForReportingButNotEnforced: 'Report-only',
  disabled: 'Off',
};

/** "via group 'X'", "via PIM group 'X' (through 'Y')", or "" for a direct assignment. */
export function roleVia(role: RoleOut): string {
  const v = role.via;
  if (v.kind === 'direct') return '';
  const name = v.groupName ?? v.groupId ?? 'unknown group';
  const through = v.throughGroupName ?? v.throughGroupId;
  return `${v.kind === 'pimGroup' ? 'via PIM group' : 'via group'} '${name}'${through ? ` (nested through '${through}')` : ''}`;
}
