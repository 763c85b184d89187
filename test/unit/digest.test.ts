// The alert digest: one mail, ordered by severity, mail-client-safe HTML, everything escaped, kinds folded.
import { describe, expect, it } from 'vitest';
import { composeDigest } from '../../src/core/digest.js';
import { type FindingType, makeFinding } from '../../src/core/finding-types.js';
import type { Finding, Summary } from '../../src/core/report.js';

const summary: Summary = { admins: 9, protected: 2, partial: 5, unprotected: 2, excluded: 0, unknown: 0, registered: 8, potentialAdmins: 0, workloadAdmins: 0, secureScoreEstimate: 2.2, secureScoreNotes: [] };

function f(type: FindingType, severity: Finding['severity'], subject: string, message = `${subject} has a gap`): Finding {
  return makeFinding(type, severity, subject, message, `${type}:${subject}`, { subjectName: subject });
}

describe('digest', () => {
  const findings = [
    f('admin-partially-protected', 'medium', 'p1@x'),
    f('exclusion-inconsistent', 'medium', '<img src=x onerror=alert(1)>@x'),
    f('admin-unprotected', 'high', '<img src=x onerror=alert(1)>@x', 'no MFA for <b>you</b>'),
    f('admin-partially-protected', 'medium', 'p2@x'),
    f('admin-partially-protected', 'medium', 'p3@x'),
    f('admin-partially-protected', 'medium', '<script>p4</script>'),
    f('admin-unprotected', 'high', 'u2@x'),
    f('policy-report-only', 'low', 'CA005'),
  ];
  const digest = composeDigest({ tenantId: 't', tenantName: 'Contoso <Test>', generatedAt: '2026-11-25T10:00:00Z', summary, findings, renotified: new Set(), reportUrl: 'https://report.example/?a=1&b=<2>' });

  it('orders by severity and names the counts and the worst finding in the subject', () => {
    expect(digest.subject).toBe('[admin-mfa-monitor] Contoso <Test>: 8 open findings (2 high, 5 medium, 1 low) — admin without mfa');
    const text = digest.text;
    expect(text.indexOf('[HIGH]')).toBeLessThan(text.indexOf('[MEDIUM]'));
    expect(text.indexOf('[MEDIUM]')).toBeLessThan(text.indexOf('[LOW]'));
  });

  it('folds more than three findings of one kind into one row, never high ones', () => {
    expect(digest.text.match(/\[HIGH\] Admin without MFA\n/g)).toHaveLength(2);
    expect(digest.text).toContain('[MEDIUM] Admin partly protected — 4');
    const folded = digest.text.split('\n').find((l) => l.includes('For example:')) ?? '';
    for (const name of ['p1@x', 'p2@x', 'p3@x', '<script>p4</script>']) expect(folded).toContain(name);
  });

  it('escapes every tenant string in the HTML and uses no scripts, SVG or external images', () => {
    expect(digest.html).toContain('no MFA for &lt;b&gt;you&lt;/b&gt;');
    expect(digest.html).toContain('&lt;img src=x onerror=alert(1)&gt;@x has a gap');
    expect(digest.html).toContain('&lt;script&gt;p4&lt;/script&gt;');
    expect(digest.html).toContain('Contoso &lt;Test&gt;');
    expect(digest.html).toContain('href="https://report.example/?a=1&amp;b=&lt;2&gt;"');
    expect(digest.html).not.toMatch(/<script|<svg|<img|<style/i);
    expect(digest.html).not.toMatch(/<[^>]*onerror/i);
    expect(digest.html).toMatch(/<table role="presentation"/);
  });

  it('is at most 600 px wide: every table and cell width, attribute or style', () => {
    for (const m of digest.html.matchAll(/width[=:]"?(\d+)(px)?/g)) expect(Number(m[1]), m[0]).toBeLessThanOrEqual(600);
    expect(digest.html).toContain('max-width:600px');
  });

  it('links only to REPORT_URL, and never to a loopback address', () => {
    const links = (url: string | null) => [...composeDigest({ tenantId: 't', tenantName: null, generatedAt: 'x', summary, findings, renotified: new Set(), reportUrl: url }).html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(links('https://report.example/r')).toEqual(['https://report.example/r']);
    expect(links(null)).toEqual([]);
    for (const local of ['http://127.0.0.1:7071/api/report', 'http://localhost:7071/api/report', 'http://[::1]/r']) expect(links(local), local).toEqual([]);
    expect(composeDigest({ tenantId: 't', tenantName: null, generatedAt: 'x', summary, findings, renotified: new Set(), reportUrl: 'http://127.0.0.1:7071/api/report' }).text).not.toContain('127.0.0.1');
  });

  it('R-NUMBERS-1 counts all open findings with the report\'s numbers, and says how many this mail tells', () => {
    const numbers = { admins: 9, protected: 2, partial: 5, unprotected: 2, excluded: 0, unknown: 0, needAttention: 7, findings: { open: 30, high: 3, medium: 18, low: 9, accepted: 1 } };
    const d = composeDigest({ tenantId: 't', tenantName: 'C', generatedAt: 'x', summary, numbers, findings, renotified: new Set(), reportUrl: null });
    expect(d.subject).toBe('[admin-mfa-monitor] C: 30 open findings (3 high, 18 medium, 9 low); 1 accepted — admin without mfa');
    expect(d.html).toContain('30 open findings (3 high, 18 medium, 9 low); 1 accepted; 8 in this mail (2 high, 5 medium, 1 low)');
    expect(d.text).toContain('9 admins: 2 protected, 5 partial, 2 unprotected, 0 excluded');
  });

  it('R-ACCEPT-2 a finding told again because its acceptance ended says so', () => {
    const high = findings[2] as Finding;
    const d = composeDigest({ tenantId: 't', tenantName: 'C', generatedAt: 'x', summary, findings: [high], renotified: new Set(), notes: new Map([[high.fingerprint, 'accepted until 2026-12-01; the acceptance expired']]), reportUrl: null });
    expect(d.text).toContain('(accepted until 2026-12-01; the acceptance expired)');
    expect(d.html).toContain('(accepted until 2026-12-01; the acceptance expired)');
  });
});
