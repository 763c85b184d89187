// The set algebra behind coverage (R-COVER-1): boxes over per-dimension atom sets, subtraction, merging.
import { describe, expect, it } from 'vitest';
import { type Box, Space } from '../../src/core/boxes.js';

const space = new Space([
  { key: 'app', atoms: ['portals', '@otherApps'] },
  { key: 'platform', atoms: ['iOS', 'android', 'windows'] },
  { key: 'location', atoms: ['HQ', '@elsewhere'] },
]);

/** Volume of a box: the number of atom combinations it holds. */
function volume(box: Box): number {
  return space.dimensions.reduce((n, _d, i) => n * space.get(box, i).toString(2).replace(/0/g, '').length, 1);
}
function total(boxes: Box[]): number {
  return boxes.reduce((n, b) => n + volume(b), 0);
}
function box(app: string[], platform: string[], location: string[]): Box {
  return space.box([space.mask(0, app), space.mask(1, platform), space.mask(2, location)]);
}
const { contains, intersects, isEmpty, merge, subtract, uncovered } = {
  contains: (a: Box, b: Box) => space.contains(a, b),
  intersects: (a: Box, b: Box) => space.intersects(a, b),
  isEmpty: (a: Box) => space.isEmpty(a),
  merge: (boxes: Box[]) => space.merge(boxes),
  subtract: (a: Box, b: Box) => space.subtract(a, b),
  uncovered: (region: Box[], covers: Box[]) => space.uncovered(region, covers),
};

describe('box algebra (R-COVER-1)', () => {
  it('R-COVER-1 the full space holds every combination; a box with an empty dimension is empty (docs/evaluation.md §5: box algebra)', () => {
    expect(volume(space.full)).toBe(2 * 3 * 2);
    expect(isEmpty(box([], ['iOS'], ['HQ']))).toBe(true);
    expect(isEmpty(space.full)).toBe(false);
  });

  it('R-COVER-1 intersects and contains work per dimension (CA conditions: conditions are ANDed)', () => {
    const ios = box(['portals', '@otherApps'], ['iOS'], ['HQ', '@elsewhere']);
    const hq = box(['portals', '@otherApps'], ['iOS', 'android', 'windows'], ['HQ']);
    expect(intersects(ios, hq)).toBe(true);
    expect(intersects(ios, box(['portals'], ['android'], ['HQ']))).toBe(false);
    expect(contains(space.full, ios)).toBe(true);
    expect(contains(ios, space.full)).toBe(false);
  });

  it('R-COVER-1 subtract returns disjoint pieces whose volume is the difference (docs/evaluation.md §5: box algebra)', () => {
    const b = box(['portals'], ['iOS', 'android'], ['HQ']);
    const pieces = subtract(space.full, b);
    expect(total(pieces)).toBe(volume(space.full) - volume(b));
    for (let i = 0; i < pieces.length; i++) {
      expect(intersects(pieces[i] as Box, b)).toBe(false);
      for (let j = i + 1; j < pieces.length; j++) expect(intersects(pieces[i] as Box, pieces[j] as Box)).toBe(false);
    }
    expect(subtract(b, box(['@otherApps'], ['windows'], ['@elsewhere']))).toEqual([b]);
  });

  it('R-COVER-1 uncovered is the full space minus the union; two halves leave nothing (Learn: concept-conditional-access-users-groups, "all requirements are met")', () => {
    const trusted = box(['portals', '@otherApps'], ['iOS', 'android', 'windows'], ['HQ']);
    const elsewhere = box(['portals', '@otherApps'], ['iOS', 'android', 'windows'], ['@elsewhere']);
    expect(uncovered([space.full], [trusted, elsewhere])).toEqual([]);
    const rest = uncovered([space.full], [trusted]);
    expect(total(rest)).toBe(volume(space.full) / 2);
  });

  it('R-COVER-1 merge joins boxes differing in one dimension and keeps the volume (docs/evaluation.md §5: gap sentences)', () => {
    const iosOnly = box(['portals', '@otherApps'], ['iOS'], ['HQ', '@elsewhere']);
    const rest = uncovered([space.full], [iosOnly, box(['portals'], ['android', 'windows'], ['HQ', '@elsewhere'])]);
    const merged = merge(rest);
    expect(total(merged)).toBe(total(rest));
    expect(merged).toEqual([box(['@otherApps'], ['android', 'windows'], ['HQ', '@elsewhere'])]);
  });

  it('R-COVER-1 a dimension of more than 32 atoms spans several words; get and set round-trip its mask', () => {
    const wide = new Space([{ key: 'app', atoms: Array.from({ length: 70 }, (_, i) => `app${i}`) }, { key: 'platform', atoms: ['iOS', 'android'] }]);
    const mask = wide.mask(0, ['app0', 'app33', 'app69']);
    const b = wide.box([mask, wide.mask(1, ['iOS'])]);
    expect(wide.get(b, 0)).toBe(mask);
    expect(wide.isFull(wide.full, 0)).toBe(true);
    expect(wide.intersects(b, wide.box([wide.mask(0, ['app69']), wide.fullMask(1)]))).toBe(true);
    expect(wide.intersects(b, wide.box([wide.mask(0, ['app68']), wide.fullMask(1)]))).toBe(false);
    const rest = wide.uncovered([wide.full], [b]);
    expect(rest.some((r) => wide.intersects(r, b))).toBe(false);
    expect(wide.uncovered(rest, [wide.full])).toEqual([]);
  });

  it('R-COVER-1 masks ignore atoms the space does not know; atomsOf inverts mask (docs/evaluation.md §5: box algebra)', () => {
    expect(space.mask(1, ['iOS', 'symbian'])).toBe(space.mask(1, ['iOS']));
    expect(space.atomsOf(1, space.mask(1, ['windows', 'iOS']))).toEqual(['iOS', 'windows']);
    expect(() => space.dimensionIndex('nope')).toThrow();
  });
});
