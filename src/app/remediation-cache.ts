// The verified fixes (docs/remediation.md) of the tenant as stored, kept for the next request that reads the
// same data: the report page, check and the CLI are read again and again while the tenant does not change, and
// verifying every gap's candidates takes seconds in a tenant with a thousand admins. The key is a hash of
// everything the fixes are worked out from (the snapshot but its capture and read times and what no fix depends
// on, the options, and each admin's gaps), so any change in that data is a new key. One instance's memory; two
// entries.
import { createHash } from 'node:crypto';
import type { EvaluationOptions } from '../core/evaluate.js';
import { type GapFix, type RemediationOut, proposeRemediation } from '../core/remediation.js';
import type { Report } from '../core/report.js';
import type { TenantSnapshot } from '../core/snapshot.js';

interface Entry {
  remediation: RemediationOut;
  /** Per admin (in report order), per gap: its fix, where remediation set one. */
  fixes: Array<Array<GapFix | undefined>>;
}

const KEEP = 2;
const entries = new Map<string, Entry>();

function keyOf(snapshot: TenantSnapshot, options: EvaluationOptions, report: Report): string {
  const hash = createHash('sha256');
  // When each dataset was read does not change what it holds: only whether it could be read counts. Sign-in
  // evidence, Secure Score, licences and exemption controllers change often and no fix is worked out from them.
  const sources = Object.fromEntries(Object.entries(snapshot.dataSources).map(([name, status]) => [name, status?.state ?? null]));
  const { capturedAt: _at, signInEvidence: _signIns, secureScore: _score, mfaRecommendation: _recommendation, subscribedSkus: _skus, exemptions: _exemptions, ...rest } = snapshot;
  hash.update(JSON.stringify({ ...rest, dataSources: sources }));
  hash.update(JSON.stringify(options));
  for (const a of report.admins) hash.update(`\n${a.id}|${a.verdict}|${a.gaps.map((g) => `${g.kind ?? ''}#${g.state ?? ''}#${g.contexts}`).join('|')}`);
  return hash.digest('hex');
}

/** Sets `report.remediation` and each gap's `fix`: worked out, or as they were for the same data. */
export function withRemediation(snapshot: TenantSnapshot, options: EvaluationOptions, report: Report): { cached: boolean } {
  const key = keyOf(snapshot, options, report);
  const hit = entries.get(key);
  if (!hit) {
    report.remediation = proposeRemediation(snapshot, options, report);
    entries.set(key, { remediation: report.remediation, fixes: report.admins.map((a) => a.gaps.map((g) => g.fix)) });
    for (const old of entries.keys()) if (entries.size > KEEP) entries.delete(old);
    return { cached: false };
  }
  // Refreshed as the most recent.
  entries.delete(key);
  entries.set(key, hit);
  report.remediation = hit.remediation;
  report.admins.forEach((a, i) => {
    const fixes = hit.fixes[i] ?? [];
    if (fixes.some((f) => f !== undefined)) a.gaps = a.gaps.map((g, j) => (fixes[j] ? { ...g, fix: fixes[j] } : g));
  });
  return { cached: true };
}
