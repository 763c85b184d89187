// HTTP: GET /api/report — the HTML report, rendered from stored state (no Graph calls), offline (Chart.js inlined);
// `?tenant=<id>` renders a registered tenant's.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getRuntime } from '../app/provider.js';
import { REPORT_DAYS, buildReportModel } from '../app/report-page.js';
import { renderReportPage } from '../report/render.js';
import { TenantInputError } from '../core/tenants.js';
import { htmlPageHeaders } from './lib/html.js';
import { registerHttp } from './lib/registry.js';

let chartJs: string | undefined;

/** Chart.js from the package, read once and inlined (no CDN: the report must work offline). */
function chartBundle(): string {
  // chart.js's exports map hides dist/ files from resolve(); its main entry sits in dist/ next to the UMD bundle.
  chartJs ??= readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  return chartJs;
}

export async function report(request: HttpRequest): Promise<HttpResponseInit> {
  const daysParam = request.query.get('days');
  const days = daysParam === null ? REPORT_DAYS : Number(daysParam);
  if (!Number.isInteger(days) || days < 1 || days > 365) {
    return { status: 400, jsonBody: { error: { code: 'BadRequest', message: 'days: expected a whole number from 1 to 365' } } };
  }
  let rt;
  try {
    // `tenant`: a registered tenant's report (its own tables); none: the deployment's own tenant.
    rt = await (await getRuntime()).tenants.select(request.query.get('tenant') ?? undefined);
  } catch (error) {
    if (error instanceof TenantInputError) return { status: 400, jsonBody: { error: { code: 'BadRequest', message: error.problems.join('; ') } } };
    throw error;
  }
  const model = await buildReportModel(rt.store, rt.settings, rt.source.tenant, rt.now(), days);
  const nonce = randomBytes(16).toString('base64');
  return {
    status: 200,
    headers: htmlPageHeaders(nonce, { script: true }),
    body: renderReportPage(model, { nonce, chartJs: chartBundle() }),
  };
}

registerHttp('report', { methods: ['GET'], route: 'report', authLevel: 'function', handler: report });
