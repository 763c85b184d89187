import { describe, expect, it } from 'vitest';
import type { FilterSchema } from '../../devkit/simulator/filter.js';
import { compileFilter, evaluateFilter, parseFilter } from '../../devkit/simulator/filter.js';

const signIns: FilterSchema = {
  resource: 'microsoft.graph.signIn',
  allowOr: true,
  properties: {
    createdDateTime: { type: 'datetime', ops: ['ge', 'le'] },
    'status/errorCode': { type: 'number', ops: ['eq', 'ne'] },
    userId: { type: 'string', ops: ['eq', 'in'] },
    isInteractive: { type: 'boolean', ops: ['eq'] },
    appId: { type: 'string', ops: ['eq'], nullable: true },
  },
};

function fails(text: string, schema: FilterSchema = signIns): { status: number; code: string; message: string } {
  try {
    compileFilter(text, schema, schema.resource);
  } catch (error) {
    return error as { status: number; code: string; message: string };
  }
  throw new Error(`expected '${text}' to be rejected`);
}

describe('$filter parser', () => {
  it('parses and/or with precedence and parentheses', () => {
    expect(parseFilter("a eq 1 or b eq 'x' and c eq true")).toEqual({
      type: 'or',
      left: { type: 'compare', op: 'eq', path: 'a', value: { kind: 'number', value: 1 } },
      right: {
        type: 'and',
        left: { type: 'compare', op: 'eq', path: 'b', value: { kind: 'string', value: 'x' } },
        right: { type: 'compare', op: 'eq', path: 'c', value: { kind: 'boolean', value: true } },
      },
    });
    expect(parseFilter('(a eq 1 or b eq 2) and c eq null')).toMatchObject({ type: 'and', left: { type: 'or' }, right: { value: { kind: 'null' } } });
  });

  it('reads property paths, in-lists, escaped quotes and unquoted date-times', () => {
    expect(parseFilter("status/errorCode eq 50074")).toMatchObject({ path: 'status/errorCode', value: { value: 50074 } });
    expect(parseFilter("x in ('a','b''c' , 'd')")).toEqual({
      type: 'in',
      path: 'x',
      values: [
        { kind: 'string', value: 'a' },
        { kind: 'string', value: "b'c" },
        { kind: 'string', value: 'd' },
      ],
    });
    const dt = parseFilter('createdDateTime ge 2026-01-01T00:00:00.1234567+02:00');
    expect(dt).toMatchObject({ value: { kind: 'datetime', value: Date.parse('2025-12-31T22:00:00.123Z') } });
    expect(parseFilter('t le 2026-01-01T00:00Z')).toMatchObject({ value: { kind: 'datetime' } });
  });

  it('rejects syntax errors as "Invalid filter clause"', () => {
    for (const text of ['', 'a eq', 'a eq 1 and', '(a eq 1', "a eq 'open", 'a eq 1)', 'a = 1', 'a eq 1 b eq 2', 'a eq 12abc', 'a eq 2026-01-01']) {
      const error = (() => {
        try {
          parseFilter(text);
        } catch (e) {
          return e as { status: number; message: string };
        }
        return null;
      })();
      expect(error, text).not.toBeNull();
      expect(error?.status, text).toBe(400);
      expect(error?.message, text).toMatch(/^Invalid filter clause/);
    }
  });

  it('rejects functions, lambdas and not as unsupported queries', () => {
    expect(fails("startswith(userId,'a')").code).toBe('Request_UnsupportedQuery');
    expect(fails("appliedConditionalAccessPolicies/any(p: p/result eq 'failure')").code).toBe('Request_UnsupportedQuery');
    expect(fails("not userId eq 'a'").code).toBe('Request_UnsupportedQuery');
  });
});

describe('$filter validation per endpoint', () => {
  it('accepts the listed property/operator pairs only', () => {
    expect(() => compileFilter("createdDateTime ge 2026-01-01T00:00:00Z and (userId eq 'a' or userId in ('b'))", signIns, 'x')).not.toThrow();
    expect(fails("appDisplayName eq 'x'").message).toMatch(/appDisplayName/);
    expect(fails('createdDateTime eq 2026-01-01T00:00:00Z').message).toMatch(/operator 'eq'/);
    expect(fails("userId ne 'a'").message).toMatch(/operator 'ne'/);
    expect(fails("userId eq null").code).toBe('Request_UnsupportedQuery');
    expect(() => compileFilter('appId eq null', signIns, 'x')).not.toThrow();
  });

  it('checks literal types, with a clear message for a quoted date', () => {
    const quoted = fails("createdDateTime ge '2026-01-01T00:00:00Z'");
    expect(quoted.status).toBe(400);
    expect(quoted.message).toMatch(/^Invalid filter clause/);
    expect(fails("status/errorCode eq '50074'").message).toMatch(/incompatible types/);
    expect(fails("isInteractive eq 'true'").message).toMatch(/incompatible types/);
    expect(fails('userId eq 5').message).toMatch(/incompatible types/);
  });

  it('refuses or where the resource does not support it', () => {
    const noOr: FilterSchema = { ...signIns, allowOr: false };
    expect(fails("userId eq 'a' or userId eq 'b'", noOr).message).toMatch(/'or'/);
  });

  it('refuses $filter entirely on a resource without a schema', () => {
    expect(() => compileFilter("state eq 'enabled'", undefined, 'microsoft.graph.conditionalAccessPolicy')).toThrow(/not supported/);
  });
});

describe('$filter evaluation', () => {
  const item = {
    createdDateTime: '2026-05-02T09:00:00Z',
    userId: 'ABC',
    appId: null,
    isInteractive: true,
    status: { errorCode: 50074 },
  };
  const check = (text: string): boolean => evaluateFilter(compileFilter(text, signIns, 'x'), item, signIns);

  it('compares strings case-insensitively, numbers, booleans, nulls and date-times', () => {
    expect(check("userId eq 'abc'")).toBe(true);
    expect(check("userId in ('x', 'aBc')")).toBe(true);
    expect(check("userId eq 'abd'")).toBe(false);
    expect(check('status/errorCode eq 50074')).toBe(true);
    expect(check('status/errorCode ne 50074')).toBe(false);
    expect(check('isInteractive eq true')).toBe(true);
    expect(check('appId eq null')).toBe(true);
    expect(check('createdDateTime ge 2026-05-02T09:00:00Z')).toBe(true);
    expect(check('createdDateTime ge 2026-05-02T09:00:01Z')).toBe(false);
    expect(check('createdDateTime le 2026-05-02T11:00:00+02:00')).toBe(true);
    expect(check("createdDateTime ge 2026-05-01T00:00:00Z and (status/errorCode eq 1 or userId eq 'abc')")).toBe(true);
    expect(check("createdDateTime ge 2026-05-01T00:00:00Z and (status/errorCode eq 1 or userId eq 'x')")).toBe(false);
  });

  it('treats a missing nested property as not equal', () => {
    const schema = signIns;
    const node = compileFilter('status/errorCode eq 0', schema, 'x');
    expect(evaluateFilter(node, { status: null }, schema)).toBe(false);
    expect(evaluateFilter(compileFilter('status/errorCode ne 0', schema, 'x'), {}, schema)).toBe(true);
  });
});
