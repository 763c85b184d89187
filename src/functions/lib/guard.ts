// What every HTTP function answers before and after its own work: a query parameter given twice is a 400
// (which value was meant is not ours to guess), and storage that cannot be reached is a 503 with Retry-After
// (the request was fine; the service is not), never a 500.
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

/** Seconds a client should wait before retrying when storage is down. */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

function json(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'cache-control': 'no-store', ...headers }, jsonBody: { error: { code, message } } };
}

/** Table Storage could not be reached or answered with a server error (the SDK's RestError). */
export function isStorageUnavailable(error: unknown): boolean {
  const e = error as { name?: string; statusCode?: number; code?: string; cause?: { code?: string } };
  if (e?.name !== 'RestError') return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH/.test(`${e?.code ?? ''} ${e?.cause?.code ?? ''}`);
  return e.statusCode === undefined || e.statusCode >= 500 || e.statusCode === 408;
}

export function guarded(handler: HttpHandler): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext) => {
    const seen = new Set<string>();
    for (const key of request.query.keys()) {
      if (seen.has(key)) return json(400, 'BadRequest', `${key}: given more than once`);
      seen.add(key);
    }
    try {
      return await handler(request, context);
    } catch (error) {
      if (!isStorageUnavailable(error)) throw error;
      context.warn(`storage unavailable: ${(error as Error).message}`);
      return json(503, 'ServiceUnavailable', 'storage is unavailable; try again shortly', { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) });
    }
  };
}
