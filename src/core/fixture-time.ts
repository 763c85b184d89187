// Fixtures with a `referenceTime` are written relative to that moment: serving one moves every *DateTime
// value by (now - referenceTime), so the bundled demo always looks live — activations are current and the
// sign-ins fall inside the collectors' look-back window — whenever it runs.
import type { TenantFixture } from './fixture.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function shift(value: unknown, deltaMs: number, key: string | undefined): unknown {
  if (typeof value === 'string') {
    if (key && key.endsWith('DateTime') && ISO.test(value)) {
      return new Date(Date.parse(value) + deltaMs).toISOString().replace('.000Z', 'Z');
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => shift(v, deltaMs, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shift(v, deltaMs, k);
    return out;
  }
  return value;
}

/** How far a fixture's times move when served at `now`. */
export function fixtureShiftMs(fixture: TenantFixture, now: Date): number {
  return fixture.referenceTime ? now.getTime() - Date.parse(fixture.referenceTime) : 0;
}

/**
 * The fixture with every *DateTime moved by `deltaMs` (default: so that referenceTime becomes `now`);
 * unchanged without `referenceTime`.
 */
export function fixtureAt(fixture: TenantFixture, now: Date, deltaMs = fixtureShiftMs(fixture, now)): TenantFixture {
  const reference = fixture.referenceTime;
  if (!reference) return fixture;
  const shifted = shift(fixture, deltaMs, undefined) as TenantFixture & { referenceTime?: string };
  shifted.referenceTime = new Date(Date.parse(reference) + deltaMs).toISOString();
  return shifted;
}
