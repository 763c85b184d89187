// Accepted risks, the pure parts (R-ACCEPT-1..3): the request validated field by field, what a finding is
// materially about, and when an acceptance stops holding.
import { describe, expect, it } from 'vitest';
import { type Acknowledgement, AcceptanceError, acceptable, acknowledgementState, applyAcknowledgements, materialKeys, parseAcceptance } from '../../src/core/acceptance.js';
import { reportNumbers } from '../../src/core/numbers.js';
import { activeAdmin, tenant } from './helpers.js';

const NOW = '2026-12-01T12:00:00.000Z';
const limits = { now: NOW, defaultDays: 30, maxDays: 90 };

function problem(body: unknown): { status: number; message: string } {
  try {
    parseAcceptance(body, limits);
  } catch (e) {
    if (e instanceof AcceptanceError) return { status: e.status, message: e.message };
    throw e;
  }
  return { status: 200, message: '' };
}

describe('R-ACCEPT-1 the acceptance request', () => {
  const ok = { finding: 'admin-unprotected:a1', reason: 'service account, IP-restricted', owner: 'secops' };
  it('defaults until to the default days and keeps a valid one', () => {
    expect(parseAcceptance(ok, limits).until).toBe('2026-12-31T12:00:00.000Z');
    expect(parseAcceptance({ ...ok, until: '2027-01-15' }, limits).until).toBe('2027-01-15T23:59:59.000Z');
  });
  it.each<[string, unknown, RegExp]>([
    ['an until in the past', { ...ok, until: '2026-11-30' }, /^until: 2026-11-30 is in the past/],
    ['an until beyond the maximum', { ...ok, until: '2027-06-01' }, /^until: at most 90 days ahead \(ACCEPTED_RISK_MAX_DAYS\)/],
    ['an until that is no date', { ...ok, until: 'next week' }, /^until: expected an ISO 8601 date/],
    ['an over-long reason', { ...ok, reason: 'x'.repeat(501) }, /^reason: at most 500 characters/],
    ['no reason', { finding: ok.finding, owner: 'secops' }, /^reason: /],
    ['no owner', { finding: ok.finding, reason: ok.reason }, /^owner: /],
    ['an unknown field', { ...ok, severity: 'low' }, /unknown field\(s\): severity/],
    ['a body that is no object', 'accept it', /expected/],
  ])('400 for %s, naming the field', (_name, body, message) => {
    const p = problem(body);
    expect(p.status).toBe(400);
    expect(p.message).toMatch(message);
  });
  it('404 for an unknown finding, 400 for a change event', () => {
    expect(() => acceptable(undefined, 'admin-unprotected:nobody')).toThrow(/^finding: no open finding 'admin-unprotected:nobody'/);
    const t = tenant();
    activeAdmin(t);
    const event = { type: 'policy-weakened', severity: 'high', subjectId: 'p', message: 'm', fingerprint: 'policy-weakened:p', title: 't' } as const;
    expect(() => acceptable(event, event.fingerprint)).toThrow(/change event/);
  });
});

describe('R-ACCEPT-2/3 what a finding is about, and when an acceptance ends', () => {
  const t = tenant();
  const id = activeAdmin(t);
  t.location('HQ', true);
  t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
  const report = t.evaluate();
  const finding = report.findings.find((f) => f.subjectId === id && f.type === 'admin-partially-protected');
  if (!finding) throw new Error('no finding');
  const keys = materialKeys(finding, report);
  const ack: Acknowledgement = { fingerprint: finding.fingerprint, type: finding.type, subjectId: id, subjectName: 'alice', reason: 'known', owner: 'secops', acceptedBy: 'alice', acceptedAt: NOW, until: '2026-12-31T00:00:00.000Z', material: keys };

  it('an admin finding is about its gaps and its paths', () => {
    expect(keys.some((k) => k.startsWith('gap: ') && k.includes("trusted location 'HQ'"))).toBe(true);
    expect(keys).toContain('path: Security Administrator (active)');
  });
  it.each<[string, string[] | undefined, string, string]>([
    ['the same keys: active', keys, NOW, 'active'],
    ['fewer keys (a gap closed): active', keys.slice(1), NOW, 'active'],
    ['a new key: changed', [...keys, 'gap: on iOS'], NOW, 'changed'],
    ['past until: expired', keys, '2027-01-01T00:00:00.000Z', 'expired'],
  ])('%s', (_n, material, now, state) => {
    expect(acknowledgementState(ack, material, now).state).toBe(state);
  });
  it('an active acceptance takes the finding out of the open count, and the report lists it', () => {
    const copy = structuredClone(report);
    applyAcknowledgements(copy, [ack], NOW);
    const before = reportNumbers(report).findings;
    const after = reportNumbers(copy).findings;
    expect(after.open).toBe(before.open - 1);
    expect(after.accepted).toBe(1);
    expect(copy.acknowledgements?.[0]).toMatchObject({ fingerprint: finding.fingerprint, state: 'active', open: true, owner: 'secops' });
  });
});
