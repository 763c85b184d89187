// The catalog of finding types is the one source of their wording: docs/alerts.md is generated from it, every
// type in it is raised somewhere, and the digest, report and CLI show its titles.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERTS_PAGE, findingTypesMarkdown, withFindingTypes } from '../../devkit/docs/findings.js';
import { reportText } from '../../devkit/cli/format.js';
import { composeDigest } from '../../src/core/digest.js';
import { FINDING_TYPES, FINDING_TYPE_IDS, findingTitle, makeFinding } from '../../src/core/finding-types.js';
import type { Report } from '../../src/core/report.js';

const SRC = path.resolve(path.dirname(ALERTS_PAGE), '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(path.join(dir, e.name), 'utf8')] : []));
}

describe('finding-type catalog', () => {
  it('docs/alerts.md holds exactly the generated sections (npm run docs)', () => {
    const page = readFileSync(ALERTS_PAGE, 'utf8');
    expect(withFindingTypes(page)).toBe(page);
    for (const id of FINDING_TYPE_IDS) expect(findingTypesMarkdown()).toContain(`### ${id}\n`);
  });

  it('every catalogued type is raised by the code (no dead entries)', () => {
    const code = sources(SRC).filter((text) => !text.includes('export const FINDING_TYPES')).join('\n');
    for (const id of FINDING_TYPE_IDS) expect(code, id).toMatch(new RegExp(`['\`]${id}['\`:]`));
  });

  it('every entry has a title, a meaning and a remediation of one or two sentences', () => {
    for (const [id, info] of Object.entries(FINDING_TYPES)) {
      expect(info.title.length, id).toBeLessThanOrEqual(40);
      expect(info.meaning, id).toMatch(/\.$/);
      expect(info.remediation, id).toMatch(/\.$/);
    }
  });

  it('findings carry the title, and the digest and the CLI print it', () => {
    const f = makeFinding('admin-lost-protection', 'high', 'u1', 'u1 went from protected to partial', 'admin-lost-protection:u1:first');
    expect(f.title).toBe(FINDING_TYPES['admin-lost-protection'].title);
    const summary = { admins: 1, protected: 0, partial: 1, unprotected: 0, excluded: 0, unknown: 0, registered: 1, potentialAdmins: 0, workloadAdmins: 0, secureScoreEstimate: 0, secureScoreNotes: [] };
    const digest = composeDigest({ tenantId: 't', tenantName: 'T', generatedAt: '2026-12-01T00:00:00Z', summary, findings: [f], renotified: new Set(), reportUrl: null });
    expect(digest.text).toContain(f.title);
    expect(digest.subject).toContain(f.title.toLowerCase());
    const report = { findings: [f], admins: [], potentialAdmins: [], workloadAdmins: [], dataSources: {}, policies: [], summary, tenantId: 't', tenantName: 'T', generatedAt: '2026-12-01T00:00:00Z' } as unknown as Report;
    expect(reportText(report)).toContain(f.title);
    expect(findingTitle('retired-type')).toBe('retired-type');
  });
});
