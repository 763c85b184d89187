// `admin-mfa-monitor fix` (the verified change for every gap, as the exact Graph requests) and
// `admin-mfa-monitor accept` (accepted risks: accept, list, withdraw). Both call the same HTTP handlers the
// deployed app serves (POST /api/check, /api/acknowledgements) through the local host.
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { AcknowledgementOut } from '../../src/core/acceptance.js';
import type { FixProposal, GraphRequest } from '../../src/core/remediation.js';
import type { AdminOut, Report } from '../../src/core/report.js';
import { who } from '../../src/core/report.js';
import type { Host } from '../host/host.js';
import { formatTable, gapLines, paragraph } from './format.js';

export interface CommandKit {
  withCommon(command: Command): Command;
  host(options: Record<string, unknown>, serve: boolean): Promise<Host>;
  checkNow(h: Host): Promise<{ report: Report; body: string } | undefined>;
}

/** The request as an administrator sends it: method, absolute URL, JSON body. */
export function requestText(r: GraphRequest, graphBaseUrl: string): string {
  const url = `${graphBaseUrl.replace(/\/$/, '')}/v1.0${r.path}`;
  return r.body ? `${r.method} ${url}\nContent-Type: application/json\n\n${JSON.stringify(r.body, null, 2)}` : `${r.method} ${url}`;
}

/** The same request for the Azure CLI (`az rest` signs in as the user running it). */
export function azRest(r: GraphRequest, graphBaseUrl: string): string {
  const url = `${graphBaseUrl.replace(/\/$/, '')}/v1.0${r.path}`;
  return `az rest --method ${r.method} --url '${url}'${r.body ? ` --headers Content-Type=application/json --body '${JSON.stringify(r.body).replace(/'/g, "'\\''")}'` : ''}`;
}

function otherUsers(p: FixProposal): string {
  const o = p.sideEffects.otherUsers;
  return o === 'all' ? 'every user it applies to' : o === null ? 'users besides the admins (not all counted: members of groups other than admins are not read)' : o === 0 ? 'no user besides the admins' : `${o} user${o === 1 ? '' : 's'} besides the admins`;
}

export function proposalText(p: FixProposal, index: number, report: Report, graphBaseUrl: string): string {
  const names = new Map(report.admins.map((a) => [a.id, who(a)]));
  const admins = [...new Set(p.closes.map((c) => names.get(c.adminId) ?? c.adminId))];
  const lines = [`[${index}] ${p.title} (${p.id})${p.closes.length ? ` — closes ${p.closes.length} gap${p.closes.length === 1 ? '' : 's'} of ${admins.length} admin${admins.length === 1 ? '' : 's'}` : ''}`];
  if (admins.length) lines.push(paragraph(`for: ${admins.join(', ')}`, '      ', '    '));
  lines.push('    changes:');
  for (const c of p.changes) lines.push(paragraph(c, '        ', '      - '));
  const covered = p.sideEffects.adminsCoveredCount;
  lines.push(paragraph(`side effects: ${p.sideEffects.description} Reaches ${otherUsers(p)}; puts ${covered} admin${covered === 1 ? '' : 's'} under MFA in more sign-ins${p.sideEffects.adminsCovered.length ? ` (${p.sideEffects.adminsCovered.join(', ')}${covered > p.sideEffects.adminsCovered.length ? ', …' : ''})` : ''}.`, '      ', '    '));
  for (const n of p.sideEffects.notes) lines.push(paragraph(`note: ${n}`, '      ', '    '));
  lines.push(paragraph(`verified: the engine re-evaluated the tenant with this change — the gap is closed and no admin loses coverage (${p.verification.adminsChecked} admins).`, '      ', '    '));
  for (const r of p.requests) {
    lines.push(`    needs ${r.permission}:`);
    lines.push(...requestText(r, graphBaseUrl).split('\n').map((l) => `      ${l}`.trimEnd()));
    lines.push(`      # or: ${azRest(r, graphBaseUrl)}`);
  }
  return lines.join('\n');
}

function findAdmin(report: Report, wanted: string): AdminOut | undefined {
  const w = wanted.toLowerCase();
  const all = report.admins;
  return (
    all.find((a) => a.id === w || a.userPrincipalName?.toLowerCase() === w || a.displayName?.toLowerCase() === w) ??
    (() => {
      const prefix = all.filter((a) => a.userPrincipalName?.toLowerCase().startsWith(w) || a.displayName?.toLowerCase().startsWith(w));
      return prefix.length === 1 ? prefix[0] : undefined;
    })()
  );
}

/** The text of `fix`: every proposal, cheapest and widest first; with --admin, that admin's gaps and their fixes. */
export function fixText(report: Report, graphBaseUrl: string, admin?: AdminOut): string {
  const r = report.remediation;
  if (!r) return 'This report carries no remediation (it is computed by check, the report and fix).';
  const lines: string[] = [paragraph(`${r.note} ${r.fixed} of ${r.gaps} gaps have a verified fix.`)];
  const byId = new Map(r.proposals.map((p) => [p.id, p]));
  if (admin) {
    lines.push('', `${who(admin)} — ${admin.verdict}${admin.gaps.length ? '' : ': no gaps'}`);
    let n = 0;
    for (const gap of admin.gaps) {
      lines.push(...gapLines(gap, '  '));
      for (const id of [gap.fix?.proposalId, ...(gap.fix?.alternatives ?? [])]) {
        const p = id ? byId.get(id) : undefined;
        if (p) lines.push('', proposalText(p, ++n, report, graphBaseUrl).replace(/^\[(\d+)\]/, id === gap.fix?.proposalId ? '[$1] smallest:' : '[$1] alternative:'));
      }
      lines.push('');
    }
    return lines.join('\n');
  }
  const chosen = r.proposals.filter((p) => p.closes.length > 0);
  chosen.forEach((p, i) => lines.push('', proposalText(p, i + 1, report, graphBaseUrl)));
  const alternatives = r.proposals.length - chosen.length;
  if (alternatives) lines.push('', `${alternatives} alternative${alternatives === 1 ? '' : 's'} more: admin-mfa-monitor fix --admin <UPN> shows them per gap; --json carries them all.`);
  return lines.join('\n');
}

export function acknowledgementsText(items: readonly AcknowledgementOut[]): string {
  if (items.length === 0) return 'No accepted risks.';
  return formatTable(
    ['UNTIL', 'STATE', 'FINDING', 'OWNER', 'ACCEPTED', 'REASON'],
    items.map((a) => [a.until.slice(0, 10), a.state === 'active' ? (a.open ? 'active' : 'active (resolved)') : a.state === 'changed' ? `changed: ${a.changes.join('; ')}` : 'expired', `${a.title}: ${a.subjectName ?? a.subjectId}\nid: ${a.fingerprint}`, a.owner, `${a.acceptedAt.slice(0, 16).replace('T', ' ')} by ${a.acceptedBy}`, a.reason]),
  );
}

function untilOption(value: string): string {
  return value.trim();
}

 
export function addRemediationCommands(program: Command, kit: CommandKit): void {
  kit
    .withCommon(
      program
        .command('fix')
        .description('for every gap, the smallest verified change that closes it, as the exact Microsoft Graph request (collects and evaluates first, like check; the monitor never writes to the tenant)')
        .option('--admin <upn-or-name>', 'only this admin: each gap with its reasons, its fix and the alternatives (a UPN, the start of one, a display name or an object id)'),
    )
    .action(async (options: { admin?: string; json?: boolean } & Record<string, unknown>) => {
      const h = await kit.host(options, false);
      try {
        const report = (await kit.checkNow(h))?.report;
        if (!report) return;
        const admin = options.admin ? findAdmin(report, options.admin) : undefined;
        if (options.admin && !admin) {
          console.error(`fix: --admin: no admin matches '${options.admin}' (${report.admins.length} admins; give a UPN, the start of one, a display name or an object id)`);
          process.exitCode = 2;
          return;
        }
        if (options.json) {
          const remediation = report.remediation;
          const ids = admin ? new Set(admin.gaps.flatMap((g) => [g.fix?.proposalId, ...(g.fix?.alternatives ?? [])]).filter(Boolean)) : undefined;
          const gaps = (admin ? [admin] : report.admins).flatMap((a) => a.gaps.map((g, i) => ({ adminId: a.id, admin: who(a), gap: i, headline: g.headline, reasons: g.reasons, fix: g.fix })));
          console.log(JSON.stringify({ note: remediation?.note, gaps, proposals: (remediation?.proposals ?? []).filter((p) => !ids || ids.has(p.id)) }, null, 2));
        } else console.log(fixText(report, h.settings.graphBaseUrl, admin));
      } finally {
        await h.stop();
      }
    });

  kit
    .withCommon(
      program
        .command('accept')
        .description('accept the risk of an open finding (the same handler as POST /api/acknowledgements): it is not mailed again until --until, or until it changes (a new gap, a new path)')
        .argument('[finding]', 'the finding id (its fingerprint: shown by check, the report and history findings)')
        .option('--reason <text>', 'why the risk is accepted (required; at most 500 characters)')
        .option('--until <date>', 'when the acceptance lapses (ISO date or date-time; default ACCEPTED_RISK_DEFAULT_DAYS, at most ACCEPTED_RISK_MAX_DAYS)', untilOption)
        .option('--owner <name>', 'who answers for the risk (default: the user running the command)')
        .option('--list', 'list every accepted risk and its state')
        .option('--withdraw', 'withdraw the acceptance of <finding>'),
    )
    .action(async (finding: string | undefined, options: { reason?: string; until?: string; owner?: string; list?: boolean; withdraw?: boolean; json?: boolean } & Record<string, unknown>) => {
      if (!options.list && !finding) {
        console.error('accept: give the finding id (or --list)');
        process.exitCode = 2;
        return;
      }
      const h = await kit.host(options, false);
      try {
        const base = 'http://127.0.0.1/api/acknowledgements';
        const response = options.list
          ? await h.invokeHttp('acknowledgements', { method: 'GET', url: base })
          : options.withdraw
            ? await h.invokeHttp('acknowledgements', { method: 'DELETE', url: `${base}?finding=${encodeURIComponent(finding as string)}` })
            : await h.invokeHttp('acknowledgements', {
                method: 'POST',
                url: base,
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ finding, reason: options.reason, owner: options.owner ?? userInfo().username, ...(options.until ? { until: options.until } : {}) }),
              });
        if (response.status >= 400) {
          const body = JSON.parse(response.body) as { error?: { details?: string[]; message?: string } };
          console.error(`accept: ${(body.error?.details ?? [body.error?.message ?? response.body]).join('\n        ')}`);
          process.exitCode = 2;
          return;
        }
        if (options.json) console.log(response.body || '{}');
        else if (options.list) console.log(acknowledgementsText((JSON.parse(response.body) as { items: AcknowledgementOut[] }).items));
        else if (options.withdraw) console.log(`withdrawn: ${finding}; the next evaluation mails it again if it is still raised`);
        else {
          const ack = JSON.parse(response.body) as { fingerprint: string; until: string; owner: string };
          console.log(`accepted: ${ack.fingerprint} until ${ack.until} (owner ${ack.owner}); not mailed again until then, unless it changes (a new gap, a new path)`);
        }
      } finally {
        await h.stop();
      }
    });
}
