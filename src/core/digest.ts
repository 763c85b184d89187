// The alert digest: one mail per run, findings ordered by severity, as HTML that renders in Outlook and
// Gmail (layout tables, inline styles, no scripts, no SVG, no external images) and as plain text. Every
// string that comes from the tenant is escaped.
import escapeHtml from 'escape-html';
import type { Finding, Severity, Summary } from './report.js';
import { SEVERITY_ORDER } from './report.js';
import { findingTitle } from './finding-types.js';

export interface DigestInput {
  tenantId: string;
  tenantName: string | null;
  generatedAt: string;
  summary: Summary;
  /** New and re-notified findings, any order. */
  findings: Finding[];
  /** Findings that are being re-sent because they are still unresolved. */
  renotified: ReadonlySet<string>;
  reportUrl: string | null;
}

export interface Digest {
  subject: string;
  html: string;
  text: string;
}

const COLORS: Record<Severity, { fg: string; bg: string; label: string }> = {
  high: { fg: '#ffffff', bg: '#b42318', label: 'HIGH' },
  medium: { fg: '#1f1300', bg: '#f5b83d', label: 'MEDIUM' },
  low: { fg: '#ffffff', bg: '#5b6b7f', label: 'LOW' },
};

/** Mail is read on phones: long messages (an admin's every gap) are cut, the report has the rest. */
const MAX_MESSAGE = 480;

export function clip(message: string, max = MAX_MESSAGE): string {
  if (message.length <= max) return message;
  const cut = message.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 40))} … (full text in the report)`;
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.type.localeCompare(b.type) || a.fingerprint.localeCompare(b.fingerprint));
}

/** One row of the digest: a finding, or several findings of one kind folded together. */
interface Entry {
  severity: Severity;
  type: string;
  title: string;
  message: string;
  fieldChanges: string[];
  renotified: boolean;
}

/** Above this many findings of one kind (below high severity), the digest lists them in one row. */
const FOLD_AFTER = 3;

function entries(findings: Finding[], renotified: ReadonlySet<string>): Entry[] {
  const byType = new Map<string, Finding[]>();
  for (const f of findings) byType.set(f.type, [...(byType.get(f.type) ?? []), f]);
  const folded = new Set<string>();
  const out: Entry[] = [];
  for (const f of findings) {
    const group = byType.get(f.type) ?? [f];
    if (f.severity !== 'high' && group.length > FOLD_AFTER) {
      if (folded.has(f.type)) continue;
      folded.add(f.type);
      const names = group.map((g) => g.subjectName ?? g.subjectId);
      const shown = names.slice(0, 12).join(', ');
      out.push({
        severity: f.severity,
        type: f.type,
        title: `${findingTitle(f.type)} — ${group.length}`,
        message: `${shown}${names.length > 12 ? ` and ${names.length - 12} more` : ''}. For example: ${clip(f.message, 300)}`,
        fieldChanges: [],
        renotified: group.every((g) => renotified.has(g.fingerprint)),
      });
      continue;
    }
    out.push({
      severity: f.severity,
      type: f.type,
      title: findingTitle(f.type),
      message: clip(f.message),
      fieldChanges: (f as { details?: { fieldChanges?: string[] } }).details?.fieldChanges ?? [],
      renotified: renotified.has(f.fingerprint),
    });
  }
  return out;
}

export function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

export function composeDigest(input: DigestInput): Digest {
  const findings = sortFindings(input.findings);
  const c = severityCounts(findings);
  const tenant = input.tenantName ?? input.tenantId;
  const headline = findings[0] ? findingTitle(findings[0].type).toLowerCase() : 'no findings';
  const parts = (['high', 'medium', 'low'] as Severity[]).filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  // Subjects are plain text (no HTML), so only control characters need removing.
  const subject = `[admin-mfa-monitor] ${tenant}: ${parts.join(', ')}${findings.length ? ` — ${headline}` : ''}`.replace(/[\r\n\t]+/g, ' ');
  return { subject, html: html(input, findings, c), text: text(input, findings, c) };
}

function text(input: DigestInput, findings: Finding[], c: Record<Severity, number>): string {
  const s = input.summary;
  const lines = [
    `Admin MFA monitor — ${input.tenantName ?? input.tenantId} (${input.tenantId})`,
    `Evaluated ${input.generatedAt}: ${s.admins} admins — ${s.protected} protected, ${s.partial} partial, ${s.unprotected} unprotected, ${s.excluded} excluded${s.unknown ? `, ${s.unknown} unknown` : ''}. Secure Score estimate ${s.secureScoreEstimate}/10${typeof s.microsoftSecureScore === 'number' ? `; Microsoft shows ${s.microsoftSecureScore}/10 (the report explains the difference)` : ''}.`,
    `${findings.length} finding${findings.length === 1 ? '' : 's'}: ${c.high} high, ${c.medium} medium, ${c.low} low.`,
    '',
  ];
  for (const entry of entries(findings, input.renotified)) {
    lines.push(`[${entry.severity.toUpperCase()}] ${entry.title}${entry.renotified ? ' (still unresolved)' : ''}`);
    lines.push(`  ${entry.message}`);
    for (const change of entry.fieldChanges) lines.push(`    ${change}`);
    lines.push('');
  }
  if (input.reportUrl) lines.push(`Full report: ${input.reportUrl}`);
  lines.push('You receive this because your address is in ALERT_RECIPIENTS of the admin-mfa-monitor deployment.');
  return lines.join('\n');
}

function html(input: DigestInput, findings: Finding[], c: Record<Severity, number>): string {
  const e = escapeHtml;
  const s = input.summary;
  const cell = 'padding:10px 12px;border-bottom:1px solid #e4e7ec;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:20px;color:#101828;vertical-align:top;';
  const rows = entries(findings, input.renotified)
    .map((f) => {
      const color = COLORS[f.severity];
      const details = f.fieldChanges;
      const diff = details.length
        ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin-top:6px;border-collapse:collapse;">${details
            .map((d) => `<tr><td style="font-family:Consolas,Menlo,monospace;font-size:12px;line-height:18px;color:#344054;padding:1px 0;">${e(d)}</td></tr>`)
            .join('')}</table>`
        : '';
      return `<tr>
<td style="${cell}width:84px;"><span style="display:inline-block;padding:2px 8px;border-radius:3px;background:${color.bg};color:${color.fg};font-size:11px;font-weight:bold;letter-spacing:0.5px;">${color.label}</span></td>
<td style="${cell}"><div style="font-weight:bold;">${e(f.title)}${f.renotified ? ' <span style="font-weight:normal;color:#667085;">(still unresolved)</span>' : ''}</div><div>${e(f.message)}</div>${diff}<div style="color:#98a2b3;font-size:12px;">${e(f.type)}</div></td>
</tr>`;
    })
    .join('\n');
  const link = input.reportUrl
    ? `<tr><td style="padding:20px 24px;"><a href="${e(input.reportUrl)}" style="display:inline-block;background:#1d4ed8;color:#ffffff;text-decoration:none;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;font-weight:bold;padding:10px 18px;border-radius:4px;">Open the report</a></td></tr>`
    : '';
  const stat = (label: string, value: number | string, color: string) =>
    `<td align="center" style="padding:8px 4px;font-family:Segoe UI,Helvetica,Arial,sans-serif;"><div style="font-size:22px;font-weight:bold;color:${color};">${e(String(value))}</div><div style="font-size:12px;color:#667085;">${e(label)}</div></td>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(`Admin MFA monitor — ${input.tenantName ?? input.tenantId}`)}</title></head>
<body style="margin:0;padding:0;background:#f2f4f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f2f4f7;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" style="width:680px;max-width:100%;background:#ffffff;border:1px solid #e4e7ec;border-collapse:collapse;">
<tr><td style="padding:20px 24px;background:#101828;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#ffffff;">
<div style="font-size:12px;letter-spacing:1px;color:#98a2b3;">ADMIN MFA MONITOR</div>
<div style="font-size:20px;font-weight:bold;margin-top:4px;">${e(input.tenantName ?? input.tenantId)}</div>
<div style="font-size:13px;color:#d0d5dd;margin-top:4px;">${findings.length} finding${findings.length === 1 ? '' : 's'}: ${c.high} high, ${c.medium} medium, ${c.low} low · evaluated ${e(input.generatedAt)}</div>
</td></tr>
<tr><td style="padding:12px 16px;border-bottom:1px solid #e4e7ec;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
${stat('admins', s.admins, '#101828')}${stat('protected', s.protected, '#067647')}${stat('partial', s.partial, '#b54708')}${stat('unprotected', s.unprotected, '#b42318')}${stat('excluded', s.excluded, '#475467')}${stat('Secure Score est.', `${s.secureScoreEstimate}/10`, '#101828')}
</tr></table></td></tr>
<tr><td style="padding:0;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">
${rows}
</table></td></tr>
${link}
<tr><td style="padding:16px 24px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:12px;line-height:18px;color:#667085;">Tenant ${e(input.tenantId)}. You receive this because your address is in ALERT_RECIPIENTS of the admin-mfa-monitor deployment. Findings are sent once; unresolved high findings are repeated after the re-notify interval.</td></tr>
</table></td></tr></table>
</body></html>`;
}
