// Writes the finding-type sections of docs/alerts.md from the catalog (src/core/finding-types.ts), between
// the markers below; `npm run docs` runs it and a test fails when the page and the catalog differ.
//   node dist/devkit/docs/findings.js [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FINDING_TYPES, type FindingTypeInfo } from '../../src/core/finding-types.js';
import { packageRoot } from '../fixture/load.js';

export const BEGIN = '<!-- finding-types: generated from src/core/finding-types.ts by `npm run docs`; do not edit by hand -->';
export const END = '<!-- /finding-types -->';

function severity(info: FindingTypeInfo): string {
  return typeof info.severity === 'string' ? info.severity : `${info.severity[0]} or ${info.severity[1]}`;
}

/** One section per type, events after states, each with an anchor that is its id. */
export function findingTypesMarkdown(): string {
  const entries = Object.entries(FINDING_TYPES) as Array<[string, FindingTypeInfo]>;
  const section = (kind: FindingTypeInfo['kind']) =>
    entries
      .filter(([, info]) => info.kind === kind)
      .map(
        ([id, info]) =>
          `### ${id}\n\n**${info.title}** — ${severity(info)}; subject: ${info.subject}${info.rule ? `; rule [${info.rule}](evaluation.md)` : ''}.\n\n${info.meaning}\n\n*What to do:* ${info.remediation}\n`,
      )
      .join('\n');
  return [
    BEGIN,
    '',
    '## Finding types',
    '',
    'Every finding carries one of these `type` ids (a contract, like the check JSON) and the type\'s `title`.',
    '',
    '### State findings',
    '',
    'Open while the condition holds, resolved when it stops (see [Snapshot findings](#snapshot-findings)).',
    '',
    section('state'),
    '### Change findings',
    '',
    'One-off events found by the diff after an evaluation (see [Change findings](#change-findings)).',
    '',
    section('event'),
    END,
  ].join('\n');
}

/** The page with its generated block replaced (appended when the page has none yet). */
export function withFindingTypes(page: string): string {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < start) return `${page.trimEnd()}\n\n${findingTypesMarkdown()}\n`;
  return `${page.slice(0, start)}${findingTypesMarkdown()}${page.slice(end + END.length)}`;
}

export const ALERTS_PAGE = path.join(packageRoot(), 'docs', 'alerts.md');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const page = readFileSync(ALERTS_PAGE, 'utf8');
  const next = withFindingTypes(page);
  if (process.argv.includes('--check')) {
    if (next !== page) {
      console.error('docs/alerts.md is out of date with src/core/finding-types.ts: run npm run docs');
      process.exit(1);
    }
  } else if (next !== page) writeFileSync(ALERTS_PAGE, next);
}
