// What an evaluation's alerts come to (docs/alerts.md: snapshot findings, the digest, re-notification).
import { describe, expect, it } from 'vitest';
import { type AlertDecisionInput, type OpenFinding, decideAlerts, findingWrites } from '../../src/alerts/decide.js';
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
