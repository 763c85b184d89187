// One set of numbers (R-NUMBERS-1, docs/evaluation.md): the console, the mail's subject and header, the report
// and the check contract count admins and findings with this one function and say them with these phrases, so
// they can never disagree. Open findings are those raised by the evaluation that are not accepted risks.
import { isAccepted } from './acceptance.js';
import type { Finding, Report, Severity, Summary } from './report.js';

/** The summary's admin counts by verdict, and: */
export interface ReportNumbers extends Pick<Summary, 'admins' | 'protected' | 'partial' | 'unprotected' | 'excluded' | 'unknown'> {
  /** Partial, unprotected or unknown: admins someone has to look at. */
  needAttention: number;
  findings: {
    /** Raised and not accepted. */
    open: number;
    high: number;
    medium: number;
    low: number;
    /** Raised and accepted (an active acknowledgement). */
    accepted: number;
  };
}

export function countFindings(findings: readonly Finding[]): ReportNumbers['findings'] {
  const out = { open: 0, high: 0, medium: 0, low: 0, accepted: 0 };
  for (const f of findings) {
    if (isAccepted(f)) out.accepted++;
    else {
      out.open++;
      out[f.severity as Severity]++;
    }
  }
  return out;
}

export function reportNumbers(report: Pick<Report, 'summary' | 'findings'>): ReportNumbers {
  const s: Summary = report.summary;
  return {
    admins: s.admins,
    protected: s.protected,
    partial: s.partial,
    unprotected: s.unprotected,
    excluded: s.excluded,
    unknown: s.unknown,
    needAttention: s.partial + s.unprotected + s.unknown,
    findings: countFindings(report.findings),
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "23 admins: 7 protected, 12 partial, 2 unprotected, 2 excluded" (and "1 unknown" when there is one). */
export function adminsPhrase(n: ReportNumbers): string {
  return `${plural(n.admins, 'admin')}: ${n.protected} protected, ${n.partial} partial, ${n.unprotected} unprotected, ${n.excluded} excluded${n.unknown ? `, ${n.unknown} unknown` : ''}`;
}

/** "30 open findings (3 high, 18 medium, 9 low)" (and "; 2 accepted" when some are). */
export function findingsPhrase(n: ReportNumbers): string {
  const f = n.findings;
  return `${plural(f.open, 'open finding')} (${f.high} high, ${f.medium} medium, ${f.low} low)${f.accepted ? `; ${f.accepted} accepted` : ''}`;
}
