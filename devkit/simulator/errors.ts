// Graph-shaped error answers. Every failure the simulator sends is a GraphHttpError turned into
// `{"error":{"code","message","innerError"}}` with the HTTP status Graph uses for it.
import { randomUUID } from 'node:crypto';

export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphHttpError';
  }
}

export function badRequest(message: string, code = 'BadRequest'): GraphHttpError {
  return new GraphHttpError(400, code, message);
}

export function unsupportedQuery(message: string): GraphHttpError {
  return new GraphHttpError(400, 'Request_UnsupportedQuery', message);
}

export function notFound(id: string): GraphHttpError {
  return new GraphHttpError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function licenseRequired(): GraphHttpError {
  return new GraphHttpError(
    400,
    'AadPremiumLicenseRequired',
    'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.',
  );
}

export function forbidden(permission: string): GraphHttpError {
  return new GraphHttpError(
    403,
    'Authorization_RequestDenied',
    `Insufficient privileges to complete the operation. The application is missing the ${permission} permission.`,
  );
}

/** A tenant where the app has no consent: its token carries no application permissions, so every call is denied. */
export function notConsented(): GraphHttpError {
  return new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

export function unauthorized(message: string): GraphHttpError {
  return new GraphHttpError(401, 'InvalidAuthenticationToken', message);
}

export function tooManyRequests(retryAfterSeconds: number | null): GraphHttpError {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== null) headers['Retry-After'] = formatSeconds(retryAfterSeconds);
  return new GraphHttpError(
    429,
    'TooManyRequests',
    'Too many requests. The application or the tenant exceeded its request budget; retry later.',
    headers,
  );
}

export function serviceUnavailable(retryAfterSeconds: number | null = null): GraphHttpError {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== null) headers['Retry-After'] = formatSeconds(retryAfterSeconds);
  return new GraphHttpError(503, 'serviceNotAvailable', 'The service is temporarily unavailable. Please retry later.', headers);
}

/** Seconds for a Retry-After header: an integer when whole, else at most three decimals. */
export function formatSeconds(seconds: number): string {
  const rounded = Math.ceil(seconds * 1000) / 1000;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(3).replace(/0+$/, '');
}

export function errorBody(error: GraphHttpError, now: Date): Record<string, unknown> {
  const requestId = randomUUID();
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: { date: now.toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': requestId },
    },
  };
}
