// Set algebra over the space of sign-in contexts. A Conditional Access policy's conditions are ANDed and each
// condition is a set of values on one dimension (apps, client app types, platforms, locations, risk levels,
// …), so the contexts a policy applies to are a product of per-dimension sets: a box. Coverage is a union of
// boxes, and what no policy covers is the full space minus that union, kept as a list of disjoint boxes.
// Each dimension is a finite set of atoms (the values the policies involved mention, plus one "anything else"
// atom), so a dimension's set is a bitmask. A box packs every dimension's bitmask into 16-bit words (small
// integers, which the JavaScript engine keeps unboxed in plain arrays), one run of words per dimension: the
// algebra then works on plain integers, and a dimension's mask is read or written as a bigint only when policies
// are compiled or regions described.

export interface Dimension {
  key: string;
  atoms: readonly string[];
}

/** The dimensions' bitmasks, packed: dimension d occupies words `starts[d]` to `starts[d + 1]` (exclusive). */
export type Box = number[];

const WORD = 16;
const WORD_BIG = 16n;
const WORD_MASK = 0xffffn;

export class Space {
  readonly full: Box;
  /** First word of each dimension, and one past the last word of the last one. */
  readonly starts: Int32Array;
  private readonly atomIndex: Array<Map<string, number>>;
  private readonly keyIndex: Map<string, number>;

  constructor(readonly dimensions: readonly Dimension[]) {
    this.starts = new Int32Array(dimensions.length + 1);
    dimensions.forEach((d, i) => {
      this.starts[i + 1] = (this.starts[i] as number) + Math.max(1, Math.ceil(d.atoms.length / WORD));
    });
    this.full = new Array<number>(this.starts[dimensions.length] as number).fill(0);
    dimensions.forEach((d, i) => this.set(this.full, i, (1n << BigInt(d.atoms.length)) - 1n));
    this.atomIndex = dimensions.map((d) => new Map(d.atoms.map((atom, i) => [atom, i])));
    this.keyIndex = new Map(dimensions.map((d, i) => [d.key, i]));
  }

  dimensionIndex(key: string): number {
    const index = this.keyIndex.get(key);
    if (index === undefined) throw new Error(`unknown dimension ${key}`);
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

  /** The full mask of dimension `dim`. */
  fullMask(dim: number): bigint {
    return (1n << BigInt(this.dimensions[dim]?.atoms.length ?? 0)) - 1n;
  }

  /** Dimension `dim` of `box` as a bitmask. */
  get(box: Box, dim: number): bigint {
    let mask = 0n;
    const start = this.starts[dim] as number;
    for (let w = (this.starts[dim + 1] as number) - 1; w >= start; w--) mask = (mask << WORD_BIG) | BigInt(box[w] as number);
    return mask;
  }

  /** Sets dimension `dim` of `box` to `mask`. */
  set(box: Box, dim: number, mask: bigint): void {
    const end = this.starts[dim + 1] as number;
    let m = mask;
    for (let w = this.starts[dim] as number; w < end; w++) {
      box[w] = Number(m & WORD_MASK);
      m >>= WORD_BIG;
    }
  }

  atomsOf(dim: number, mask: bigint): string[] {
    const atoms = this.dimensions[dim]?.atoms ?? [];
    return atoms.filter((_, i) => (mask >> BigInt(i)) & 1n);
  }

  /** Dimension `dim` of `box` holds every atom. */
  isFull(box: Box, dim: number): boolean {
    for (let w = this.starts[dim] as number; w < (this.starts[dim + 1] as number); w++) if (box[w] !== this.full[w]) return false;
    return true;
  }

  /** `a` and `b` share some atom on dimension `dim`. */
  meets(a: Box, b: Box, dim: number): boolean {
    for (let w = this.starts[dim] as number; w < (this.starts[dim + 1] as number); w++) if (((a[w] as number) & (b[w] as number)) !== 0) return true;
    return false;
  }

  /** Atoms in the box: the number of atom combinations it holds is their product; this is their sum (a weight). */
  weight(box: Box): number {
    let n = 0;
    for (const word of box) for (let x = word; x !== 0; x &= x - 1) n++;
    return n;
  }

  isEmpty(box: Box): boolean {
    const { starts } = this;
    for (let d = 0; d < starts.length - 1; d++) {
      let any = 0;
      for (let w = starts[d] as number; w < (starts[d + 1] as number); w++) any |= box[w] as number;
      if (any === 0) return true;
    }
    return false;
  }

  intersects(a: Box, b: Box): boolean {
    const { starts } = this;
    for (let d = 0; d < starts.length - 1; d++) {
      let any = 0;
      for (let w = starts[d] as number; w < (starts[d + 1] as number); w++) any |= (a[w] as number) & (b[w] as number);
      if (any === 0) return false;
    }
    return true;
  }

  /** True when `inner` lies entirely inside `outer`. */
  contains(outer: Box, inner: Box): boolean {
    for (let w = 0; w < inner.length; w++) if (((inner[w] as number) & ~(outer[w] as number)) !== 0) return false;
    return true;
  }

  /** a ∩ b (empty on some dimension when they do not intersect). */
  intersection(a: Box, b: Box): Box {
    const out = a.slice();
    for (let w = 0; w < a.length; w++) out[w] = (a[w] as number) & (b[w] as number);
    return out;
  }

  /** a \ b as at most one box per dimension, pairwise disjoint. */
  subtract(a: Box, b: Box): Box[] {
    if (!this.intersects(a, b)) return [a];
    const { starts } = this;
    const pieces: Box[] = [];
    const prefix = a.slice();
    for (let d = 0; d < starts.length - 1; d++) {
      const start = starts[d] as number;
      const end = starts[d + 1] as number;
      let outside = 0;
      for (let w = start; w < end; w++) outside |= (a[w] as number) & ~(b[w] as number);
      if (outside !== 0) {
        const piece = prefix.slice();
        for (let w = start; w < end; w++) piece[w] = (a[w] as number) & ~(b[w] as number);
        pieces.push(piece);
      }
      for (let w = start; w < end; w++) prefix[w] = (a[w] as number) & (b[w] as number);
    }
    return pieces;
  }

  /** Merges boxes that differ in exactly one dimension until none do, so gaps read as few sentences. */
  merge(boxes: Box[]): Box[] {
    const { starts } = this;
    const dims = starts.length - 1;
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
          for (let d = 0; d < dims && count <= 1; d++) {
            for (let w = starts[d] as number; w < (starts[d + 1] as number); w++) {
              if (a[w] !== b[w]) {
                differing = d;
                count++;
                break;
              }
            }
          }
          if (count <= 1) {
            const union = a.slice();
            if (differing >= 0) for (let w = starts[differing] as number; w < (starts[differing + 1] as number); w++) union[w] = (a[w] as number) | (b[w] as number);
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
  uncovered(region: Box[], covering: readonly Box[]): Box[] {
    let rest = region;
    for (const cover of covering) {
      if (rest.length === 0) break;
      // Boxes the cover misses stay as they are; a new list is made only once one is cut.
      let next: Box[] | undefined;
      for (let i = 0; i < rest.length; i++) {
        const box = rest[i] as Box;
        if (!this.intersects(box, cover)) {
          next?.push(box);
          continue;
        }
        next ??= rest.slice(0, i);
        for (const piece of this.subtract(box, cover)) next.push(piece);
      }
      if (next) rest = next;
    }
    return rest;
  }

  /** A box from one bitmask per dimension (tests and compilation). */
  box(masks: readonly bigint[]): Box {
    const box = new Array<number>(this.full.length).fill(0);
    masks.forEach((m, d) => this.set(box, d, m));
    return box;
  }
}
