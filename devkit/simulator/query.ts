// OData system query options ($filter, $select, $expand, $top, $skiptoken) and paging. Options are read
// strictly: an option an endpoint does not list is a 400, as Graph answers, never ignored.
import { badRequest, unsupportedQuery } from './errors.js';

/** Decoded query options in request order. Keys are lower-cased (Graph accepts `$Filter` too). */
export type RawQuery = ReadonlyArray<readonly [string, string]>;

const SUPPORTED_OPTIONS: ReadonlySet<string> = new Set(['$filter', '$select', '$expand', '$top', '$skiptoken', '$count']);
const NOT_SUPPORTED_OPTIONS: ReadonlySet<string> = new Set([
  '$search',
  '$orderby',
  '$skip',
  '$format',
  '$apply',
  '$compute',
  '$levels',
  '$deltatoken',
  '$index',
  '$schemaversion',
]);

function decode(component: string): string {
  try {
    // Like ASP.NET (and Graph), '+' in a query string means a space; a literal plus is %2B.
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    throw badRequest(`The query string contains an invalid percent-encoding: '${component.slice(0, 60)}'.`);
  }
}

/** Splits and decodes `a=b&c=d`; a repeated option is a 400. */
export function parseRawQuery(search: string): RawQuery {
  const out: Array<readonly [string, string]> = [];
  if (!search) return out;
  const seen = new Set<string>();
  for (const part of search.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? '' : decode(part.slice(eq + 1));
    if (seen.has(key)) throw badRequest(`Query option '${key}' was specified more than once, but it must be specified at most once.`);
    seen.add(key);
    out.push([key, value]);
  }
  return out;
}

export function rawOption(raw: RawQuery, key: string): string | undefined {
  for (const [k, v] of raw) if (k === key) return v;
  return undefined;
}

export interface ExpandSpec {
  principal?: boolean;
  /** `policy` (rules absent) or `policy($expand=rules)`. */
  policy?: { rules: boolean };
}

export type ExpandName = keyof ExpandSpec;

export interface PageSpec {
  /** Page size without `$top`. */
  defaultSize: number;
  /** When set, `$top` is accepted up to this value (and is the page size). */
  maxTop?: number;
}

export interface SkipToken {
  /** Index of the first item of the page. */
  offset: number;
  /** 1-based page number (page 1 has no skiptoken). */
  page: number;
}

export interface QueryOptions {
  raw: RawQuery;
  filterText?: string;
  select?: string[];
  expand: ExpandSpec;
  top?: number;
  skip: SkipToken;
  /** `$count=true`: the answer carries `@odata.count` (Graph's advanced query; only some endpoints). */
  count?: boolean;
}

export interface QueryRules {
  resource: string;
  collection: boolean;
  page?: PageSpec;
  filter: boolean;
  /** `$select` property names allowed; `true` = any property name. */
  select: true | ReadonlySet<string>;
  /** Whether `$count=true` is accepted (directory collections with ConsistencyLevel: eventual). */
  count?: boolean;
  expand: readonly ExpandName[];
}

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseSelect(value: string, rules: QueryRules): string[] {
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!PROPERTY_NAME.test(name)) throw badRequest(`Invalid $select value '${value}': '${name}' is not a property name.`);
    if (rules.select !== true && !rules.select.has(name)) {
      throw badRequest(`Could not find a property named '${name}' on type '${rules.resource}'.`);
    }
  }
  return names;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) break;
  }
  if (depth !== 0) throw badRequest(`Invalid $expand value '${value}': unbalanced parentheses.`);
  parts.push(value.slice(start));
  return parts.map((p) => p.trim());
}

function parseExpand(value: string, rules: QueryRules): ExpandSpec {
  const spec: ExpandSpec = {};
  for (const item of splitTopLevel(value)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/.exec(item);
    if (!m) throw badRequest(`Invalid $expand value '${value}'.`);
    const name = m[1] as string;
    const nested = m[2];
    if (!(rules.expand as readonly string[]).includes(name)) {
      throw badRequest(`Could not find a navigation property named '${name}' on '${rules.resource}' that can be expanded.`);
    }
    if (name === 'principal') {
      if (nested !== undefined) throw unsupportedQuery(`Nested query options on $expand=principal are not supported.`);
      spec.principal = true;
    } else if (name === 'policy') {
      if (nested === undefined) spec.policy = { rules: false };
      else if (/^\s*\$expand=rules\s*$/i.test(nested)) spec.policy = { rules: true };
      else throw unsupportedQuery(`Only $expand=policy or $expand=policy($expand=rules) is supported, not '${item}'.`);
    }
  }
  return spec;
}

function parseTop(value: string, rules: QueryRules): number {
  if (!rules.collection || !rules.page?.maxTop) {
    throw badRequest(
      "The query specified in the URI is not valid. Query option 'Top' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.",
    );
  }
  if (!/^\d+$/.test(value.trim())) throw badRequest(`Invalid value '${value}' for $top query option found. The $top query option requires a non-negative integer value.`);
  const top = Number(value.trim());
  if (top < 1 || top > rules.page.maxTop) {
    throw badRequest(`Invalid page size specified: '${top}'. Must be between 1 and ${rules.page.maxTop} inclusive.`);
  }
  return top;
}

export function encodeSkipToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify({ o: token.offset, p: token.page }), 'utf8').toString('base64url');
}

/** Reads the page number of a skiptoken without failing (fault rules match on pages before validation). */
export function peekPage(raw: RawQuery): number {
  const token = rawOption(raw, '$skiptoken');
  if (token === undefined) return 1;
  try {
    return decodeSkipToken(token).page;
  } catch {
    return 1;
  }
}

export function decodeSkipToken(value: string): SkipToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const o = (parsed as { o?: unknown } | undefined)?.o;
  const p = (parsed as { p?: unknown } | undefined)?.p;
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || typeof p !== 'number' || !Number.isInteger(p) || p < 2) {
    throw badRequest(`The skip token '${value.slice(0, 60)}' is not valid for this request.`, 'Request_BadRequest');
  }
  return { offset: o, page: p };
}

/** Validates the options of one request against what its endpoint supports. */
export function parseQueryOptions(raw: RawQuery, rules: QueryRules): QueryOptions {
  const options: QueryOptions = { raw, expand: {}, skip: { offset: 0, page: 1 } };
  for (const [key, value] of raw) {
    if (NOT_SUPPORTED_OPTIONS.has(key)) {
      throw unsupportedQuery(`The query option '${key}' is not supported on resource '${rules.resource}'.`);
    }
    if (!SUPPORTED_OPTIONS.has(key)) {
      throw badRequest(`The query parameter '${key}' is not supported.`);
    }
    switch (key) {
      case '$filter':
        if (!rules.filter) throw unsupportedQuery(`The $filter query option is not supported on resource '${rules.resource}'.`);
        if (value.trim() === '') throw badRequest('Invalid filter clause: the filter is empty');
        options.filterText = value;
        break;
      case '$select':
        options.select = parseSelect(value, rules);
        break;
      case '$expand':
        if (rules.expand.length === 0) throw badRequest(`The $expand query option is not supported on resource '${rules.resource}'.`);
        options.expand = parseExpand(value, rules);
        break;
      case '$top':
        options.top = parseTop(value, rules);
        break;
      case '$skiptoken':
        if (!rules.collection) throw badRequest(`The $skiptoken query option is not supported on resource '${rules.resource}'.`);
        options.skip = decodeSkipToken(value);
        break;
      case '$count':
        if (!rules.count) throw unsupportedQuery(`The query option '$count' is not supported on resource '${rules.resource}'.`);
        if (value !== 'true' && value !== 'false') throw badRequest(`Invalid value '${value}' for $count: expected true or false.`);
        options.count = value === 'true';
        break;
    }
  }
  return options;
}

/** The page size a request gets: `$top` when given (validated above), else the endpoint default. */
export function pageSize(options: QueryOptions, page: PageSpec | undefined): number {
  return options.top ?? page?.defaultSize ?? 100;
}

/**
 * The nextLink: the same resource and query options as the request (values percent-encoded), plus a
 * `$skiptoken` that carries the offset and the page number.
 */
export function nextLinkFor(baseUrl: string, pathWithVersion: string, raw: RawQuery, next: SkipToken): string {
  const parts: string[] = [];
  for (const [key, value] of raw) {
    if (key === '$skiptoken') continue;
    parts.push(`${key}=${encodeURIComponent(value)}`);
  }
  parts.push(`$skiptoken=${encodeSkipToken(next)}`);
  return `${baseUrl}${pathWithVersion}?${parts.join('&')}`;
}

/** Keeps `id`, `@odata.type`, the selected properties and any expanded navigation properties. */
export function applySelect(
  object: Record<string, unknown>,
  select: readonly string[] | undefined,
  expanded: readonly string[],
): Record<string, unknown> {
  if (!select) return object;
  const out: Record<string, unknown> = {};
  if ('@odata.type' in object) out['@odata.type'] = object['@odata.type'];
  if ('id' in object) out.id = object.id;
  for (const name of select) if (name in object) out[name] = object[name];
  for (const name of expanded) if (name in object) out[name] = object[name];
  return out;
}
