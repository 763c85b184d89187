// A strict parser and evaluator for the OData `$filter` subset the collectors send:
//   expr       := and-expr ('or' and-expr)*
//   and-expr   := primary ('and' primary)*
//   primary    := '(' expr ')' | path op literal | path 'in' '(' literal (',' literal)* ')'
//               | path '/any(' identifier ':' expr ')'          (a lambda over a collection property a schema declares)
//               | 'startswith(' path ',' 'string' ')'
//   path       := identifier ('/' identifier)*
//   op         := 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'
//   literal    := 'string' ('' escapes a quote) | number | true | false | null | unquoted ISO date-time
// Anything else (other functions, `all`, `not`, arithmetic) is a 400, and so is every property/operator
// pair an endpoint does not list in its FilterSchema: a filter is never silently ignored.
import type { GraphHttpError } from './errors.js';
import { badRequest, unsupportedQuery } from './errors.js';

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterOp = ComparisonOp | 'in' | 'startswith';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; value: number; text: string };

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'compare'; op: ComparisonOp; path: string; value: Literal }
  | { type: 'in'; path: string; values: Literal[] }
  /** `path/any(variable: body)`: some element of the collection at `path` satisfies `body`. */
  | { type: 'any'; path: string; variable: string; body: FilterNode }
  /** `startswith(path, 'prefix')`, case-insensitive like Graph's. */
  | { type: 'startswith'; path: string; value: Literal };

export type ValueType = 'string' | 'number' | 'boolean' | 'datetime';

export interface FilterProperty {
  type: ValueType;
  ops: readonly FilterOp[];
  /** Whether `eq null` / `ne null` is accepted. */
  nullable?: boolean;
  /** Most values an `in (...)` list may hold (Graph allows 15 on directory objects). */
  maxValues?: number;
  /** Custom equality for strings (e.g. enum aliases); default: case-insensitive. */
  equals?: (actual: string, literal: string) => boolean;
}

export interface FilterSchema {
  /** Graph's resource name, used in error messages. */
  resource: string;
  /** Keyed by property path, e.g. `status/errorCode`. */
  properties: Readonly<Record<string, FilterProperty>>;
  /** Whether `or` may appear (most Graph resources here support only `and`). */
  allowOr?: boolean;
  /**
   * Collection properties a lambda (`any`) may range over, with the properties of an element: '' is the
   * element itself (a collection of strings), other keys its properties (`p/result`).
   */
  lambdas?: Readonly<Record<string, Readonly<Record<string, FilterProperty>>>>;
}

// ---------------------------------------------------------------------------------------------- lexer

type Token =
  | { t: 'ident'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'number'; v: number; at: number }
  | { t: 'datetime'; v: number; text: string; at: number }
  | { t: 'punct'; v: '(' | ')' | ',' | '/' | ':'; at: number }
  | { t: 'error'; error: GraphHttpError; at: number }
  | { t: 'end'; at: number };

const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const QUOTED_DATETIME = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?$/;

function invalid(detail: string): GraphHttpError {
  return badRequest(`Invalid filter clause: ${detail}`);
}

function match(re: RegExp, text: string, at: number): string | null {
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? m[0] : null;
}

/**
 * Lexes the whole filter. A lexical error becomes an `error` token at its position, so the parser first
 * reports what comes before it (e.g. an unsupported lambda `any(p: ...)` rather than the stray colon).
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  try {
    lex(text, tokens);
  } catch (error) {
    tokens.push({ t: 'error', error: error as GraphHttpError, at: tokens.length > 0 ? (tokens[tokens.length - 1] as Token).at : 0 });
    return tokens;
  }
  tokens.push({ t: 'end', at: text.length });
  return tokens;
}

function lex(text: string, tokens: Token[]): void {
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '/' || c === ':') {
      tokens.push({ t: 'punct', v: c, at: i });
      i++;
      continue;
    }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw invalid(`unterminated string literal at position ${i}`);
        const ch = text[j] as string;
        if (ch === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += ch;
        j++;
      }
      tokens.push({ t: 'string', v: value, at: i });
      i = j + 1;
      continue;
    }
    // A date-time starts with digits too, so it is tried before numbers.
    const dt = match(DATETIME, text, i);
    if (dt !== null) {
      const ms = Date.parse(dt);
      if (Number.isNaN(ms)) throw invalid(`'${dt}' is not a valid date-time`);
      tokens.push({ t: 'datetime', v: ms, text: dt, at: i });
      i += dt.length;
      continue;
    }
    const num = match(NUMBER, text, i);
    if (num !== null) {
      const next = text[i + num.length];
      if (next !== undefined && /[A-Za-z0-9_.:-]/.test(next)) throw invalid(`unexpected '${text.slice(i, i + num.length + 1)}' at position ${i}`);
      tokens.push({ t: 'number', v: Number(num), at: i });
      i += num.length;
      continue;
    }
    const ident = match(IDENT, text, i);
    if (ident !== null) {
      tokens.push({ t: 'ident', v: ident, at: i });
      i += ident.length;
      continue;
    }
    throw invalid(`unexpected character '${c}' at position ${i}`);
  }
}

// --------------------------------------------------------------------------------------------- parser

const COMPARISON_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const UNSUPPORTED_OPS: ReadonlySet<string> = new Set(['has', 'add', 'sub', 'mul', 'div', 'mod']);
const MAX_DEPTH = 32;

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  parse(): FilterNode {
    if (this.peek().t === 'end') throw invalid('the filter is empty');
    const node = this.parseOr(0);
    const rest = this.peek();
    if (rest.t === 'error') throw rest.error;
    if (rest.t !== 'end') throw invalid(`unexpected '${this.text.slice(rest.at, rest.at + 20)}' at position ${rest.at}`);
    return node;
  }

  /** The next token; a lexical error surfaces as an `error` token and is thrown when consumed. */
  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private next(): Token {
    const tok = this.tokens[this.pos] as Token;
    if (tok.t === 'error') throw tok.error;
    this.pos++;
    return tok;
  }

  private isKeyword(word: string): boolean {
    const tok = this.peek();
    return tok.t === 'ident' && tok.v === word;
  }

  private parseOr(depth: number): FilterNode {
    let left = this.parseAnd(depth);
    while (this.isKeyword('or')) {
      this.next();
      left = { type: 'or', left, right: this.parseAnd(depth) };
    }
    return left;
  }

  private parseAnd(depth: number): FilterNode {
    let left = this.parsePrimary(depth);
    while (this.isKeyword('and')) {
      this.next();
      left = { type: 'and', left, right: this.parsePrimary(depth) };
    }
    return left;
  }

  private parsePrimary(depth: number): FilterNode {
    if (depth > MAX_DEPTH) throw invalid('too deeply nested');
    const tok = this.peek();
    if (tok.t === 'punct' && tok.v === '(') {
      this.next();
      const inner = this.parseOr(depth + 1);
      this.expectPunct(')');
      return inner;
    }
    if (tok.t === 'ident' && tok.v === 'not') throw unsupportedQuery("The 'not' operator is not supported in this query.");
    if (tok.t === 'ident' && tok.v === 'startswith' && (this.tokens[this.pos + 1] as Token | undefined)?.t === 'punct' && (this.tokens[this.pos + 1] as { v: string }).v === '(') {
      this.next();
      this.expectPunct('(');
      const path = this.parsePath();
      this.expectPunct(',');
      const value = this.parseLiteral();
      this.expectPunct(')');
      return { type: 'startswith', path, value };
    }
    const path = this.parsePath();
    if (path.endsWith('/any') && this.peek().t === 'punct' && (this.peek() as { v: string }).v === '(') return this.parseLambda(path.slice(0, -'/any'.length), depth);
    const opTok = this.next();
    if (opTok.t !== 'ident') throw invalid(`expected an operator after '${path}' at position ${opTok.at}`);
    if (opTok.v === 'in') {
      this.expectPunct('(');
      const values = [this.parseLiteral()];
      while (this.peek().t === 'punct' && (this.peek() as { v: string }).v === ',') {
        this.next();
        values.push(this.parseLiteral());
      }
      this.expectPunct(')');
      return { type: 'in', path, values };
    }
    if (COMPARISON_OPS.has(opTok.v)) return { type: 'compare', op: opTok.v as ComparisonOp, path, value: this.parseLiteral() };
    if (UNSUPPORTED_OPS.has(opTok.v)) throw unsupportedQuery(`The '${opTok.v}' operator is not supported in this query.`);
    throw invalid(`'${opTok.v}' is not an operator (position ${opTok.at})`);
  }

  private parsePath(): string {
    const first = this.next();
    if (first.t !== 'ident') throw invalid(`expected a property name at position ${first.at}`);
    const parts = [first.v];
    for (;;) {
      const tok = this.peek();
      if (tok.t === 'punct' && tok.v === '(') {
        if (parts.length > 1 && parts[parts.length - 1] === 'any') break;
        throw unsupportedQuery(`The function or lambda '${parts.join('/')}(...)' is not supported in this query.`);
      }
      if (!(tok.t === 'punct' && tok.v === '/')) break;
      this.next();
      const part = this.next();
      if (part.t !== 'ident') throw invalid(`expected a property name after '/' at position ${part.at}`);
      parts.push(part.v);
    }
    return parts.join('/');
  }

  private parseLambda(path: string, depth: number): FilterNode {
    this.expectPunct('(');
    const variable = this.next();
    if (variable.t !== 'ident') throw invalid(`expected a lambda variable after '${path}/any(' at position ${variable.at}`);
    this.expectPunct(':');
    const body = this.parseOr(depth + 1);
    this.expectPunct(')');
    return { type: 'any', path, variable: variable.v, body };
  }

  private parseLiteral(): Literal {
    const tok = this.next();
    switch (tok.t) {
      case 'string':
        return { kind: 'string', value: tok.v };
      case 'number':
        return { kind: 'number', value: tok.v };
      case 'datetime':
        return { kind: 'datetime', value: tok.v, text: tok.text };
      case 'ident':
        if (tok.v === 'true' || tok.v === 'false') return { kind: 'boolean', value: tok.v === 'true' };
        if (tok.v === 'null') return { kind: 'null' };
        throw invalid(`expected a literal value at position ${tok.at}, found '${tok.v}'`);
      default:
        throw invalid(`expected a literal value at position ${tok.at}`);
    }
  }

  private expectPunct(p: '(' | ')' | ',' | ':'): void {
    const tok = this.next();
    if (!(tok.t === 'punct' && tok.v === p)) throw invalid(`expected '${p}' at position ${tok.at}`);
  }
}

/** Parses a `$filter` value; a syntax error is a 400 "Invalid filter clause". */
export function parseFilter(text: string): FilterNode {
  return new Parser(tokenize(text), text).parse();
}

// ------------------------------------------------------------------------------------------ validation

function describe(literal: Literal): string {
  switch (literal.kind) {
    case 'string':
      return 'Edm.String';
    case 'number':
      return Number.isInteger(literal.value) ? 'Edm.Int32' : 'Edm.Double';
    case 'boolean':
      return 'Edm.Boolean';
    case 'datetime':
      return 'Edm.DateTimeOffset';
    case 'null':
      return 'null';
  }
}

const EDM: Record<ValueType, string> = {
  string: 'Edm.String',
  number: 'Edm.Int32',
  boolean: 'Edm.Boolean',
  datetime: 'Edm.DateTimeOffset',
};

function checkLiteral(path: string, prop: FilterProperty, literal: Literal): void {
  if (literal.kind === 'null') {
    if (!prop.nullable) throw unsupportedQuery(`Comparing property '${path}' with null is not supported.`);
    return;
  }
  if (prop.type === 'datetime' && literal.kind === 'string') {
    if (QUOTED_DATETIME.test(literal.value)) {
      throw invalid(`the date-time '${literal.value}' for property '${path}' must not be quoted (write ${path} ge ${literal.value})`);
    }
    throw invalid(`'${literal.value}' is not a date-time value for property '${path}'`);
  }
  const expected = prop.type === 'number' ? 'number' : prop.type;
  if (literal.kind !== expected) {
    throw badRequest(
      `A binary operator with incompatible types was detected. Found operand types '${EDM[prop.type]}' and '${describe(literal)}' for property '${path}'.`,
    );
  }
}

/** The schema a lambda's body is checked and evaluated with: the element's properties under the variable's name. */
function lambdaSchema(schema: FilterSchema, path: string, variable: string): FilterSchema {
  const element = schema.lambdas?.[path];
  if (!element) throw unsupportedQuery(`Lambda expressions are not supported on property '${path}' of resource '${schema.resource}'.`);
  return { resource: schema.resource, allowOr: true, properties: Object.fromEntries(Object.entries(element).map(([k, v]) => [k ? `${variable}/${k}` : variable, v])) };
}

/** Rejects every property, operator or literal the endpoint does not support. */
export function validateFilter(node: FilterNode, schema: FilterSchema): void {
  switch (node.type) {
    case 'any':
      validateFilter(node.body, lambdaSchema(schema, node.path, node.variable));
      return;
    case 'and':
    case 'or':
      if (node.type === 'or' && !schema.allowOr) {
        throw unsupportedQuery(`The 'or' operator is not supported on resource '${schema.resource}'.`);
      }
      validateFilter(node.left, schema);
      validateFilter(node.right, schema);
      return;
    case 'compare':
    case 'in':
    case 'startswith': {
      const prop = schema.properties[node.path];
      const op: FilterOp = node.type === 'in' ? 'in' : node.type === 'startswith' ? 'startswith' : node.op;
      if (!prop || !Object.hasOwn(schema.properties, node.path)) {
        throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${node.path}' of resource '${schema.resource}'.`);
      }
      if (!prop.ops.includes(op)) {
        throw unsupportedQuery(`Unsupported filter operator '${op}' for property '${node.path}' of resource '${schema.resource}'.`);
      }
      if (node.type === 'in') {
        if (prop.maxValues !== undefined && node.values.length > prop.maxValues) {
          throw unsupportedQuery(
            `Too many child clauses specified in search filter expression containing 'OR' operators: ${node.values.length}. Max allowed: ${prop.maxValues}.`,
          );
        }
        for (const v of node.values) checkLiteral(node.path, prop, v);
      } else if (node.type === 'startswith' && node.value.kind !== 'string') throw badRequest(`startswith on '${node.path}' needs a string.`);
      else checkLiteral(node.path, prop, node.value);
      return;
    }
  }
}

/** Parse and validate in one step; `resource` names the resource when it has no filter support at all. */
export function compileFilter(text: string, schema: FilterSchema | undefined, resource: string): FilterNode {
  if (!schema) throw unsupportedQuery(`The $filter query option is not supported on resource '${resource}'.`);
  const node = parseFilter(text);
  validateFilter(node, schema);
  return node;
}

/** Whether the filter ranges over `path` anywhere (in a lambda). */
export function mentionsLambda(node: FilterNode | undefined, path: string): boolean {
  if (!node) return false;
  if (node.type === 'any') return node.path === path;
  if (node.type === 'and' || node.type === 'or') return mentionsLambda(node.left, path) || mentionsLambda(node.right, path);
  return false;
}

/** The terms joined by top-level `and`s (the whole filter when it is a single term). */
export function conjuncts(node: FilterNode): FilterNode[] {
  if (node.type === 'and') return [...conjuncts(node.left), ...conjuncts(node.right)];
  return [node];
}

/** The string value of a top-level `path eq 'value'` term, if the filter has one. */
export function equalityTerm(node: FilterNode | undefined, path: string): string | undefined {
  if (!node) return undefined;
  for (const term of conjuncts(node)) {
    if (term.type === 'compare' && term.op === 'eq' && term.path === path && term.value.kind === 'string') return term.value.value;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------ evaluation

function valueAt(item: unknown, path: string): unknown {
  let current: unknown = item;
  for (const part of path.split('/')) {
    if (current === null || current === undefined || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function compare(actual: unknown, op: ComparisonOp, literal: Literal, prop: FilterProperty): boolean {
  if (literal.kind === 'null') {
    const isNull = actual === null || actual === undefined;
    return op === 'eq' ? isNull : op === 'ne' ? !isNull : false;
  }
  if (actual === null || actual === undefined) return op === 'ne';
  let order: number;
  switch (literal.kind) {
    case 'string': {
      if (typeof actual !== 'string') return op === 'ne';
      if (op === 'eq' || op === 'ne') {
        const same = prop.equals ? prop.equals(actual, literal.value) : actual.toLowerCase() === literal.value.toLowerCase();
        return op === 'eq' ? same : !same;
      }
      const a = actual.toLowerCase();
      const b = literal.value.toLowerCase();
      order = a < b ? -1 : a > b ? 1 : 0;
      break;
    }
    case 'number':
      if (typeof actual !== 'number') return op === 'ne';
      order = actual - literal.value;
      break;
    case 'boolean':
      if (typeof actual !== 'boolean') return op === 'ne';
      order = actual === literal.value ? 0 : 1;
      if (op !== 'eq' && op !== 'ne') return false;
      break;
    case 'datetime': {
      if (typeof actual !== 'string') return op === 'ne';
      const ms = Date.parse(actual);
      if (Number.isNaN(ms)) return op === 'ne';
      order = ms - literal.value;
      break;
    }
  }
  switch (op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

/** Whether an item satisfies a validated filter. */
export function evaluateFilter(node: FilterNode, item: unknown, schema: FilterSchema): boolean {
  switch (node.type) {
    case 'any': {
      const collection = valueAt(item, node.path);
      if (!Array.isArray(collection)) return false;
      const inner = lambdaSchema(schema, node.path, node.variable);
      return collection.some((element) => evaluateFilter(node.body, { [node.variable]: element }, inner));
    }
    case 'and':
      return evaluateFilter(node.left, item, schema) && evaluateFilter(node.right, item, schema);
    case 'or':
      return evaluateFilter(node.left, item, schema) || evaluateFilter(node.right, item, schema);
    case 'compare':
      return compare(valueAt(item, node.path), node.op, node.value, schema.properties[node.path] as FilterProperty);
    case 'in': {
      const actual = valueAt(item, node.path);
      const prop = schema.properties[node.path] as FilterProperty;
      return node.values.some((v) => compare(actual, 'eq', v, prop));
    }
    case 'startswith': {
      const actual = valueAt(item, node.path);
      return typeof actual === 'string' && node.value.kind === 'string' && actual.toLowerCase().startsWith(node.value.value.toLowerCase());
    }
  }
}
