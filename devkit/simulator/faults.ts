// Switchable faults: rules that make matching requests fail or slow down, for testing how the
// collectors cope. Rules are checked in order after authentication and before throttling budgets.
import type { EndpointKey } from './endpoints.js';
import { ENDPOINTS } from './endpoints.js';
import type { GraphHttpError } from './errors.js';
import { forbidden, licenseRequired, notFound, serviceUnavailable, tooManyRequests } from './errors.js';

interface FaultMatch {
  /** Endpoint key(s) the rule applies to; omitted = every endpoint (combine with `path`). */
  endpoint?: EndpointKey | readonly EndpointKey[];
  /**
   * Tested against the request path with version and the decoded query string, e.g.
   * `/v1.0/groups/abc/transitiveMembers?$top=999` (a string is compiled case-insensitively).
   */
  path?: RegExp | string;
  /** Only page N (1-based) of a paginated read: page 1 has no `$skiptoken`, page 2 is the first nextLink. */
  page?: number;
  /** Let this many matching requests through before the rule applies (default 0). */
  afterRequests?: number;
  /** Apply at most this many times (default: every matching request). */
  times?: number;
}

export type SimulatorFaultRule = FaultMatch &
  (
    | {
        /** 429 TooManyRequests; with `retryAfterSeconds` a Retry-After header is sent, without it none. */
        kind: 'throttle429';
        retryAfterSeconds?: number;
      }
    | {
        /** 503 Service Unavailable (Retry-After only when `retryAfterSeconds` is given). */
        kind: 'status503';
        retryAfterSeconds?: number;
      }
    | {
        /** A slow answer: waits `delayMs`, then answers normally (other rules still apply). */
        kind: 'delayMs';
        delayMs: number;
      }
    | {
        /** 403 Authorization_RequestDenied naming the missing permission (default: the endpoint's own). */
        kind: 'forbidden403';
        permission?: string;
      }
    | {
        /** 400 AadPremiumLicenseRequired, as for a tenant without Entra ID P2. */
        kind: 'licenseError';
      }
    | {
        /** 404 Request_ResourceNotFound, as for an API this tenant or cloud does not have. */
        kind: 'notFound404';
      }
    | {
        /**
         * A hung tenant: the request is accepted and never answered; the connection stays open until the client
         * gives up (its timeout) or the simulator closes. Inside a `$batch`, the whole batch hangs.
         */
        kind: 'hang';
      }
  );

export interface FaultRequest {
  key: EndpointKey;
  /** `/v1.0/...?decoded query`. */
  target: string;
  page: number;
}

export interface FaultOutcome {
  delayMs: number;
  error?: GraphHttpError;
  /** Never answer (a `hang` rule fired). */
  hang?: boolean;
}

interface RuleState {
  rule: SimulatorFaultRule;
  path?: RegExp;
  matched: number;
  fired: number;
}

export class FaultInjector {
  private rules: RuleState[] = [];

  set(rules: readonly SimulatorFaultRule[]): void {
    this.rules = rules.map((rule) => {
      validateRule(rule);
      const path = rule.path === undefined ? undefined : typeof rule.path === 'string' ? new RegExp(rule.path, 'i') : rule.path;
      return { rule, path, matched: 0, fired: 0 };
    });
  }

  /** Decides the faults for one request and counts it against every rule it matches. */
  apply(request: FaultRequest): FaultOutcome {
    const outcome: FaultOutcome = { delayMs: 0 };
    for (const state of this.rules) {
      if (!matches(state, request)) continue;
      state.matched++;
      const { rule } = state;
      if (state.matched <= (rule.afterRequests ?? 0)) continue;
      if (rule.times !== undefined && state.fired >= rule.times) continue;
      if (rule.kind === 'delayMs') {
        state.fired++;
        outcome.delayMs += rule.delayMs;
        continue;
      }
      if (outcome.error || outcome.hang) continue; // an earlier rule already decided the answer
      state.fired++;
      if (rule.kind === 'hang') outcome.hang = true;
      else outcome.error = errorFor(rule, request.key, request);
    }
    return outcome;
  }
}

function matches(state: RuleState, request: FaultRequest): boolean {
  const { rule } = state;
  if (rule.endpoint !== undefined) {
    const keys: readonly EndpointKey[] = typeof rule.endpoint === 'string' ? [rule.endpoint] : rule.endpoint;
    if (!keys.includes(request.key)) return false;
  }
  if (state.path) {
    state.path.lastIndex = 0;
    if (!state.path.test(request.target)) return false;
  }
  if (rule.page !== undefined && rule.page !== request.page) return false;
  return true;
}

function errorFor(rule: Exclude<SimulatorFaultRule, { kind: 'delayMs' | 'hang' }>, key: EndpointKey, request: FaultRequest): GraphHttpError {
  switch (rule.kind) {
    case 'throttle429':
      return tooManyRequests(rule.retryAfterSeconds ?? null);
    case 'status503':
      return serviceUnavailable(rule.retryAfterSeconds ?? null);
    case 'forbidden403':
      return forbidden(rule.permission ?? ENDPOINTS[key].permission);
    case 'licenseError':
      return licenseRequired();
    case 'notFound404':
      return notFound(request.target);
  }
}

/**
 * Fault rules from JSON (a CLI flag, a file, or the control endpoint's body): an array of rules as
 * docs/simulator.md describes them; `path` is a case-insensitive regular expression. Refused with the index
 * and what was wrong.
 */
export function parseFaults(text: string): SimulatorFaultRule[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`faults: not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new Error('faults: expected a JSON array of fault rules');
  return value.map((rule, i) => {
    if (typeof rule !== 'object' || rule === null) throw new Error(`faults[${i}]: expected an object`);
    const r = rule as SimulatorFaultRule & { endpoint?: unknown };
    const endpoints = r.endpoint === undefined ? [] : Array.isArray(r.endpoint) ? r.endpoint : [r.endpoint];
    const unknown = endpoints.filter((e) => typeof e !== 'string' || !(e in ENDPOINTS));
    if (unknown.length > 0) throw new Error(`faults[${i}].endpoint: unknown endpoint ${unknown.map(String).join(', ')} (expected one of ${Object.keys(ENDPOINTS).join(', ')})`);
    try {
      validateRule(r);
    } catch (error) {
      throw new Error(`faults[${i}]: ${(error as Error).message}`);
    }
    return r;
  });
}

function validateRule(rule: SimulatorFaultRule): void {
  const kinds = ['throttle429', 'status503', 'delayMs', 'forbidden403', 'licenseError', 'notFound404', 'hang'];
  if (!kinds.includes(rule.kind)) throw new Error(`unknown fault kind '${String(rule.kind)}' (expected one of ${kinds.join(', ')})`);
  if (rule.kind === 'delayMs' && !(rule.delayMs >= 0)) throw new Error('a delayMs fault needs delayMs >= 0');
  for (const field of ['times', 'afterRequests', 'page'] as const) {
    const value = rule[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new Error(`fault rule ${field} must be a non-negative integer`);
  }
}
