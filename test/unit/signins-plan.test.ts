// The sign-in collector's decisions (src/collect/signins-plan.ts; docs/storage.md, "Sign-ins").
import { describe, expect, it } from 'vitest';
import {
  ACCOUNTS_PER_FILTER,
  TENANT_WIDE_RETRY_MS,
  chooseSignInRead,
  excludedAccounts,
  kindOf,
  readSignIn,
  retainedFromDay,
  signInIndex,
  signInQueries,
  tenantWideKind,
  tenantWideQuery,
  touchedDigests,
} from '../../src/collect/signins-plan.js';

const id = (i: number) => `a0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const base = { since: '2026-11-01T00:00:00Z', admins: [] as string[], excluded: [] as string[], interruptCodes: [50074, 50076], reportOnlyPolicies: false, nonInteractive: true };

describe('sign-in queries', () => {
  it('reads the monitored accounts 15 per request, interactive and non-interactive, on beta', () => {
    const queries = signInQueries({ ...base, admins: Array.from({ length: 31 }, (_, i) => id(i)), excluded: ['bg@contoso.test'] });
    const admin = queries.filter((q) => q.kind === 'admin');
    expect(admin).toHaveLength(Math.ceil(32 / ACCOUNTS_PER_FILTER));
    expect(admin[0]?.url).toContain(`(userId eq '${id(0)}' or userId eq '${id(1)}'`);
    expect(admin[0]?.url).toContain("signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')");
    expect(admin.map((q) => (q.url.match(/ eq '/g) ?? []).length - 2)).toEqual([15, 15, 2]);
    expect(queries.some((q) => q.url.includes("userPrincipalName eq 'bg@contoso.test'"))).toBe(true);
    expect(queries.map((q) => q.kind)).toEqual(['admin', 'admin', 'admin', 'interrupted']);
  });

  it('reads the interrupted sign-ins by code, and the report-only hits only while a policy is report-only', () => {
    expect(signInQueries(base).map((q) => q.url)).toEqual(["/auditLogs/signIns?$top=1000&$filter=createdDateTime ge 2026-11-01T00:00:00Z and (status/errorCode eq 50074 or status/errorCode eq 50076)"]);
    const withRollout = signInQueries({ ...base, reportOnlyPolicies: true });
    expect(withRollout.at(-1)).toEqual({ kind: 'reportOnly', url: "/auditLogs/signIns?$top=1000&$filter=createdDateTime ge 2026-11-01T00:00:00Z and appliedConditionalAccessPolicies/any(p: p/result eq 'reportOnlyFailure' or p/result eq 'reportOnlyInterrupted') and signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')" });
    expect(signInQueries({ ...base, admins: [id(1)], nonInteractive: false })[0]?.url).not.toContain('signInEventTypes');
  });

  it("escapes a quote in a UPN (OData '')", () => {
    expect(signInQueries({ ...base, excluded: ["o'brien@contoso.test"] })[0]?.url).toContain("userPrincipalName eq 'o''brien@contoso.test'");
  });
});

// docs/storage.md, "Sign-ins": the tenant's whole window when it can be cheaper than the per-account queries.
describe('the tenant-wide read', () => {
  const now = '2026-12-06T12:00:00Z';
  const ago = (ms: number) => new Date(Date.parse(now) - ms).toISOString();
  it.each([
    ['a first run reads per account (the initial look-back; the reports budget sets its floor)', { firstRun: true, previous: undefined, accountQueries: 100 }, { tenantWide: false }],
    ['one or two queries: one page cannot be cheaper than them by a request', { firstRun: false, previous: undefined, accountQueries: 1 }, { tenantWide: false }],
    ['a steady run tries the whole window in fewer pages than the per-account requests', { firstRun: false, previous: undefined, accountQueries: 100 }, { tenantWide: true, maxPages: 99 }],
    ['after the whole window proved dearer, per account for a day', { firstRun: false, previous: { mode: 'accounts' as const, decidedAt: ago(TENANT_WIDE_RETRY_MS - 1) }, accountQueries: 100 }, { tenantWide: false }],
    ['a day later it is tried again', { firstRun: false, previous: { mode: 'accounts' as const, decidedAt: ago(TENANT_WIDE_RETRY_MS) }, accountQueries: 100 }, { tenantWide: true, maxPages: 99 }],
    ['while the whole window is cheaper it stays', { firstRun: false, previous: { mode: 'tenant' as const, decidedAt: ago(3 * TENANT_WIDE_RETRY_MS) }, accountQueries: 3 }, { tenantWide: true, maxPages: 2 }],
  ])('%s', (_name, input, expected) => {
    expect(chooseSignInRead({ ...input, now })).toEqual(expected);
  });

  it('reads every user sign-in of the window, non-interactive ones only when enabled', () => {
    expect(tenantWideQuery(base)).toBe("/auditLogs/signIns?$top=1000&$filter=createdDateTime ge 2026-11-01T00:00:00Z and signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')");
    expect(tenantWideQuery({ ...base, nonInteractive: false })).toBe('/auditLogs/signIns?$top=1000&$filter=createdDateTime ge 2026-11-01T00:00:00Z');
  });

  it('keeps what the per-account queries would have read, filed alike', () => {
    const input = { excluded: new Set([id(1)]), admins: new Set([id(2)]), interruptCodes: new Set([50074]), reportOnlyPolicies: true };
    const hit = { appliedConditionalAccessPolicies: [{ id: id(7), result: 'reportOnlyInterrupted' }] };
    expect(tenantWideKind({ userId: id(1) }, input)).toBe('breakGlass');
    expect(tenantWideKind({ userId: id(2), status: { errorCode: 50074 } }, input)).toBe('admin');
    expect(tenantWideKind({ userId: id(3), ...hit }, input)).toBe('reportOnly');
    expect(tenantWideKind({ userId: id(3), ...hit }, { ...input, reportOnlyPolicies: false })).toBeUndefined();
    expect(tenantWideKind({ userId: id(3), status: { errorCode: 50074 } }, input)).toBe('interrupted');
    // The interrupted query reads interactive sign-ins only (beta without signInEventTypes, R-OBS-3).
    expect(tenantWideKind({ userId: id(3), status: { errorCode: 50074 }, isInteractive: false }, input)).toBeUndefined();
    expect(tenantWideKind({ userId: id(3), status: { errorCode: 50074 }, signInEventTypes: ['nonInteractiveUser'] }, input)).toBeUndefined();
    expect(tenantWideKind({ userId: id(3), status: { errorCode: 0 } }, input)).toBeUndefined();
  });
});

describe('filing and indexing', () => {
  it('files a sign-in by whose it is first, then by the query that found it', () => {
    const excluded = new Set([id(1), 'bg@contoso.test']);
    const admins = new Set([id(2)]);
    expect(kindOf({ userId: id(1) }, 'interrupted', excluded, admins)).toBe('breakGlass');
    expect(kindOf({ userId: id(9), userPrincipalName: 'BG@contoso.test' }, 'admin', excluded, admins)).toBe('breakGlass');
    expect(kindOf({ userId: id(2) }, 'reportOnly', excluded, admins)).toBe('admin');
    expect(kindOf({ userId: id(3) }, 'reportOnly', excluded, admins)).toBe('reportOnly');
    expect(kindOf({ userId: id(3) }, 'interrupted', excluded, admins)).toBe('interrupted');
  });

  it('indexes by user id, UPN and every policy that applied', () => {
    expect(
      signInIndex({
        userId: id(1).toUpperCase(),
        userPrincipalName: 'Alice@Contoso.test',
        appliedConditionalAccessPolicies: [
          { id: 'P1', result: 'success' },
          { id: 'P2', result: 'notApplied' },
          { id: 'P3', result: 'reportOnlyInterrupted' },
          { id: 'P4', result: 'notEnabled' },
          { id: 'P5', result: 'reportOnlyNotApplied' },
        ],
      }),
    ).toEqual([`p|${id(1)}`, 'p|alice@contoso.test', 'c|p1', 'c|p3']);
  });

  it('touches the day of a sign-in, and the day before in the first completion minutes', () => {
    expect(touchedDigests('u', '2026-11-02T12:00:00Z', 10)).toEqual(['2026-11-02|u']);
    expect(touchedDigests('u', '2026-11-02T00:05:00Z', 10)).toEqual(['2026-11-02|u', '2026-11-01|u']);
    expect(touchedDigests('u', 'not a time', 10)).toEqual([]);
    expect(retainedFromDay(Date.parse('2026-11-30T10:00:00Z'), 30)).toBe('2026-10-31');
  });

  it('keeps only what the monitor reads, and skips a sign-in without an id or a valid time', () => {
    const s = readSignIn({ id: 'x', createdDateTime: '2026-11-01T00:00:00Z', userId: 'u', riskEventTypes_v2: ['a'], status: { errorCode: 0 } });
    expect(s).toEqual({ id: 'x', createdDateTime: '2026-11-01T00:00:00Z', userId: 'u', status: { errorCode: 0 } });
    expect(readSignIn({ createdDateTime: '2026-11-01T00:00:00Z' })).toBeUndefined();
    expect(readSignIn({ id: 'x', createdDateTime: 'yesterday' })).toBeUndefined();
    expect(readSignIn({ id: 'x', createdDateTime: '2026-11-01T00:00:00Z', status: { errorCode: '0' } })).toBeUndefined();
  });
});

describe('excluded accounts', () => {
  it('resolves listed ids, UPNs (to ids when known) and members of listed groups', () => {
    const group = { id: id(9), memberUserIds: [id(3), id(4)], memberGroupIds: [], coverage: 'all' as const };
    expect(excludedAccounts([id(1).toUpperCase(), 'BG@contoso.test', 'nobody@contoso.test', id(9)], [{ id: id(2), userPrincipalName: 'bg@contoso.test' }], new Map([[id(9), group]]))).toEqual(
      [id(1), id(2), id(3), id(4), 'nobody@contoso.test'].sort(),
    );
  });
});
