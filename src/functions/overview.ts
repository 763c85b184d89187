// HTTP: GET /api/overview — every tenant (the deployment's own and the registered ones): verdict counts, worst
// open findings, data freshness, trend. `format=json` (default html), `sort` (risk, name, unprotected,
// findings, freshness), `order` (asc, desc). Function key like every HTTP function; reads storage only.
import { randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { buildOverview } from '../app/overview.js';
import { getRuntime } from '../app/provider.js';
import { OVERVIEW_SORTS, type OverviewSort, overviewTotals, sortOverview } from '../core/overview.js';
import { renderOverviewPage } from '../report/overview.js';
import { htmlPageHeaders } from './lib/html.js';
import { registerHttp } from './lib/registry.js';

function bad(message: string): HttpResponseInit {
  return { status: 400, headers: { 'cache-control': 'no-store' }, jsonBody: { error: { code: 'BadRequest', message } } };
}

export async function overview(request: HttpRequest): Promise<HttpResponseInit> {
  const format = request.query.get('format') ?? 'html';
  const sort = request.query.get('sort') ?? 'risk';
  const order = request.query.get('order');
  if (format !== 'html' && format !== 'json') return bad('format: expected html or json');
  if (!(OVERVIEW_SORTS as readonly string[]).includes(sort)) return bad(`sort: expected one of ${OVERVIEW_SORTS.join(', ')}`);
  if (order !== null && order !== 'asc' && order !== 'desc') return bad('order: expected asc or desc');
  const rt = await getRuntime();
  const rows = sortOverview(await buildOverview(rt), sort as OverviewSort, order ?? undefined);
  const now = rt.now().toISOString();
  if (format === 'json') return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { asOf: now, totals: overviewTotals(rows), items: rows } };
  const nonce = randomBytes(16).toString('base64');
  return {
    status: 200,
    headers: htmlPageHeaders(nonce, { script: false }),
    body: renderOverviewPage(rows, { nonce, sort: sort as OverviewSort, order: order === 'asc' ? 'asc' : order === 'desc' ? 'desc' : 'desc', now }),
  };
}

registerHttp('overview', { methods: ['GET'], route: 'overview', authLevel: 'function', handler: overview });
