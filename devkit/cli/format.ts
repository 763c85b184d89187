// Plain-text rendering for the terminal: aligned tables and the run / check summaries.
import type { RunRecord } from '../../src/collect/runs.js';
import { findingTitle } from '../../src/core/finding-types.js';
import { type AdminOut, type Report, type RolloutOut, VERDICT_ORDER } from '../../src/core/report.js';
import { RECON_REASONS } from '../../src/core/secure-score.js';

export function formatTable(headers: string[], rows: string[][], maxWidth = Math.max(80, process.stdout.columns ?? 140)): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // Shrink the widest columns until the table fits the terminal.
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total() > maxWidth) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] as number) <= 12) break;
    widths[widest] = (widths[widest] as number) - 1;
  }
  const cell = (text: string, i: number) => {
    const w = widths[i] as number;
    return text.length > w ? `${text.slice(0, w - 1)}…` : text.padEnd(w);
  };
  const line = (cells: string[]) => cells.map((c, i) => cell(c, i)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function reportText(report: Report, options: { maxAdmins?: number; maxFindings?: number } = {}): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`Tenant ${report.tenantName ? `'${report.tenantName}' ` : ''}(${report.tenantId}), data as of ${report.snapshotCapturedAt}`);
  const unavailable = Object.entries(report.dataSources).filter(([, d]) => d && d.state !== 'ok');
  if (unavailable.length > 0) lines.push(`Data: ${unavailable.map(([n, d]) => `${n} ${d?.state}${d?.asOf ? ` (as of ${d.asOf})` : ''}${d?.permission ? ` — grant ${d.permission}` : ''}`).join('; ')}`);
  if (report.enforcement?.banner) lines.push(`NOTE: ${report.enforcement.banner}`);
  const microsoft = s.microsoftSecureScore !== null && s.microsoftSecureScore !== undefined ? `; Microsoft shows ${s.microsoftSecureScore} (admin-mfa-monitor score explains the difference)` : '';
  lines.push(
    `Admins: ${s.admins} — ${s.protected} protected, ${s.partial} partial, ${s.unprotected} unprotected, ${s.excluded} excluded${s.unknown ? `, ${s.unknown} unknown` : ''}; ${s.registered} registered for MFA. Secure Score estimate: ${s.secureScoreEstimate}/10${microsoft}`,
  );
  if (s.potentialAdmins || s.workloadAdmins) lines.push(`Also: ${s.potentialAdmins} potential admin(s) (owners of role-holding PIM groups), ${s.workloadAdmins} service principal(s) with admin roles`);
  const admins = [...report.admins].sort((a, b) => (VERDICT_ORDER[a.verdict] ?? 9) - (VERDICT_ORDER[b.verdict] ?? 9) || (a.userPrincipalName ?? a.id).localeCompare(b.userPrincipalName ?? b.id));
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
          a.verdict === 'excluded' ? `listed in MONITOR_EXCLUDED_ACCOUNTS (${a.excludedBy ?? ''})` : a.gaps.length ? `${a.gaps[0]?.observed ? `[${a.gaps[0].observed.text}] ` : ''}${a.gaps[0]?.summary ?? ''}${a.gaps.length > 1 ? ` (+${a.gaps.length - 1} more)` : ''}` : '',
        ]),
      ),
    );
    if (admins.length > shown.length) lines.push(`… ${admins.length - shown.length} more admins (use --json for all)`);
    lines.push(`* eligible (PIM)${report.signInEvidence ? `; SIGN-INS over the last ${report.signInEvidence.windowDays} days: total, single-factor (single), contradicting the evaluation (!), MFA prompts completed/asked` : ''}`);
  }
  const findings = report.findings;
  if (findings.length > 0) {
    const by = (sev: string) => findings.filter((f) => f.severity === sev).length;
    lines.push('');
    lines.push(`Findings: ${by('high')} high, ${by('medium')} medium, ${by('low')} low`);
    const top = findings.slice(0, options.maxFindings ?? findings.length);
    lines.push(formatTable(['SEVERITY', 'FINDING', 'MESSAGE'], top.map((f) => [f.severity, findingTitle(f.type), f.message])));
    if (findings.length > top.length) lines.push(`… ${findings.length - top.length} more findings`);
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

function short(value: unknown, width = 60): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** One row per history item, with the columns that matter for each dataset. */
export function historyText(dataset: string, items: Array<Record<string, unknown>>): string {
  if (items.length === 0) return `no ${dataset} entries`;
  const pick: Record<string, Array<[string, (i: Record<string, unknown>) => unknown]>> = {
    runs: [['STARTED', (i) => i.startedAt], ['COLLECTOR', (i) => i.collector], ['STATUS', (i) => i.status], ['WRITES', (i) => i.writes], ['GRAPH', (i) => i.graphRequests], ['ERROR', (i) => i.error]],
    assignments: [['TIME', (i) => i.time], ['CHANGE', (i) => i.change], ['SUMMARY', (i) => i.summary]],
    admins: [['TIME', (i) => i.time], ['CHANGE', (i) => i.change], ['SUMMARY', (i) => i.summary]],
    policies: [['TIME', (i) => i.time], ['KIND', (i) => i.dataset], ['CHANGE', (i) => i.change], ['SUMMARY', (i) => i.summary]],
    activations: [['START', (i) => i.startDateTime], ['KIND', (i) => i.kind], ['PRINCIPAL', (i) => i.principalId], ['ROLE/GROUP', (i) => i.roleDefinitionId ?? i.groupId], ['END', (i) => i.endDateTime]],
    signins: [['TIME', (i) => i.createdDateTime], ['KIND', (i) => i.kind], ['USER', (i) => i.userPrincipalName], ['APP', (i) => i.appDisplayName], ['RESULT', (i) => i.result], ['REQUIRED', (i) => i.requirement], ['ERROR', (i) => (i.status as { errorCode?: number } | undefined)?.errorCode], ['IP', (i) => i.ipAddress]],
    findings: [['TIME', (i) => i.time], ['EVENT', (i) => i.event], ['SEVERITY', (i) => i.severity], ['TYPE', (i) => i.type], ['MESSAGE', (i) => i.message]],
    alerts: [['CREATED', (i) => i.createdAt], ['STATUS', (i) => i.status], ['ATTEMPTS', (i) => i.attempts], ['SUBJECT', (i) => i.subject], ['ERROR', (i) => i.lastError]],
  };
  const columns = pick[dataset] ?? [['ITEM', (i: Record<string, unknown>) => i]];
  return formatTable(columns.map(([h]) => h), items.map((i) => columns.map(([, f]) => short(f(i), 120))));
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
