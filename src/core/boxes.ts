// Set algebra over the space of sign-in contexts. A Conditional Access policy's conditions are ANDed and each
// condition is a set of values on one dimension (apps, client app types, platforms, locations, risk levels,
// …), so the contexts a policy applies to are a product of per-dimension sets: a box. Coverage is a union of
// boxes, and what no policy covers is the full space minus that union, kept as a list of disjoint boxes.
// Each dimension is a finite set of atoms (the values the policies involved mention, plus one "anything else"
// atom), so a dimension's set is a bitmask.

export interface Dimension {
  key: string;
  atoms: readonly string[];
}

/** One bitmask per dimension; bit i set = atom i of that dimension is in the box. */
export type Box = bigint[];

export class Space {
  readonly full: Box;
  private readonly atomIndex: Array<Map<string, number>>;

  constructor(readonly dimensions: readonly Dimension[]) {
    this.full = dimensions.map((d) => (1n << BigInt(d.atoms.length)) - 1n);
    this.atomIndex = dimensions.map((d) => new Map(d.atoms.map((atom, i) => [atom, i])));
  }

  dimensionIndex(key: string): number {
    const index = this.dimensions.findIndex((d) => d.key === key);
    if (index < 0) throw new Error(`unknown dimension ${key}`);
    return index;
  }

  /** Bitmask of the given atoms of dimension `dim` (atoms the space does not know are ignored). */
  mask(dim: number, atoms: Iterable<string>): bigint {
    let mask = 0n;
    const index = this.atomIndex[dim];
    if (!index) return mask;
    for (const atom of atoms) {
      const i = index.get(atom);
      if (i !== undefined) mask |= 1n << BigInt(i);
    }
    return mask;
  }

  atomsOf(dim: number, mask: bigint): string[] {
    const atoms = this.dimensions[dim]?.atoms ?? [];
    return atoms.filter((_, i) => (mask >> BigInt(i)) & 1n);
  }

  isFull(dim: number, mask: bigint): boolean {
    return mask === this.full[dim];
  }
}

export function isEmpty(box: Box): boolean {
  return box.some((mask) => mask === 0n);
}

export function intersects(a: Box, b: Box): boolean {
  for (let i = 0; i < a.length; i++) if (((a[i] as bigint) & (b[i] as bigint)) === 0n) return false;
  return true;
}

/** True when `inner` lies entirely inside `outer`. */
export function contains(outer: Box, inner: Box): boolean {
  for (let i = 0; i < outer.length; i++) {
    const o = outer[i] as bigint;
    if (((inner[i] as bigint) & ~o) !== 0n) return false;
  }
  return true;
}

/** a \ b as at most one box per dimension, pairwise disjoint. */
export function subtract(a: Box, b: Box): Box[] {
  if (!intersects(a, b)) return [a];
  const pieces: Box[] = [];
  const prefix = a.slice();
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] as bigint;
    const bi = b[i] as bigint;
    const outside = ai & ~bi;
    if (outside !== 0n) {
      const piece = prefix.slice();
      piece[i] = outside;
      pieces.push(piece);
    }
    prefix[i] = ai & bi;
  }
  return pieces;
}

/** Merges boxes that differ in exactly one dimension until none do, so gaps read as few sentences. */
export function merge(boxes: Box[]): Box[] {
  const out = boxes.slice();
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i] as Box;
        const b = out[j] as Box;
        let differing = -1;
        let count = 0;
        for (let d = 0; d < a.length; d++) {
          if (a[d] !== b[d]) {
            differing = d;
            count++;
            if (count > 1) break;
          }
        }
        if (count <= 1) {
          const union = a.slice();
          if (differing >= 0) union[differing] = (a[differing] as bigint) | (b[differing] as bigint);
          out[i] = union;
          out.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }
  return out;
}

/** What of `region` (disjoint boxes) the covering boxes leave uncovered. */
export function uncovered(region: Box[], covering: readonly Box[]): Box[] {
  let rest = region;
  for (const cover of covering) {
    if (rest.length === 0) break;
    // Boxes the cover misses stay as they are; a new list is made only once one is cut.
    let next: Box[] | undefined;
    for (let i = 0; i < rest.length; i++) {
      const box = rest[i] as Box;
      if (!intersects(box, cover)) {
        next?.push(box);
        continue;
      }
      next ??= rest.slice(0, i);
      for (const piece of subtract(box, cover)) next.push(piece);
    }
    if (next) rest = next;
  }
  return rest;
}
