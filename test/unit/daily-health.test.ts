// Monitor health of the daily secure score collector: it is stale after a day and a bit, not after
// MONITOR_STALE_AFTER_MINUTES, and before its first run it is not missed (it runs once a day).
import { describe, expect, it } from 'vitest';
import { collectorHealth } from '../../src/alerts/pipeline.js';
import type { RunRecord } from '../../src/collect/runs.js';
import { type ChangeInputs, changeFindings } from '../../src/core/changes.js';
import type { Report } from '../../src/core/report.js';

const NOW = '2026-11-25T12:00:00.000Z';
const hoursAgo = (h: number) => new Date(Date.parse(NOW) - h * 3_600_000).toISOString();
const run = (collector: RunRecord['collector'], endedAt: string, datasets: RunRecord['datasets'] = {}): RunRecord => ({ runId: collector, collector, trigger: 'timer', startedAt: endedAt, endedAt, status: 'succeeded', datasets, writes: 1, graphRequests: 1, httpRequests: 1 });
const fresh = { roles: run('roles', NOW), policies: run('policies', NOW), activations: run('activations', NOW), signins: run('signins', NOW) };

function unhealthy(securescore?: RunRecord): string[] {
  const inputs: ChangeInputs = {
    now: NOW,
    firstEvaluation: false,
    previousEvaluationId: 'e',
    previousAdmins: new Map(),
    report: { admins: [], potentialAdmins: [] } as unknown as Report,
    policyChanges: [],
    weakenedFor: new Map(),
    assignmentChanges: [],
    breakGlassSignIns: [],
    health: collectorHealth({ ...fresh, ...(securescore ? { securescore } : {}) }),
    staleAfterMinutes: 90,
    monitoredRoleIds: new Set(),
  };
  return changeFindings(inputs).filter((f) => f.type === 'monitor-unhealthy').map((f) => f.subjectId);
}

describe('health of the daily secure score collector', () => {
  it('is not missed before its first run', () => {
    expect(unhealthy()).toEqual([]);
  });

  it('a run 20 hours ago, with its data, is healthy; 30 hours ago it is stale', () => {
    expect(unhealthy(run('securescore', hoursAgo(20), { secureScore: { state: 'ok', asOf: hoursAgo(20) } }))).toEqual([]);
    expect(unhealthy(run('securescore', hoursAgo(30)))).toEqual(['securescore']);
  });

  it('a dataset it could not read makes it unhealthy, a licence it lacks does not', () => {
    expect(unhealthy(run('securescore', hoursAgo(1), { secureScore: { state: 'unavailable', asOf: null, permission: 'SecurityEvents.Read.All' } }))).toEqual(['securescore']);
    expect(unhealthy(run('securescore', hoursAgo(1), { mfaRecommendation: { state: 'notLicensed', asOf: hoursAgo(1) } }))).toEqual([]);
  });
});
