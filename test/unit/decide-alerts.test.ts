// What an evaluation's alerts come to (docs/alerts.md: snapshot findings, the digest, re-notification).
import { describe, expect, it } from 'vitest';
import { type AlertDecisionInput, type OpenFinding, afterAttempt, decideAlerts, findingWrites } from '../../src/alerts/decide.js';
import type { Acknowledgement } from '../../src/core/acceptance.js';
import { type FindingType, makeFinding } from '../../src/core/finding-types.js';
import type { Finding, Severity } from '../../src/core/report.js';
import { escapeKey } from '../../src/storage/codec.js';

const NOW = '2026-12-01T12:00:00.000Z';
const f = (type: FindingType, severity: Severity, subject: string): Finding => makeFinding(type, severity, subject, `${type} ${subject}`, `${type}:${subject}`);
const open = (finding: Finding, lastNotifiedAt: string | null): OpenFinding => ({ ...finding, firstSeenAt: '2026-11-01T00:00:00.000Z', lastNotifiedAt });
const input = (over: Partial<AlertDecisionInput>): AlertDecisionInput => ({ open: new Map(), reportFindings: [], events: [], minSeverity: 'medium', renotifyHours: 24, now: NOW, previousEvaluationId: 'run-1', ...over });
const prints = (list: readonly Finding[]) => list.map((x) => x.fingerprint);

const high = f('admin-unprotected', 'high', 'u1');
const medium = f('admin-partially-protected', 'medium', 'u2');
const low = f('policy-report-only', 'low', 'p1');
const breakGlass = f('break-glass-sign-in', 'high', 'bg');
const unhealthy = f('monitor-unhealthy', 'high', 'roles');

describe('decideAlerts', () => {
  it.each<[string, Partial<AlertDecisionInput>, { opened: string[]; resolved: string[]; toSend: string[] }]>([
    ['a new finding at or above the threshold opens and is told', { reportFindings: [high, medium] }, { opened: [high.fingerprint, medium.fingerprint], resolved: [], toSend: [high.fingerprint, medium.fingerprint] }],
    ['below the threshold: opened, not told', { reportFindings: [low] }, { opened: [low.fingerprint], resolved: [], toSend: [] }],
    ['still open: neither opened nor told again before the re-notify interval', { reportFindings: [high], open: new Map([[high.fingerprint, open(high, '2026-12-01T00:00:00.000Z')]]) }, { opened: [], resolved: [], toSend: [] }],
    ['still open high finding after the interval: told again', { reportFindings: [high], open: new Map([[high.fingerprint, open(high, '2026-11-30T11:00:00.000Z')]]) }, { opened: [], resolved: [], toSend: [high.fingerprint] }],
    ['re-notify 0 never tells again', { renotifyHours: 0, reportFindings: [high], open: new Map([[high.fingerprint, open(high, '2026-10-01T00:00:00.000Z')]]) }, { opened: [], resolved: [], toSend: [] }],
    ['gone: resolved, not told', { open: new Map([[medium.fingerprint, open(medium, NOW)]]) }, { opened: [], resolved: [medium.fingerprint], toSend: [] }],
    ['a break-glass sign-in is told whatever the threshold', { minSeverity: 'high', events: [breakGlass] }, { opened: [], resolved: [], toSend: [breakGlass.fingerprint] }],
    ['monitor-unhealthy is a state: opened while it holds', { events: [unhealthy] }, { opened: [unhealthy.fingerprint], resolved: [], toSend: [unhealthy.fingerprint] }],
  ])('%s', (_name, over, expected) => {
    const d = decideAlerts(input(over));
    expect({ opened: prints(d.opened), resolved: prints(d.resolved), toSend: prints(d.toSend) }).toEqual(expected);
  });

  it('an evaluation of some admins (the change feed\'s) opens and resolves only their findings and the monitor\'s health', () => {
    const other = f('admin-unprotected', 'high', 'u9');
    const tenant = f('global-admin-count', 'medium', 'ga');
    const d = decideAlerts(
      input({
        scope: new Set(['u1', 'u2']),
        reportFindings: [high, tenant],
        events: [unhealthy],
        open: new Map([
          [medium.fingerprint, open(medium, NOW)],
          [other.fingerprint, open(other, NOW)],
          [low.fingerprint, open(low, NOW)],
        ]),
      }),
    );
    // u1 opens, u2 resolves; u9 and the policy finding are not judged (kept open); the tenant finding is not opened.
    expect(prints(d.opened)).toEqual([high.fingerprint, unhealthy.fingerprint]);
    expect(prints(d.resolved)).toEqual([medium.fingerprint]);
  });

  it('the outbox id is stable for one evaluation and differs after another', () => {
    const a = decideAlerts(input({ reportFindings: [high, medium] }));
    const b = decideAlerts(input({ reportFindings: [medium, high] }));
    const c = decideAlerts(input({ reportFindings: [high, medium], previousEvaluationId: 'run-2' }));
    expect(a.alertId).toBe(b.alertId);
    expect(a.alertId).not.toBe(c.alertId);
    expect(decideAlerts(input({})).alertId).toBeNull();
  });

  it('records history, open state and remembered events', () => {
    const event = f('policy-weakened', 'high', 'p9');
    const d = decideAlerts(input({ reportFindings: [high], events: [event], open: new Map([[medium.fingerprint, open(medium, NOW)]]) }));
    const w = findingWrites(d, NOW, 'run-9');
    // Each history entry three times: all, by type, by subject.
    expect(w.history.map((e) => `${e.partitionKey}:${e.event}`).sort()).toEqual(
      ['all:event', 'all:opened', 'all:resolved', `p|p9:event`, `p|u1:opened`, `p|u2:resolved`, 't|admin-partially-protected:resolved', 't|admin-unprotected:opened', 't|policy-weakened:event'].sort(),
    );
    expect(w.upserts.map((e) => e.partitionKey).sort()).toEqual(['event', 'open']);
    expect(w.deletes).toEqual([{ partitionKey: 'open', rowKey: escapeKey(medium.fingerprint) }]);
  });
});

// Accepted risks (R-ACCEPT-2/3, docs/alerts.md "Accepted risks").
describe('decideAlerts with accepted risks', () => {
  const ack = (finding: Finding, over: Partial<Acknowledgement> = {}): Acknowledgement => ({
    fingerprint: finding.fingerprint,
    type: finding.type,
    subjectId: finding.subjectId,
    subjectName: null,
    reason: 'service account, compensating control: IP restriction',
    owner: 'secops',
    acceptedBy: 'alice@contoso.com',
    acceptedAt: '2026-11-20T00:00:00.000Z',
    until: '2026-12-31T00:00:00.000Z',
    material: ['gap: every context', 'path: Exchange Administrator (active)'],
    ...over,
  });
  const material = (finding: Finding, keys: string[]) => new Map([[finding.fingerprint, keys]]);
  const sameKeys = ['gap: every context', 'path: Exchange Administrator (active)'];
  const overdue = open(high, '2026-11-29T00:00:00.000Z');

  it.each<[string, Partial<AlertDecisionInput>, { toSend: string[]; accepted: string[]; ended: string[]; note?: RegExp }]>([
    [
      'R-ACCEPT-2 an accepted high finding is not re-notified after the interval',
      { reportFindings: [high], open: new Map([[high.fingerprint, overdue]]), acknowledgements: new Map([[high.fingerprint, ack(high)]]), material: material(high, sameKeys) },
      { toSend: [], accepted: [high.fingerprint], ended: [] },
    ],
    [
      'R-ACCEPT-2 a finding accepted, resolved and raised again unchanged is not told',
      { reportFindings: [high], acknowledgements: new Map([[high.fingerprint, ack(high)]]), material: material(high, sameKeys) },
      { toSend: [], accepted: [high.fingerprint], ended: [] },
    ],
    [
      'R-ACCEPT-2 an expired acceptance ends and its finding is told again at once, whatever the interval',
      { reportFindings: [high], open: new Map([[high.fingerprint, open(high, '2026-12-01T11:00:00.000Z')]]), acknowledgements: new Map([[high.fingerprint, ack(high, { until: '2026-12-01T00:00:00.000Z' })]]), material: material(high, sameKeys) },
      { toSend: [high.fingerprint], accepted: [], ended: [high.fingerprint], note: /acceptance expired/ },
    ],
    [
      'R-ACCEPT-3 a new gap is a material change: the acceptance ends and the finding is told, naming what is new',
      { reportFindings: [high], open: new Map([[high.fingerprint, open(high, '2026-12-01T11:00:00.000Z')]]), acknowledgements: new Map([[high.fingerprint, ack(high)]]), material: material(high, [...sameKeys, 'gap: from trusted location HQ']) },
      { toSend: [high.fingerprint], accepted: [], ended: [high.fingerprint], note: /changed since: gap: from trusted location HQ/ },
    ],
    [
      'R-ACCEPT-3 a new path (role) is a material change too',
      { reportFindings: [high], open: new Map([[high.fingerprint, open(high, '2026-12-01T11:00:00.000Z')]]), acknowledgements: new Map([[high.fingerprint, ack(high)]]), material: material(high, [...sameKeys, 'path: Global Administrator (eligible)']) },
      { toSend: [high.fingerprint], accepted: [], ended: [high.fingerprint] },
    ],
    [
      'R-ACCEPT-3 a gap that closed is not a material change: still accepted',
      { reportFindings: [high], open: new Map([[high.fingerprint, overdue]]), acknowledgements: new Map([[high.fingerprint, ack(high)]]), material: material(high, ['path: Exchange Administrator (active)']) },
      { toSend: [], accepted: [high.fingerprint], ended: [] },
    ],
    [
      'R-ACCEPT-2 an acceptance of a resolved finding that expires ends quietly',
      { acknowledgements: new Map([[medium.fingerprint, ack(medium, { until: '2026-11-30T00:00:00.000Z' })]]) },
      { toSend: [], accepted: [], ended: [medium.fingerprint] },
    ],
    [
      'R-ACCEPT-2 an ended acceptance of a finding below the threshold ends without a mail',
      { minSeverity: 'high', reportFindings: [medium], open: new Map([[medium.fingerprint, open(medium, null)]]), acknowledgements: new Map([[medium.fingerprint, ack(medium, { until: '2026-11-30T00:00:00.000Z' })]]) },
      { toSend: [], accepted: [], ended: [medium.fingerprint] },
    ],
  ])('%s', (_name, over, expected) => {
    const d = decideAlerts(input(over));
    expect({ toSend: prints(d.toSend), accepted: prints(d.accepted), ended: d.ended.map((e) => e.ack.fingerprint) }).toEqual({ toSend: expected.toSend, accepted: expected.accepted, ended: expected.ended });
    if (expected.note) expect(d.notes.get(high.fingerprint)).toMatch(expected.note);
  });

  it('R-ACCEPT-2 an ending acceptance changes the outbox id, deletes the acknowledgement and records why', () => {
    const acknowledgements = new Map([[high.fingerprint, ack(high, { until: '2026-12-01T00:00:00.000Z' })]]);
    const base = { reportFindings: [high], open: new Map([[high.fingerprint, open(high, '2026-12-01T11:00:00.000Z')]]) };
    const d = decideAlerts(input({ ...base, acknowledgements }));
    expect(d.alertId).not.toBeNull();
    expect(decideAlerts(input({ ...base, acknowledgements })).alertId).toBe(d.alertId);
    const w = findingWrites(d, NOW, 'run-9');
    expect(w.deletes).toEqual([{ partitionKey: 'ack', rowKey: escapeKey(high.fingerprint) }]);
    expect(w.history.filter((e) => e.partitionKey === 'all').map((e) => e.event)).toEqual(['acceptance-ended']);
    expect(w.upserts.find((e) => e.partitionKey === 'open')).toMatchObject({ rowKey: escapeKey(high.fingerprint) });
  });
});

describe('afterAttempt: an outbox entry (mail or webhook) after one delivery attempt', () => {
  const base = { alertId: 'a1', status: 'pending' as 'pending' | 'sent' | 'failed', attempts: 1, lastError: 'earlier', sentAt: null as string | null };
  it.each([
    ['sent: marked sent, when, no error', { status: 'sent' as const }, { status: 'sent', attempts: 2, sentAt: '2026-12-06T12:00:00Z', lastError: null }],
    ['retry: stays pending with the error (the next run sends it)', { status: 'retry' as const, error: '429' }, { status: 'pending', attempts: 2, sentAt: null, lastError: '429' }],
    ['failed: final, with the error', { status: 'failed' as const, error: '400 bad request' }, { status: 'failed', attempts: 2, sentAt: null, lastError: '400 bad request' }],
  ])('%s', (_name, outcome, expected) => {
    expect(afterAttempt(base, outcome, '2026-12-06T12:00:00Z')).toEqual({ ...base, ...expected });
    expect(base.attempts).toBe(1);
  });
});
