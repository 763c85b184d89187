// HTTP: GET /api/history/{dataset} — admins, assignments, activations, signins, policies, findings, alerts,
// runs; filters from/to/principal/role/policy/type/severity, `top` and a continuation token.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { HistoryQueryError, parseHistoryQuery, queryHistory } from '../app/history.js';
import { getRuntime } from '../app/provider.js';
import { registerHttp } from './lib/registry.js';

export async function history(request: HttpRequest): Promise<HttpResponseInit> {
  // A parameter given twice never gets here (guard.ts).
  const params = Object.fromEntries(request.query.entries());
  try {
    const { dataset, query } = parseHistoryQuery(request.params.dataset ?? '', params);
    const rt = await getRuntime();
    const page = await queryHistory(rt.store, dataset, query);
    let next: string | null = null;
    if (page.continuation) {
      const url = new URL(request.url);
      url.searchParams.set('continuation', page.continuation);
      url.searchParams.delete('code');
      next = url.toString();
    }
    return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { ...page, count: page.items.length, next } };
  } catch (error) {
    if (error instanceof HistoryQueryError) return badRequest(error.problems);
    throw error;
  }
}

function badRequest(problems: string[]): HttpResponseInit {
  return { status: 400, jsonBody: { error: { code: 'BadRequest', message: problems.join('; '), details: problems } } };
}

registerHttp('history', { methods: ['GET'], route: 'history/{dataset}', authLevel: 'function', handler: history });
