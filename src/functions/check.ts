// HTTP: POST /api/check runs collection and evaluation now; GET /api/check/{id} reports on a running one.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { CheckCoordinator, type CheckState, storedCheck, within } from '../app/check.js';
import { getRuntime } from '../app/provider.js';
import { registerHttp } from './lib/registry.js';

const coordinator = new CheckCoordinator(getRuntime);

/** How long a POST waits before answering 202 with a status URL. */
const DEFAULT_WAIT_SECONDS = 10;

function answer(state: CheckState, statusUrl: string): HttpResponseInit {
  const headers = { 'x-check-id': state.id, 'cache-control': 'no-store' };
  if (state.status === 'running') {
    return { status: 202, headers: { ...headers, location: statusUrl, 'retry-after': '5' }, jsonBody: { id: state.id, status: 'running', startedAt: state.startedAt, statusUrl } };
  }
  if (state.status === 'failed' && !state.report) {
    return { status: 503, headers, jsonBody: { id: state.id, status: 'failed', error: state.error } };
  }
  return { status: 200, headers: { ...headers, 'x-check-status': state.status }, jsonBody: state.report };
}

function statusUrl(request: HttpRequest, id: string): string {
  const url = new URL(request.url);
  return `${url.origin}/api/check/${id}`;
}

export async function check(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const rt = await getRuntime();
  const waitParam = request.query.get('wait');
  const wait = waitParam === null ? DEFAULT_WAIT_SECONDS : Number(waitParam);
  if (!Number.isFinite(wait) || wait < 0 || wait > 230) {
    return { status: 400, jsonBody: { error: { code: 'BadRequest', message: 'wait: expected seconds from 0 to 230' } } };
  }
  const { state, done, reused } = await coordinator.request(rt.settings.checkMinIntervalSeconds);
  context.log(`check ${state.id}: ${reused ? 'joined or reused' : 'started'}`);
  const finished = await within(done, wait * 1000);
  return answer(finished ?? state, statusUrl(request, state.id));
}

const CHECK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function checkStatus(request: HttpRequest): Promise<HttpResponseInit> {
  const id = request.params.id ?? '';
  if (!CHECK_ID.test(id)) return { status: 400, jsonBody: { error: { code: 'BadRequest', message: `id: expected the check id (a UUID) from POST /api/check, got '${id.slice(0, 64)}'` } } };
  // Started on this instance, or by another one (its run records are in storage).
  const state = coordinator.get(id) ?? (await storedCheck(await getRuntime(), id));
  if (!state) return { status: 404, jsonBody: { error: { code: 'NotFound', message: `no check ${id} in the last 24 hours; POST /api/check to start one` } } };
  return answer(state, statusUrl(request, id));
}

registerHttp('check', { methods: ['POST'], route: 'check', authLevel: 'function', handler: check });
registerHttp('checkStatus', { methods: ['GET'], route: 'check/{id}', authLevel: 'function', handler: checkStatus });
