// Device filters compared by meaning (R-DEVICE-1..3). A filter rule is parsed into a Boolean formula over
// atomic conditions on device properties; the devices the policies can tell apart are then enumerated as
// classes (a class: one combination of truths of every condition that some device can have), and each rule is
// the set of classes it matches. Rules on the same properties share one context dimension, so `-eq` and `-ne`,
// `-in` lists, `-startsWith` / `-notStartsWith`, `-and` / `-or` are compared by what they match, not by their
// text. The grant alternatives "compliant device" and "hybrid-joined device" are the same facts as
// `device.isCompliant -eq "True"` and `device.trustType -eq "ServerAD"`, so they join the same dimensions.
//
// Microsoft's semantics (Learn: concept-condition-filters-for-devices): an unregistered device has every
// property null; a positive operator (Equals, StartsWith, EndsWith, Contains, In) does not match null, a
// negative one (NotEquals, …, NotIn) does. So a negative operator is exactly the negation of its positive,
// null included, and an unregistered device is the class where every positive condition is false. String
// comparisons are case-insensitive, as in dynamic membership rules (Learn: groups-dynamic-membership).

/** A positive atomic condition on one property (values lower-cased). `has`: a string collection holds the value. */
export type DeviceOp = 'eq' | 'startsWith' | 'endsWith' | 'contains' | 'has' | 'isNull';

export type DeviceExpr =
  | { kind: 'pred'; property: string; op: DeviceOp; value: string }
  | { kind: 'not'; item: DeviceExpr }
  | { kind: 'and' | 'or'; items: DeviceExpr[] };

/** Properties that are string collections: `-contains` tests membership (Learn: "Contains … for string collection attributes"). */
const COLLECTIONS = new Set(['physicalids', 'systemlabels']);
/** Properties with a closed set of values (besides null). */
const ENUMERATED: Record<string, readonly string[]> = { iscompliant: ['true', 'false'] };

const OPERATORS: Record<string, { op: DeviceOp | 'in'; negated: boolean }> = {
  '-eq': { op: 'eq', negated: false },
  '-ne': { op: 'eq', negated: true },
  '-startswith': { op: 'startsWith', negated: false },
  '-notstartswith': { op: 'startsWith', negated: true },
  '-endswith': { op: 'endsWith', negated: false },
  '-notendswith': { op: 'endsWith', negated: true },
  '-contains': { op: 'contains', negated: false },
  '-notcontains': { op: 'contains', negated: true },
  '-in': { op: 'in', negated: false },
  '-notin': { op: 'in', negated: true },
};

type Token = { t: 'op'; v: string } | { t: 'str'; v: string } | { t: 'word'; v: string } | { t: 'punct'; v: '(' | ')' | '[' | ']' | ',' };

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if ('()[],'.includes(c)) {
      tokens.push({ t: 'punct', v: c as '(' | ')' | '[' | ']' | ',' });
      i++;
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= rule.length) throw new Error(`unterminated string starting with ${c}`);
        const d = rule[i] as string;
        // Escapes: a backslash or backtick before the quote (dynamic membership rules use the backtick), or a doubled quote.
        if ((d === '\\' || d === '`') && rule[i + 1] === c) {
          value += c;
          i += 2;
        } else if (d === c && rule[i + 1] === c) {
          value += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ t: 'str', v: value });
    } else if (c === '-') {
      const m = /^-[A-Za-z]+/.exec(rule.slice(i));
      if (!m) throw new Error(`unexpected '-' at position ${i}`);
      tokens.push({ t: 'op', v: m[0].toLowerCase() });
      i += m[0].length;
    } else {
      const m = /^[A-Za-z0-9_.]+/.exec(rule.slice(i));
      if (!m) throw new Error(`unexpected '${c}' at position ${i}`);
      tokens.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

/** Parses a device filter rule; an error names what could not be read. */
// eslint-disable-next-line max-lines-per-function -- one recursive-descent parser: its rules read best together
export function parseDeviceRule(rule: string): { expr: DeviceExpr } | { error: string } {
  let tokens: Token[];
  try {
    tokens = tokenize(rule);
  } catch (e) {
    return { error: (e as Error).message };
  }
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const fail = (message: string): never => {
    throw new Error(message);
  };
  const value = (): string | null => {
    const tok = tokens[pos++];
    if (tok?.t === 'str') return tok.v.toLowerCase();
    if (tok?.t === 'word' && /^(true|false)$/i.test(tok.v)) return tok.v.toLowerCase();
    if (tok?.t === 'word' && /^null$/i.test(tok.v)) return null;
    return fail(`expected a value, got ${tok ? `'${tok.v}'` : 'the end of the rule'}`);
  };
  const comparison = (): DeviceExpr => {
    const prop = tokens[pos++];
    if (prop?.t !== 'word' || !/^device\.[A-Za-z0-9_]+$/i.test(prop.v)) return fail(`expected device.<property>, got ${prop ? `'${prop.v}'` : 'the end of the rule'}`);
    const property = prop.v.slice('device.'.length).toLowerCase();
    const opTok = tokens[pos++];
    const operator = opTok?.t === 'op' ? OPERATORS[opTok.v] : undefined;
    if (!operator) return fail(`unsupported operator ${opTok ? `'${opTok.v}'` : '(none)'} after device.${property}`);
    const collection = COLLECTIONS.has(property);
    let expr: DeviceExpr;
    if (operator.op === 'in') {
      if (peek()?.v !== '[') return fail(`expected a [list] after ${opTok?.v ?? ''}`);
      pos++;
      const items: DeviceExpr[] = [];
      while (peek()?.v !== ']') {
        const v = value();
        items.push(v === null ? { kind: 'pred', property, op: 'isNull', value: '' } : { kind: 'pred', property, op: collection ? 'has' : 'eq', value: v });
        if (peek()?.v === ',') pos++;
        else if (peek()?.v !== ']') fail('expected , or ] in a list');
      }
      pos++;
      expr = { kind: 'or', items };
    } else {
      const v = value();
      if (v === null) {
        if (operator.op !== 'eq') fail(`null can only be compared with -eq or -ne`);
        expr = { kind: 'pred', property, op: 'isNull', value: '' };
      } else if (collection) {
        if (operator.op !== 'contains') fail(`device.${property} is a collection: only -contains and -notContains apply`);
        expr = { kind: 'pred', property, op: 'has', value: v };
      } else expr = { kind: 'pred', property, op: operator.op as DeviceOp, value: v };
    }
    return operator.negated ? { kind: 'not', item: expr } : expr;
  };
  const unary = (): DeviceExpr => {
    const tok = peek();
    if (tok?.t === 'op' && tok.v === '-not') {
      pos++;
      return { kind: 'not', item: unary() };
    }
    if (tok?.v === '(') {
      pos++;
      const inner = or();
      if (tokens[pos++]?.v !== ')') fail('missing )');
      return inner;
    }
    return comparison();
  };
  // `-or` binds looser than `-and`: a chain of `next` joined by one operator.
  const chain = (kind: 'and' | 'or', next: () => DeviceExpr) => (): DeviceExpr => {
    const items = [next()];
    while (peek()?.t === 'op' && peek()?.v === `-${kind}`) {
      pos++;
      items.push(next());
    }
    return items.length === 1 ? (items[0] as DeviceExpr) : { kind, items };
  };
  const and = chain('and', unary);
  const or: () => DeviceExpr = chain('or', and);
  try {
    const expr = or();
    if (pos < tokens.length) fail(`unexpected '${tokens[pos]?.v ?? ''}'`);
    return { expr };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function predKey(p: { property: string; op: DeviceOp; value: string }): string {
  return `${p.property}|${p.op}|${p.value}`;
}

function collectPreds(expr: DeviceExpr, out: Map<string, Extract<DeviceExpr, { kind: 'pred' }>>): void {
  if (expr.kind === 'pred') out.set(predKey(expr), expr);
  else if (expr.kind === 'not') collectPreds(expr.item, out);
  else for (const item of expr.items) collectPreds(item, out);
}

function evalExpr(expr: DeviceExpr, truth: (key: string) => boolean): boolean {
  switch (expr.kind) {
    case 'pred':
      return truth(predKey(expr));
    case 'not':
      return !evalExpr(expr.item, truth);
    case 'and':
      return expr.items.every((e) => evalExpr(e, truth));
    default:
      return expr.items.some((e) => evalExpr(e, truth));
  }
}

type Pred = { op: DeviceOp; value: string };

function holds(p: Pred, v: string | null): boolean {
  if (v === null) return p.op === 'isNull';
  switch (p.op) {
    case 'eq':
      return v === p.value;
    case 'startsWith':
      return v.startsWith(p.value);
    case 'endsWith':
      return v.endsWith(p.value);
    case 'contains':
      return v.includes(p.value);
    default:
      return false;
  }
}

/** Most pattern conditions on one property whose combinations are enumerated (2^n). */
const MAX_PATTERNS = 10;

interface PropertyClasses {
  /** Per class, the truth of each of the property's conditions (in `preds` order). */
  classes: boolean[][];
  /** Classes kept because they could be neither shown possible nor ruled out. */
  undecided: boolean[];
  /** The class of a null value (an unregistered device). */
  nullClass: number;
}

/** True when this truth assignment to pattern conditions provably cannot happen (implications between literals). */
function refuted(patterns: Pred[], truth: boolean[]): boolean {
  for (let i = 0; i < patterns.length; i++) {
    const a = patterns[i] as Pred;
    if (a.value === '' && !truth[i]) return true;
    if (!truth[i]) continue;
    for (let j = 0; j < patterns.length; j++) {
      if (i === j) continue;
      const b = patterns[j] as Pred;
      if (truth[j]) {
        if (a.op === 'startsWith' && b.op === 'startsWith' && !a.value.startsWith(b.value) && !b.value.startsWith(a.value)) return true;
        if (a.op === 'endsWith' && b.op === 'endsWith' && !a.value.endsWith(b.value) && !b.value.endsWith(a.value)) return true;
      } else {
        // a true implies b true?
        if (a.op === 'startsWith' && b.op === 'startsWith' && a.value.startsWith(b.value)) return true;
        if (a.op === 'endsWith' && b.op === 'endsWith' && a.value.endsWith(b.value)) return true;
        if (b.op === 'contains' && a.value.includes(b.value)) return true;
      }
    }
  }
  return false;
}

/** Strings likely to realise every possible combination: the literals, alone, apart, joined and overlapped. */
function candidates(literals: string[]): string[] {
  const used = literals.join('');
  let fresh = 'x';
  for (const c of '§¤~#xyzq0') {
    if (!used.includes(c)) {
      fresh = c;
      break;
    }
  }
  const out = new Set<string>([fresh, fresh + fresh]);
  const join = (a: string, b: string): string[] => {
    const merged: string[] = [a + b, a + fresh + b];
    for (let k = Math.min(a.length, b.length); k > 0; k--) if (a.endsWith(b.slice(0, k))) merged.push(a + b.slice(k));
    return merged;
  };
  for (const a of literals) {
    for (const x of [a, fresh + a, a + fresh, fresh + a + fresh]) out.add(x);
    for (const b of literals) {
      for (const m of join(a, b)) for (const x of [m, fresh + m, m + fresh, fresh + m + fresh]) out.add(x);
      if (literals.length <= 6) for (const c of literals) for (const m of join(a, b)) for (const n of join(m, c)) out.add(n);
    }
  }
  return [...out];
}

function propertyClasses(property: string, preds: Pred[]): PropertyClasses | { error: string } {
  const classes = new Map<string, { truth: boolean[]; undecided: boolean }>();
  const add = (truth: boolean[], undecided = false): void => {
    const k = truth.map((t) => (t ? '1' : '0')).join('');
    const e = classes.get(k);
    if (!e) classes.set(k, { truth, undecided });
    else e.undecided &&= undecided;
  };
  const nullTruth = preds.map((p) => holds(p, null));
  add(nullTruth);
  if (COLLECTIONS.has(property)) {
    // Each listed value is independently present or not.
    if (preds.length > MAX_PATTERNS) return { error: `more than ${MAX_PATTERNS} values compared on device.${property}` };
    for (let m = 0; m < 1 << preds.length; m++) add(preds.map((p, i) => p.op !== 'isNull' && ((m >> i) & 1) === 1));
  } else if (ENUMERATED[property]) {
    const values = new Set([...(ENUMERATED[property] ?? []), ...preds.filter((p) => p.op === 'eq').map((p) => p.value)]);
    for (const v of values) add(preds.map((p) => holds(p, v)));
  } else {
    const eqValues = new Set(preds.filter((p) => p.op === 'eq').map((p) => p.value));
    for (const v of eqValues) add(preds.map((p) => holds(p, v)));
    const patternIdx = preds.map((p, i) => (p.op === 'startsWith' || p.op === 'endsWith' || p.op === 'contains' ? i : -1)).filter((i) => i >= 0);
    const patterns = patternIdx.map((i) => preds[i] as Pred);
    if (patterns.length > MAX_PATTERNS) return { error: `more than ${MAX_PATTERNS} -startsWith/-endsWith/-contains conditions on device.${property}` };
    const full = (patternTruth: boolean[]): boolean[] => preds.map((p, i) => (p.op === 'eq' || p.op === 'isNull' ? false : (patternTruth[patternIdx.indexOf(i)] as boolean)));
    const witnessed = new Set<string>();
    for (const x of candidates(patterns.map((p) => p.value))) {
      if (eqValues.has(x)) continue;
      const t = patterns.map((p) => holds(p, x));
      witnessed.add(t.map((b) => (b ? '1' : '0')).join(''));
    }
    for (let m = 0; m < 1 << patterns.length; m++) {
      const t = patterns.map((_, i) => ((m >> i) & 1) === 1);
      const k = t.map((b) => (b ? '1' : '0')).join('');
      if (witnessed.has(k)) add(full(t));
      else if (!refuted(patterns, t)) add(full(t), true);
    }
  }
  const list = [...classes.values()];
  const nullKey = nullTruth.map((t) => (t ? '1' : '0')).join('');
  return {
    classes: list.map((c) => c.truth),
    undecided: list.map((c) => c.undecided),
    nullClass: [...classes.keys()].indexOf(nullKey),
  };
}

export type DeviceFact = 'compliant' | 'hybridJoined';

/** The grant alternatives that are facts about the device, as filter conditions (R-DEVICE-2). */
export const FACT_CONDITIONS: Record<DeviceFact, Extract<DeviceExpr, { kind: 'pred' }>> = {
  compliant: { kind: 'pred', property: 'iscompliant', op: 'eq', value: 'true' },
  hybridJoined: { kind: 'pred', property: 'trusttype', op: 'eq', value: 'serverad' },
};

const FACT_WORDS: Record<DeviceFact, [string, string]> = { compliant: ['compliant', 'non-compliant'], hybridJoined: ['hybrid-joined', 'not hybrid-joined'] };

/** One conjunction naming device kinds: "compliant" + "matching filter 'X'", and what to add after it. */
export interface DeviceTerm {
  adjectives: string[];
  clauses: string[];
  suffix: string;
}

export interface DeviceDimension {
  key: string;
  atoms: string[];
  /** Phrase for a set of this dimension's atoms ("from compliant devices matching filter '…'"). */
  describe(mask: bigint): string;
  /** The set as one conjunction, when it is one (phrases of several dimensions then merge into one). */
  term(mask: bigint): DeviceTerm | undefined;
}

/** "from compliant, hybrid-joined devices matching filter 'X' and not matching filter 'Y'". */
export function termPhrase(terms: readonly DeviceTerm[]): string {
  const adjectives = terms.flatMap((t) => t.adjectives);
  const clauses = terms.flatMap((t) => t.clauses);
  return `from ${adjectives.length ? `${adjectives.join(', ')} ` : ''}devices${clauses.length ? ` ${clauses.join(' and ')}` : ''}${terms.map((t) => t.suffix).join('')}`;
}

export interface DeviceModel {
  dimensions: DeviceDimension[];
  byKey: Map<string, DeviceDimension>;
  /** The dimension and atoms where a rule (as written in a policy) matches. */
  rule(rule: string): { key: string; mask: bigint } | undefined;
  fact(fact: DeviceFact): { key: string; mask: bigint } | undefined;
}

/** The text a rule is known by (whitespace collapsed). */
export function ruleText(rule: string): string {
  return rule.replace(/\s+/g, ' ').trim();
}

/** More atoms than this in one dimension and its rules are treated as independent (and the gap says so). */
const MAX_ATOMS = 4096;

interface Literal {
  /** Index into the dimension's named things (rules, then facts). */
  index: number;
  positive: boolean;
}

/**
 * Builds the device dimensions for the rules the policies use and the facts their grants name. Rules that
 * cannot be parsed, or whose combinations are too many to enumerate, keep a dimension of their own (matching /
 * not matching), and the phrases for them say the relation to other filters could not be decided.
 */
// eslint-disable-next-line max-lines-per-function -- one construction: parse, group by property, enumerate, name
export function buildDeviceModel(rules: Iterable<string>, facts: Iterable<DeviceFact>): DeviceModel {
  const texts = [...new Set([...rules].map(ruleText))].sort();
  const parsed = new Map<string, DeviceExpr>();
  const opaque = new Map<string, string>();
  for (const text of texts) {
    const r = parseDeviceRule(text);
    if ('error' in r) opaque.set(text, r.error);
    else parsed.set(text, r.expr);
  }
  const factList = [...new Set(facts)].sort();
  // Union-find over properties: rules (and facts) on shared properties land in one dimension.
  const parent = new Map<string, string>();
  const find = (p: string): string => {
    let r = p;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(p, r);
    return r;
  };
  const union = (a: string, b: string): void => {
    for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
    parent.set(find(a), find(b));
  };
  const propsOf = (expr: DeviceExpr): string[] => {
    const preds = new Map<string, Extract<DeviceExpr, { kind: 'pred' }>>();
    collectPreds(expr, preds);
    return [...new Set([...preds.values()].map((p) => p.property))];
  };
  for (const [, expr] of parsed) {
    const props = propsOf(expr);
    for (const p of props) union(p, props[0] as string);
  }
  for (const f of factList) {
    const p = FACT_CONDITIONS[f].property;
    union(p, p);
  }
  const groups = new Map<string, { rules: string[]; facts: DeviceFact[] }>();
  const groupOf = (prop: string) => {
    const root = find(prop);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { rules: [], facts: [] }));
    return g;
  };
  for (const [text, expr] of parsed) groupOf(propsOf(expr)[0] as string).rules.push(text);
  for (const f of factList) groupOf(FACT_CONDITIONS[f].property).facts.push(f);

  const dimensions: DeviceDimension[] = [];
  const ruleMasks = new Map<string, { key: string; mask: bigint }>();
  const factMasks = new Map<DeviceFact, { key: string; mask: bigint }>();
  const manyRules = texts.length > 1;
  const undecidedNote = (text: string, why: string): string => (manyRules ? ` (how filter '${text}' relates to the other device filters could not be decided: ${why}; it is treated as independent of them)` : '');

  const opaqueDimension = (text: string, why: string): void => {
    const key = `device:${text}`;
    const note = undecidedNote(text, why);
    const term = (mask: bigint): DeviceTerm => ({ adjectives: [], clauses: [`${mask === 1n ? '' : 'not '}matching filter '${text}'`], suffix: note });
    dimensions.push({ key, atoms: ['match', 'noMatch'], describe: (mask) => termPhrase([term(mask)]), term });
    ruleMasks.set(text, { key, mask: 1n });
  };
  for (const [text, why] of opaque) opaqueDimension(text, `it could not be read (${why})`);

  let n = 0;
  for (const group of [...groups.values()].sort((a, b) => (a.rules[0] ?? a.facts[0] ?? '').localeCompare(b.rules[0] ?? b.facts[0] ?? ''))) {
    const exprs = [...group.rules.map((t) => parsed.get(t) as DeviceExpr), ...group.facts.map((f) => FACT_CONDITIONS[f])];
    const preds = new Map<string, Extract<DeviceExpr, { kind: 'pred' }>>();
    for (const e of exprs) collectPreds(e, preds);
    const byProperty = new Map<string, Array<Extract<DeviceExpr, { kind: 'pred' }>>>();
    for (const p of preds.values()) byProperty.set(p.property, [...(byProperty.get(p.property) ?? []), p]);
    const properties = [...byProperty.keys()].sort();
    const perProperty: Array<PropertyClasses & { preds: Array<Extract<DeviceExpr, { kind: 'pred' }>> }> = [];
    let error: string | undefined;
    let size = 1;
    for (const prop of properties) {
      const list = byProperty.get(prop) ?? [];
      const c = propertyClasses(prop, list);
      if ('error' in c) {
        error = c.error;
        break;
      }
      perProperty.push({ ...c, preds: list });
      size *= c.classes.length;
      if (size > MAX_ATOMS) {
        error = `the filters on ${properties.map((p) => `device.${p}`).join(', ')} combine into more than ${MAX_ATOMS} kinds of device`;
        break;
      }
    }
    if (error) {
      for (const text of group.rules) opaqueDimension(text, error);
      for (const f of group.facts) {
        const key = `deviceFact:${f}`;
        const [yes, no] = FACT_WORDS[f];
        const term = (mask: bigint): DeviceTerm => ({ adjectives: [mask === 1n ? yes : no], clauses: [], suffix: '' });
        dimensions.push({ key, atoms: [f, `not-${f}`], describe: (mask) => termPhrase([term(mask)]), term });
        factMasks.set(f, { key, mask: 1n });
      }
      continue;
    }
    // Every combination of property classes is a kind of device; kinds every rule and fact treats alike are one atom.
    const atoms = new Map<string, { vector: boolean[]; unregistered: boolean; undecided: boolean }>();
    const choice = new Array<number>(perProperty.length).fill(0);
    for (let k = 0; k < size; k++) {
      let rest = k;
      for (let i = 0; i < perProperty.length; i++) {
        const count = (perProperty[i] as PropertyClasses).classes.length;
        choice[i] = rest % count;
        rest = Math.floor(rest / count);
      }
      const truth = new Map<string, boolean>();
      let unregistered = true;
      let undecided = false;
      perProperty.forEach((pc, i) => {
        const cls = choice[i] as number;
        pc.preds.forEach((p, j) => truth.set(predKey(p), (pc.classes[cls] as boolean[])[j] as boolean));
        if (cls !== pc.nullClass) unregistered = false;
        if (pc.undecided[cls]) undecided = true;
      });
      const vector = exprs.map((e) => evalExpr(e, (key) => truth.get(key) ?? false));
      const id = vector.map((b) => (b ? '1' : '0')).join('');
      const existing = atoms.get(id);
      if (!existing) atoms.set(id, { vector, unregistered, undecided });
      else {
        existing.unregistered ||= unregistered;
        existing.undecided &&= undecided;
      }
    }
    const atomList = [...atoms.values()];
    const key = `devices:${n++}`;
    const names = [...group.rules.map((t) => ({ kind: 'rule' as const, text: t })), ...group.facts.map((f) => ({ kind: 'fact' as const, fact: f }))];
    const undecided = atomList.some((a) => a.undecided);
    const note = undecided && group.rules.length > 1 ? ` (whether every combination of the conditions of ${group.rules.map((t) => `'${t}'`).join(', ')} can occur could not be decided; those undecided are assumed to occur)` : '';
    const maskOf = (index: number): bigint => atomList.reduce((m, a, i) => (a.vector[index] ? m | (1n << BigInt(i)) : m), 0n);
    names.forEach((name, i) => {
      if (name.kind === 'rule') ruleMasks.set(name.text, { key, mask: maskOf(i) });
      else factMasks.set(name.fact, { key, mask: maskOf(i) });
    });
    const literalPhrase = (l: Literal): { adjective?: string; clause?: string } => {
      const name = names[l.index];
      if (!name) return {};
      if (name.kind === 'fact') return { adjective: FACT_WORDS[name.fact][l.positive ? 0 : 1] };
      return { clause: `${l.positive ? '' : 'not '}matching filter '${name.text}'` };
    };
    const cache = new Map<bigint, DeviceTerm[]>();
    const terms = (mask: bigint): DeviceTerm[] => {
      const cached = cache.get(mask);
      if (cached) return cached;
      const found = minimalTerms(atomList.map((a) => a.vector), mask);
      const unregistered = atomList.some((a, i) => a.unregistered && ((mask >> BigInt(i)) & 1n) === 1n) && found.some((t) => t.some((l) => !l.positive && names[l.index]?.kind === 'rule'));
      const result = found.map((term, i) => {
        // "matching X and not matching Y": positive conditions first.
        const parts = [...term].sort((a, b) => Number(b.positive) - Number(a.positive) || a.index - b.index).map(literalPhrase);
        const last = i === found.length - 1;
        return {
          adjectives: parts.flatMap((p) => (p.adjective ? [p.adjective] : [])),
          clauses: parts.flatMap((p) => (p.clause ? [p.clause] : [])),
          suffix: last ? `${unregistered ? ' (unregistered devices among them: every property of an unregistered device is null)' : ''}${note}` : '',
        };
      });
      cache.set(mask, result);
      return result;
    };
    dimensions.push({
      key,
      atoms: atomList.map((a) => a.vector.map((b) => (b ? '1' : '0')).join('')),
      describe: (mask) => `from ${terms(mask).map((t) => termPhrase([t]).slice('from '.length)).join(' or ')}`,
      term: (mask) => {
        const t = terms(mask);
        return t.length === 1 ? t[0] : undefined;
      },
    });
  }
  return {
    dimensions,
    byKey: new Map(dimensions.map((d) => [d.key, d])),
    rule: (rule) => ruleMasks.get(ruleText(rule)),
    fact: (fact) => factMasks.get(fact),
  };
}

/**
 * A short sum of products over the named things (rules and facts) that selects exactly the atoms in `mask`,
 * treating combinations no atom has (impossible devices) as free: a Quine–McCluskey merge of the atoms' vectors.
 */
export function minimalTerms(vectors: boolean[][], mask: bigint): Literal[][] {
  const on = vectors.filter((_, i) => ((mask >> BigInt(i)) & 1n) === 1n).map((v) => v.map((b) => (b ? 1 : 0)));
  const off = new Set(vectors.filter((_, i) => ((mask >> BigInt(i)) & 1n) === 0n).map((v) => v.map((b) => (b ? '1' : '0')).join('')));
  // A term is a string over 0/1/- ; it may not cover any atom outside the mask.
  const coversOff = (term: string): boolean => {
    for (const o of off) if ([...term].every((c, i) => c === '-' || c === o[i])) return true;
    return false;
  };
  // Widen each atom's vector one literal at a time while it stays inside the mask (impossible combinations are
  // free), negative literals first: one prime term per atom, in time linear in the atoms and the width.
  const primes = new Set<string>();
  for (const v of on) {
    let term = v.join('');
    const order = v.map((_, i) => i).sort((a, b) => (v[a] as number) - (v[b] as number) || a - b);
    for (const i of order) {
      const w = `${term.slice(0, i)}-${term.slice(i + 1)}`;
      if (!coversOff(w)) term = w;
    }
    primes.add(term);
  }
  // Greedy cover of the atoms in the mask by the widest terms first.
  const remaining = new Set(on.map((v) => v.join('')));
  const chosen: string[] = [];
  const sorted = [...primes].sort((a, b) => b.split('-').length - a.split('-').length || a.localeCompare(b));
  while (remaining.size > 0) {
    let best: string | undefined;
    let bestCount = 0;
    for (const t of sorted) {
      let count = 0;
      for (const r of remaining) if ([...t].every((c, i) => c === '-' || c === r[i])) count++;
      if (count > bestCount) {
        best = t;
        bestCount = count;
      }
    }
    if (!best) break;
    chosen.push(best);
    for (const r of [...remaining]) if ([...best].every((c, i) => c === '-' || c === r[i])) remaining.delete(r);
  }
  return chosen.map((t) => [...t].flatMap((c, i) => (c === '-' ? [] : [{ index: i, positive: c === '1' }])));
}
