// Plain-text rendering for the terminal: aligned tables and the run / check summaries.
import type { RunRecord } from '../../src/collect/runs.js';
import { findingTitle } from '../../src/core/finding-types.js';
import { isAccepted } from '../../src/core/acceptance.js';
import { adminsPhrase, findingsPhrase, reportNumbers } from '../../src/core/numbers.js';
import { type AdminOut, type GapOut, type Report, type RolloutOut, VERDICT_ORDER } from '../../src/core/report.js';
import { RECON_REASONS } from '../../src/core/secure-score.js';

/** How wide text output may be: the terminal's width, or unlimited with --wide. */
let wide = false;

export function setWide(value: boolean): void {
  wide = value;
}

/** The terminal's width; COLUMNS when output is piped (as shells set it); 140 otherwise. */
export function outputWidth(): number {
  if (wide) return Number.POSITIVE_INFINITY;
  const columns = process.stdout.columns ?? Number(process.env.COLUMNS);
  return Math.max(60, Number.isFinite(columns) && columns > 0 ? columns : 140);
}

/** Splits text into lines of at most `width` characters, at spaces where it can; never drops a character. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      let w = word;
      while (w.length > width) {
        // A word longer than the column (a URL, an id): cut it, nothing is lost.
        if (line) {
          out.push(line);
          line = '';
        }
        out.push(w.slice(0, width));
        w = w.slice(width);
      }
      if (!line) line = w;
      else if (line.length + 1 + w.length <= width) line += ` ${w}`;
      else {
        out.push(line);
        line = w;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * An aligned table. When it is wider than the terminal, the widest columns narrow and their cells wrap onto
 * more lines — nothing is cut (issue 18); with --wide it is as wide as its longest cells.
 */
export function formatTable(headers: string[], rows: string[][], maxWidth = outputWidth()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.flatMap((r) => (r[i] ?? '').split('\n').map((l) => l.length))));
  // Words (UPNs, ids) are kept whole where the terminal allows: prose columns give way first.
  const longestWord = headers.map((h, i) => Math.min(40, Math.max(h.length, ...rows.flatMap((r) => (r[i] ?? '').split(/\s+/).map((w) => w.length)))));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const shrink = (floor: (i: number) => number) => {
    while (total() > maxWidth) {
      let pick = -1;
      widths.forEach((w, i) => {
        if (w > floor(i) && (pick < 0 || w - floor(i) > (widths[pick] as number) - floor(pick))) pick = i;
      });
      if (pick < 0) return;
      widths[pick] = (widths[pick] as number) - 1;
    }
  };
  shrink((i) => Math.max(12, longestWord[i] as number));
  shrink(() => 12);
  const render = (cells: string[]) => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i] as number));
    const height = Math.max(1, ...wrapped.map((w) => w.length));
    const lines: string[] = [];
    for (let l = 0; l < height; l++) lines.push(wrapped.map((w, i) => (w[l] ?? '').padEnd(widths[i] as number)).join('  ').trimEnd());
    return lines.join('\n');
  };
  return [render(headers), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render)].join('\n');
}

/** Text that is not a table, wrapped to the terminal with a hanging indent. */
export function paragraph(text: string, indent = '', first = indent): string {
  const width = outputWidth() - indent.length;
  return wrap(text, Number.isFinite(width) ? Math.max(40, width) : Number.MAX_SAFE_INTEGER)
    .map((l, i) => `${i === 0 ? first : indent}${l}`)
    .join('\n');
}

/** The admins a gap table lists first: worst verdict, then name. */
function sortedAdmins(report: Report): AdminOut[] {
  return [...report.admins].sort((a, b) => (VERDICT_ORDER[a.verdict] ?? 9) - (VERDICT_ORDER[b.verdict] ?? 9) || (a.userPrincipalName ?? a.id).localeCompare(b.userPrincipalName ?? b.id));
}

/** One gap in words: its headline, then every reason (nothing dropped). */
export function gapLines(gap: GapOut, indent = '    '): string[] {
  const lines = [paragraph(gap.headline ?? gap.summary, `${indent}  `, `${indent}- `)];
  for (const r of gap.reasons ?? []) lines.push(paragraph(r, `${indent}    `, `${indent}  · `));
  if (gap.fix?.title) lines.push(paragraph(`fix: ${gap.fix.title} (${gap.fix.proposalId}; admin-mfa-monitor fix for the request)`, `${indent}    `, `${indent}  → `));
  else if (gap.fix?.reason) lines.push(paragraph(`no fix: ${gap.fix.reason}`, `${indent}    `, `${indent}  → `));
  return lines;
}

export function reportText(report: Report, options: { maxAdmins?: number; maxFindings?: number; details?: boolean } = {}): string {
  const s = report.summary;
  const numbers = report.numbers ?? reportNumbers(report);
  const lines: string[] = [];
  lines.push(`Tenant ${report.tenantName ? `'${report.tenantName}' ` : ''}(${report.tenantId}), data as of ${report.snapshotCapturedAt}`);
  const unavailable = Object.entries(report.dataSources).filter(([, d]) => d && d.state !== 'ok');
  if (unavailable.length > 0) lines.push(paragraph(`Data: ${unavailable.map(([n, d]) => `${n} ${d?.state}${d?.asOf ? ` (as of ${d.asOf})` : ''}${d?.permission ? ` — grant ${d.permission}` : ''}`).join('; ')}`));
  if (report.enforcement?.banner) lines.push(paragraph(`NOTE: ${report.enforcement.banner}`));
  const microsoft = s.microsoftSecureScore !== null && s.microsoftSecureScore !== undefined ? `; Microsoft shows ${s.microsoftSecureScore} (admin-mfa-monitor score explains the difference)` : '';
  // R-NUMBERS-1: the same phrases as the mail and the report.
  lines.push(paragraph(`Admins: ${adminsPhrase(numbers)}; ${s.registered} registered for MFA. Secure Score estimate: ${s.secureScoreEstimate}/10${microsoft}`));
  if (s.potentialAdmins || s.workloadAdmins) lines.push(`Also: ${s.potentialAdmins} potential admin(s) (owners of role-holding PIM groups), ${s.workloadAdmins} service principal(s) with admin roles`);
  const admins = sortedAdmins(report);
  const shown = admins.slice(0, options.maxAdmins ?? admins.length);
  if (shown.length > 0) {
    lines.push('');
    lines.push(
      formatTable(
        ['VERDICT', 'ADMIN', 'MFA REG.', 'ROLES', 'SIGN-INS', 'WHY NOT PROTECTED'],
        shown.map((a) => [
          a.verdict,
          a.userPrincipalName ?? a.displayName ?? a.id,
          a.mfaRegistered === null ? '?' : a.mfaRegistered ? 'yes' : 'NO',
          [...new Set(a.roles.map((r) => `${r.roleName}${r.assignment === 'eligible' ? '*' : ''}`))].join(', '),
          evidenceText(a),
          a.verdict === 'excluded' ? `listed in MONITOR_EXCLUDED_ACCOUNTS (${a.excludedBy ?? ''})` : a.gaps.length ? `${a.gaps[0]?.observed ? `[${a.gaps[0].observed.text}] ` : ''}${a.gaps[0]?.headline ?? a.gaps[0]?.summary ?? ''}${a.gaps.length > 1 ? ` (+${a.gaps.length - 1} more)` : ''}` : '',
        ]),
      ),
    );
    if (admins.length > shown.length) lines.push(`… ${admins.length - shown.length} more admins (admin-mfa-monitor check lists them all; --json carries everything)`);
    lines.push(`* eligible (PIM)${report.signInEvidence ? `; SIGN-INS over the last ${report.signInEvidence.windowDays} days: total, single-factor (single), contradicting the evaluation (!), MFA prompts completed/asked` : ''}`);
  }
  if (options.details) {
    const withGaps = admins.filter((a) => a.gaps.length > 0 && a.verdict !== 'excluded');
    if (withGaps.length) {
      lines.push('', 'Why, admin by admin (every gap, every reason):');
      for (const a of withGaps) {
        lines.push(`  ${a.userPrincipalName ?? a.displayName ?? a.id} — ${a.verdict}`);
        for (const g of a.gaps) lines.push(...gapLines(g));
      }
    }
  }
  const open = report.findings.filter((f) => !isAccepted(f));
  const accepted = report.findings.filter(isAccepted);
  lines.push('');
  lines.push(`Findings: ${findingsPhrase(numbers)}`);
  if (open.length > 0) {
    const top = open.slice(0, options.maxFindings ?? open.length);
    lines.push(formatTable(['SEVERITY', 'FINDING', 'MESSAGE AND ID'], top.map((f) => [f.severity, findingTitle(f.type), `${f.message}\nid: ${f.fingerprint}`])));
    if (open.length > top.length) lines.push(`… ${open.length - top.length} more findings (admin-mfa-monitor check lists them all)`);
  }
  if (accepted.length > 0) {
    lines.push('', `Accepted risks (not mailed until they expire or change): ${accepted.length}`);
    lines.push(formatTable(['UNTIL', 'FINDING', 'OWNER', 'REASON'], accepted.map((f) => [f.acknowledgement?.until.slice(0, 10) ?? '', `${findingTitle(f.type)}: ${f.subjectName ?? f.subjectId}`, f.acknowledgement?.owner ?? '', f.acknowledgement?.reason ?? ''])));
  }
  if (report.rollout?.length) {
    lines.push('');
    lines.push(`Report-only rollout (last ${report.rollout[0]?.windowDays ?? 0} days of sign-ins):`);
    for (const r of report.rollout) lines.push(`  ${r.displayName}: ${r.summary}`);
  }
  for (const note of report.signInEvidence?.notes ?? []) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

/** "12, single 1, !1, MFA 1/4": sign-ins in the window, single-factor ones, contradictions, MFA prompts completed/asked. */
export function evidenceText(a: AdminOut): string {
  const ev = a.evidence;
  if (!ev) return '';
  return [String(ev.signIns), ev.singleFactor ? `single ${ev.singleFactor}` : '', ev.contradictions ? `!${ev.contradictions}` : '', ev.prompted ? `MFA ${ev.completed}/${ev.prompted}` : ''].filter(Boolean).join(', ');
}

/** The rollout readiness of report-only policies, each with the accounts it would block or reach. */
export function rolloutText(rollout: readonly RolloutOut[]): string {
  if (rollout.length === 0) return 'No Conditional Access policy is in report-only mode.';
  const lines: string[] = [];
  for (const r of rollout) {
    lines.push(`${r.displayName} (${r.policyId})`);
    lines.push(`  ${r.verdict === 'ready' ? 'READY' : r.verdict === 'wouldBlock' ? 'WOULD BLOCK' : 'NO EVIDENCE'}: ${r.summary}`);
    lines.push(`  Last ${r.windowDays} days: ${r.signIns.success} sign-ins would have satisfied it, ${r.signIns.interrupted} would have been asked for MFA (${r.users.interrupted} users), ${r.signIns.failure} would have failed (${r.users.failure} users), ${r.signIns.notApplied} were out of its scope.`);
    const list = (title: string, accounts: RolloutOut['blocked']) => {
      if (!accounts.length) return;
      lines.push(`  ${title}:`);
      for (const a of accounts) lines.push(`    ${a.userPrincipalName ?? a.id} [${a.kinds.join(', ')}]: ${a.reason}`);
    };
    list('Would block', r.blocked);
    list('Admins it reaches', r.admins.filter((a) => a.effect !== 'blocked'));
    list('Excluded or service accounts it reaches', r.excludedOrService.filter((a) => a.effect !== 'blocked'));
    for (const n of r.notes) lines.push(`  Note: ${n}`);
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

export function runsText(runs: RunRecord[]): string {
  return [...runs]
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((r) => {
      const ms = Date.parse(r.endedAt) - Date.parse(r.startedAt);
      const bad = Object.entries(r.datasets).filter(([, d]) => d && d.state !== 'ok');
      return `  ${r.collector.padEnd(11)} ${r.status.padEnd(9)} ${String(ms).padStart(6)} ms  ${String(r.graphRequests).padStart(4)} Graph requests  ${String(r.writes).padStart(5)} writes${bad.length ? `  (${bad.map(([n, d]) => `${n}: ${d?.state}`).join(', ')})` : ''}${r.error ? `  error: ${r.error}` : ''}`;
    })
    .join('\n');
}

function cellText(value: unknown): string {
  return value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** One row per history item, with the columns that matter for each dataset. */
export function historyText(dataset: string, items: Array<Record<string, unknown>>): string {
  if (items.length === 0) return `no ${dataset} entries`;
  const pick: Record<string, Array<[string, (i: Record<string, unknown>) => unknown]>> = {
    runs: [['STARTED', (i) => i.startedAt], ['COLLECTOR', (i) => i.collector], ['STATUS', (i) => i.status], ['WRITES', (i) => i.writes], ['GRAPH', (i) => i.graphRequests], ['ERROR', (i) => i.error]],
    assignments: [['TIME', (i) => i.time], ['CHANGE', (i) => i.change], ['PRINCIPAL', (i) => i.principalName ?? i.principalId], ['ROLE / GROUP', (i) => [i.roleName ?? i.roleId, i.groupName ?? i.groupId].filter(Boolean).join(' via ')], ['SUMMARY', (i) => i.summary]],
    admins: [['TIME', (i) => i.time], ['CHANGE', (i) => i.change], ['SUMMARY', (i) => i.summary]],
    policies: [['TIME', (i) => i.time], ['KIND', (i) => i.dataset], ['CHANGE', (i) => i.change], ['SUMMARY', (i) => i.summary]],
    activations: [['START', (i) => i.startDateTime], ['KIND', (i) => i.kind], ['PRINCIPAL', (i) => i.principalName ?? i.principalId], ['ROLE/GROUP', (i) => i.roleName ?? i.groupName ?? i.roleDefinitionId ?? i.groupId], ['END', (i) => i.endDateTime]],
    signins: [['TIME', (i) => i.createdDateTime], ['KIND', (i) => i.kind], ['USER', (i) => i.userPrincipalName], ['APP', (i) => i.appDisplayName], ['RESULT', (i) => i.result], ['REQUIRED', (i) => i.requirement], ['ERROR', (i) => (i.status as { errorCode?: number } | undefined)?.errorCode], ['IP', (i) => i.ipAddress]],
    findings: [['TIME', (i) => i.time], ['EVENT', (i) => i.event], ['SEVERITY', (i) => i.severity], ['TYPE', (i) => i.type], ['SUBJECT', (i) => i.subjectName ?? i.subjectId], ['MESSAGE', (i) => i.message]],
    alerts: [['CREATED', (i) => i.createdAt], ['STATUS', (i) => i.status], ['ATTEMPTS', (i) => i.attempts], ['SUBJECT', (i) => i.subject], ['ERROR', (i) => i.lastError]],
  };
  const columns = pick[dataset] ?? [['ITEM', (i: Record<string, unknown>) => i]];
  return formatTable(columns.map(([h]) => h), items.map((i) => columns.map(([, f]) => cellText(f(i)))));
}

/** `admin-mfa-monitor score`: Microsoft's AdminMFAV2 number, ours, and every admin on which they differ. */
export function scoreText(report: Report): string {
  const s = report.secureScore;
  const enforcement = report.enforcement;
  if (!s || !enforcement) return 'This report carries no Secure Score reconciliation.';
  const m = s.microsoft;
  const lines: string[] = [];
  lines.push(`Tenant ${report.tenantName ? `'${report.tenantName}' ` : ''}(${report.tenantId}): Require MFA for administrative roles (${s.control})`);
  if (enforcement.banner) lines.push(`NOTE: ${enforcement.banner}`);
  lines.push(
    m.state === 'ok' && m.score !== null
      ? `Microsoft: ${m.score} / ${m.maxScore}${m.notProtected !== null ? ` — ${m.notProtected} of ${m.total} admins not registered and protected` : ''}${m.asOf ? ` (computed ${m.asOf})` : ''}`
      : `Microsoft: unavailable — ${m.reason ?? m.state}`,
  );
  lines.push(`Ours:      ${s.ours.score} / ${s.ours.maxScore} — ${s.ours.notProtected} of ${s.ours.total} admins with a real gap (excluded break-glass and service accounts are handled by design)`);
  lines.push(`By Microsoft's documented rule our facts give ${s.shouldShow.score}: ${s.shouldShow.formula}`);
  const basis = s.basis === 'observed' ? "admin by admin (Microsoft's list of impacted admins)" : s.basis === 'predicted' ? "predicted from Microsoft's known counting (its per-admin list is not available)" : 'not possible';
  lines.push(`Compared ${basis}.`);
  if (s.rows.length > 0) {
    lines.push('');
    lines.push(
      formatTable(
        ['POINTS', 'ADMIN', 'MICROSOFT', 'OURS', 'REASON'],
        s.rows.map((r) => [`${r.points > 0 ? '+' : ''}${r.points.toFixed(2)}`, r.userPrincipalName ?? r.displayName ?? r.adminId, r.microsoft === 'flagged' ? 'not protected' : 'protected', r.ours === 'gap' ? r.verdict : r.ours, `${RECON_REASONS[r.reason].title} (${r.rule})`]),
      ),
    );
    lines.push('', 'Why, admin by admin:');
    for (const r of s.rows) lines.push(`- ${r.userPrincipalName ?? r.displayName ?? r.adminId}: ${r.sentence}`);
  }
  const d = s.difference;
  if (d.points !== null) lines.push('', `Difference: ${d.points} points (ours − Microsoft's); explained by the rows: ${d.explainedPoints}${d.unexplainedPoints ? `; unexplained: ${d.unexplainedPoints}` : ' — every point'}.`);
  for (const n of s.notes) lines.push(`- ${n}`);
  const e = enforcement;
  lines.push('', `Licence: ${e.licences.tier === 'unknown' ? 'unknown' : e.licences.tier === 'free' ? 'Entra ID Free' : `Entra ID ${e.licences.tier.toUpperCase()}`} (${[...e.licences.evidence, e.licences.note ?? ''].filter(Boolean).join('; ')})`);
  lines.push(formatTable(['ROUTE', 'NEEDS', 'AVAILABLE', 'IN THIS TENANT'], e.routes.map((r) => [r.name, r.requires, r.available === null ? '?' : r.available ? 'yes' : 'no', r.state])));
  for (const p of e.managedPolicies) lines.push(`Microsoft-managed: '${p.displayName}' — ${p.note}`);
  return lines.join('\n');
}
