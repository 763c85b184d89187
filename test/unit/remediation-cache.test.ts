// The verified fixes are kept for the next request that reads the same stored data (src/app/remediation-cache.ts):
// the same answer without the work, and a new answer as soon as anything they are worked out from changes.
import { describe, expect, it } from 'vitest';
import { snapshotFromFixture } from '../../devkit/bench/snapshot.js';
import { demoFixturePath, fixtureForServing } from '../../devkit/fixture/load.js';
import { withRemediation } from '../../src/app/remediation-cache.js';
import { DEFAULT_EVALUATION_OPTIONS, evaluate } from '../../src/core/evaluate.js';
import { proposeRemediation } from '../../src/core/remediation.js';
import type { TenantSnapshot } from '../../src/core/snapshot.js';

const AT = '2026-12-06T12:00:00Z';

function demo(at = AT): TenantSnapshot {
  return snapshotFromFixture(fixtureForServing(demoFixturePath(), new Date(AT)), at);
}

describe('remediation kept for the same data', () => {
  it('a second evaluation of the same data gets the same fixes without working them out again, as if worked out', () => {
    const first = evaluate(demo(), DEFAULT_EVALUATION_OPTIONS);
    expect(withRemediation(demo(), DEFAULT_EVALUATION_OPTIONS, first).cached).toBe(false);
    // Captured later (another request), same data.
    const later = demo('2026-12-06T12:05:00Z');
    const second = evaluate(later, DEFAULT_EVALUATION_OPTIONS);
    expect(withRemediation(later, DEFAULT_EVALUATION_OPTIONS, second).cached).toBe(true);
    expect(second.remediation).toBe(first.remediation);
    const fresh = evaluate(later, DEFAULT_EVALUATION_OPTIONS);
    fresh.remediation = proposeRemediation(later, DEFAULT_EVALUATION_OPTIONS, fresh);
    expect(second.admins.map((a) => a.gaps.map((g) => g.fix))).toEqual(fresh.admins.map((a) => a.gaps.map((g) => g.fix)));
    expect(second.remediation).toEqual(fresh.remediation);
  });

  it('anything it is worked out from changed: worked out again (a policy, the options)', () => {
    const changed = demo();
    const policy = changed.conditionalAccessPolicies[0];
    if (!policy) throw new Error('demo fixture has no policies');
    policy.state = policy.state === 'enabled' ? 'disabled' : 'enabled';
    expect(withRemediation(changed, DEFAULT_EVALUATION_OPTIONS, evaluate(changed, DEFAULT_EVALUATION_OPTIONS)).cached).toBe(false);
    const options = { ...DEFAULT_EVALUATION_OPTIONS, excludedAccounts: ['breakglass-01@contoso-demo.example'] };
    expect(withRemediation(demo(), options, evaluate(demo(), options)).cached).toBe(false);
  });
});
