// HTTP: accepted risks. POST /api/acknowledgements accepts a finding (reason, owner, until); GET lists every
// acknowledgement with its state; DELETE /api/acknowledgements?finding={id} withdraws one (the finding is told again
// by the next evaluation if it is still raised). Function key like every HTTP function; bad input is a 400 or
// 404 naming the field.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { AcceptanceError, acceptFinding, withdrawAcknowledgement } from '../app/acknowledgements.js';
import { evaluateStored } from '../app/evaluation.js';
import { getRuntime } from '../app/provider.js';
import { registerHttp } from './lib/registry.js';

function error(status: number, problems: string[]): HttpResponseInit {
  const code = status === 404 ? 'NotFound' : status === 409 ? 'Conflict' : 'BadRequest';
  return { status, headers: { 'cache-control': 'no-store' }, jsonBody: { error: { code, message: problems.join('; '), details: problems } } };
}

/** The caller's name where App Service authentication vouches for it (the header is stripped from requests otherwise). */
function caller(request: HttpRequest): string | null {
  const name = request.headers.get('x-ms-client-principal-name')?.trim();
  return name && request.headers.get('x-ms-client-principal-id') ? name.slice(0, 200) : null;
}

export async function acknowledgements(request: HttpRequest): Promise<HttpResponseInit> {
  const rt = await getRuntime();
  const now = rt.now().toISOString();
  const current = async () => (await evaluateStored(rt.store, rt.settings, rt.source.tenant, now, undefined, { remediation: false })).report;
  try {
    if (request.method === 'GET') {
      const report = await current();
      return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { items: report.acknowledgements ?? [], count: report.acknowledgements?.length ?? 0 } };
    }
    if (request.method === 'DELETE') {
      const fingerprint = request.query.get('finding') ?? '';
      await withdrawAcknowledgement(rt.store, fingerprint, caller(request), now);
      return { status: 204, headers: { 'cache-control': 'no-store' } };
    }
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return error(400, ['body: expected a JSON object with finding, reason, owner and until']);
    }
    const ack = await acceptFinding(rt.store, rt.settings, { body, caller: caller(request), now }, current);
    return { status: 201, headers: { 'cache-control': 'no-store' }, jsonBody: ack };
  } catch (e) {
    if (e instanceof AcceptanceError) return error(e.status, e.problems);
    throw e;
  }
}

registerHttp('acknowledgements', { methods: ['GET', 'POST', 'DELETE'], route: 'acknowledgements', authLevel: 'function', handler: acknowledgements });
