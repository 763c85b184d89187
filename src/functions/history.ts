// HTTP: GET /api/history/{dataset} — admins, assignments, activations, signins, policies, findings, alerts,
// runs; filters from/to/principal/role/policy/type/severity, `top`, a continuation token and format=json|csv;
// `tenant` (a registered tenant's id) reads that tenant's tables instead of the deployment's own.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { CSV_COLUMNS, HistoryQueryError, parseHistoryQuery, queryHistory } from '../app/history.js';
import { getRuntime } from '../app/provider.js';
import { toCsv } from '../report/csv.js';
import { TenantInputError } from '../core/tenants.js';
import { registerHttp } from './lib/registry.js';

export async function history(request: HttpRequest): Promise<HttpResponseInit> {
  // A parameter given twice never gets here (guard.ts).
  const params: Record<string, string | undefined> = Object.fromEntries(request.query.entries());
  // `tenant`: a registered tenant's history (its own tables); none: the deployment's own tenant.
  const tenant = params.tenant;
  delete params.tenant;
  try {
    const { dataset, query } = parseHistoryQuery(request.params.dataset ?? '', params);
    const rt = await (await getRuntime()).tenants.select(tenant);
    const page = await queryHistory(rt.store, dataset, query);
    let next: string | null = null;
    if (page.continuation) {
      const url = new URL(request.url);
      url.searchParams.set('continuation', page.continuation);
      url.searchParams.delete('code');
      next = url.toString();
    }
    if (query.format === 'csv') {
      // The page as CSV (every field a column; formula injection neutralised); the next page in Link and x-continuation.
      const headers: Record<string, string> = { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="history-${dataset}.csv"`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
      if (next) Object.assign(headers, { link: `<${next}>; rel="next"`, 'x-continuation': page.continuation ?? '' });
      return { status: 200, headers, body: toCsv(CSV_COLUMNS[dataset], page.items) };
    }
    return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { ...page, count: page.items.length, next } };
  } catch (error) {
    if (error instanceof HistoryQueryError || error instanceof TenantInputError) return badRequest(error.problems);
    throw error;
  }
}

function badRequest(problems: string[]): HttpResponseInit {
  return { status: 400, jsonBody: { error: { code: 'BadRequest', message: problems.join('; '), details: problems } } };
}

registerHttp('history', { methods: ['GET'], route: 'history/{dataset}', authLevel: 'function', handler: history });
