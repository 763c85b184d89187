// Dynamic membership rules of groups: Learn, "Dynamic membership rules for groups" (rule syntax, operators,
// multi-value properties, `memberOf`, "Direct Reports for"). This parser reads a rule only to learn which
// attributes it depends on: whoever can write one of them can steer who matches (R-EXEMPT-5). It never decides
// membership (Graph does). Conditional Access device filters, which share the grammar, are read by the engine's
// own parser (devices.ts), which also decides what they match. Pure.
/** One attribute a rule reads, as `object.property` in lower case (e.g. `user.department`, `device.model`). */
export interface RuleAttribute {
  object: string;
  property: string;
}

export type RuleParse =
  | {
      ok: true;
      attributes: RuleAttribute[];
      /** Group ids a `memberOf -any (group.objectId -in [...])` clause names (members of those groups match). */
      memberOfGroups: string[];
      /** `Direct Reports for "<manager id>"`: the manager attribute of users decides membership. */
      directReportsOf: string | null;
    }
  | { ok: false; error: string; at: number };

type Token =
  | { kind: 'op'; value: string; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'punct'; value: '(' | ')' | '[' | ']' | ','; at: number };

/** Comparison operators (with or without the leading hyphen, case-insensitive). */
const COMPARISON = new Set(['eq', 'ne', 'startswith', 'notstartswith', 'contains', 'notcontains', 'match', 'notmatch', 'in', 'notin', 'le', 'ge', 'lt', 'gt']);
const LOGICAL = new Set(['and', 'or', 'not']);
const COLLECTION = new Set(['any', 'all']);

class RuleError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

function tokenize(rule: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'" || c === '\u201c' || c === '\u201d') {
      // Strings are double-quoted; -in lists also accept single quotes. A quote is escaped with a backtick.
      const close = c === '\u201c' ? '\u201d' : c;
      let j = i + 1;
      let value = '';
      while (j < rule.length && rule[j] !== close) {
        if (rule[j] === '`' && j + 1 < rule.length) j++;
        value += rule[j];
        j++;
      }
      if (j >= rule.length) throw new RuleError('unterminated string', i);
      out.push({ kind: 'string', value, at: i });
      i = j + 1;
    } else if ('()[],'.includes(c)) {
      out.push({ kind: 'punct', value: c as '(' | ')' | '[' | ']' | ',', at: i });
      i++;
    } else if (c === '-' && /[a-z]/i.test(rule[i + 1] ?? '')) {
      const m = /^-([a-z]+)/i.exec(rule.slice(i)) as RegExpExecArray;
      out.push({ kind: 'op', value: (m[1] as string).toLowerCase(), at: i });
      i += m[0].length;
    } else {
      const m = /^[^\s()[\],"']+/.exec(rule.slice(i));
      if (!m) throw new RuleError(`unexpected character '${c}'`, i);
      const word = m[0];
      // Operators may be written without the hyphen: `user.department eq "Sales"`.
      const lower = word.toLowerCase();
      if (COMPARISON.has(lower) || LOGICAL.has(lower) || COLLECTION.has(lower)) out.push({ kind: 'op', value: lower, at: i });
      else out.push({ kind: 'word', value: word, at: i });
      i += word.length;
    }
  }
  return out;
}

class Parser {
  private pos = 0;
  readonly attributes = new Map<string, RuleAttribute>();
  readonly memberOfGroups = new Set<string>();
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(what: string): Token {
    const t = this.tokens[this.pos];
    if (!t) throw new RuleError(`expected ${what} at the end of the rule`, this.tokens[this.tokens.length - 1]?.at ?? 0);
    this.pos++;
    return t;
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.value === value;
  }

  private isPunct(value: string): boolean {
    const t = this.peek();
    return t?.kind === 'punct' && t.value === value;
  }

  parseAll(): void {
    this.or();
    const rest = this.peek();
    if (rest) throw new RuleError(`unexpected '${rest.value}'`, rest.at);
  }

  private or(): void {
    this.and();
    while (this.isOp('or')) {
      this.pos++;
      this.and();
    }
  }

  private and(): void {
    this.unary();
    while (this.isOp('and')) {
      this.pos++;
      this.unary();
    }
  }

  private unary(): void {
    if (this.isOp('not')) {
      this.pos++;
      this.unary();
      return;
    }
    if (this.isPunct('(')) {
      this.pos++;
      this.or();
      this.expectPunct(')');
      return;
    }
    this.comparison();
  }

  private expectPunct(value: string): void {
    const t = this.next(`'${value}'`);
    if (t.kind !== 'punct' || t.value !== value) throw new RuleError(`expected '${value}' but found '${t.value}'`, t.at);
  }

  private comparison(): void {
    const subject = this.next('a property');
    if (subject.kind !== 'word') throw new RuleError(`expected a property such as user.department but found '${subject.value}'`, subject.at);
    const property = this.property(subject);
    const op = this.next('an operator');
    if (op.kind !== 'op' || LOGICAL.has(op.value) || !(COMPARISON.has(op.value) || COLLECTION.has(op.value))) throw new RuleError(`expected an operator (-eq, -contains, -in, -any, …) after '${subject.value}' but found '${op.value}'`, op.at);
    if (COLLECTION.has(op.value)) {
      // user.assignedPlans -any (assignedPlan.servicePlanId -eq "…"), user.proxyAddresses -any (_ -contains "…"),
      // user.memberof -any (group.objectId -in ['…']).
      this.expectPunct('(');
      const memberOf = property?.property === 'memberof';
      const before = this.memberOfGroups.size;
      this.collectionBody(memberOf);
      this.expectPunct(')');
      if (memberOf && this.memberOfGroups.size === before) throw new RuleError('memberOf -any must name group ids (group.objectId -in [...])', op.at);
      return;
    }
    this.value(op);
  }

  private collectionBody(memberOf: boolean): void {
    // The inner expression reads the collection's items (assignedPlan.x, group.objectId, `_`), not new attributes.
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos] as Token;
      if (t.kind === 'punct' && t.value === '(') depth++;
      if (t.kind === 'punct' && t.value === ')') {
        if (depth === 0) break;
        depth--;
      }
      if (memberOf && t.kind === 'string') this.memberOfGroups.add(t.value.toLowerCase());
      this.pos++;
    }
    if (this.pos === start) throw new RuleError('empty -any/-all clause', this.tokens[start]?.at ?? 0);
  }

  /** `user.x`, `device.x`; the items of a collection clause (`assignedPlan.x`, `_`) are no attributes. */
  private property(t: Token): RuleAttribute | undefined {
    const m = /^(user|device|group|assignedplan)\.([a-z0-9_]+)$/i.exec(t.value);
    if (!m) {
      if (t.value === '_') return undefined;
      throw new RuleError(`'${t.value}' is not a property (expected user.<property> or device.<property>)`, t.at);
    }
    const object = (m[1] as string).toLowerCase();
    const attribute = { object, property: (m[2] as string).toLowerCase() };
    if (object === 'user' || object === 'device') this.attributes.set(`${attribute.object}.${attribute.property}`, attribute);
    return attribute;
  }

  private value(op: Token): void {
    const t = this.next('a value');
    if (t.kind === 'string') return;
    if (t.kind === 'word') {
      // null, true, false, numbers, and unquoted single words Graph accepts.
      return;
    }
    if (t.kind === 'punct' && (t.value === '[' || t.value === '(')) {
      if (op.value !== 'in' && op.value !== 'notin') throw new RuleError(`a list is only allowed after -in or -notIn`, t.at);
      const close = t.value === '[' ? ']' : ')';
      for (;;) {
        const item = this.next('a list item');
        if (item.kind === 'punct' && item.value === close) return;
        if (item.kind === 'punct' && item.value === ',') continue;
        if (item.kind !== 'string' && item.kind !== 'word') throw new RuleError(`unexpected '${item.value}' in a list`, item.at);
      }
    }
    throw new RuleError(`expected a value but found '${t.value}'`, t.at);
  }
}

const DIRECT_REPORTS = /^\s*direct\s+reports\s+for\s+["']([0-9a-f-]{36})["']\s*$/i;

/** Parses a rule; an unparsable rule is reported with where it fails, never read as matching nobody. */
export function parseRule(rule: string | null | undefined): RuleParse {
  const text = (rule ?? '').trim();
  if (text === '') return { ok: false, error: 'the rule is empty', at: 0 };
  const reports = DIRECT_REPORTS.exec(text);
  if (reports) return { ok: true, attributes: [{ object: 'user', property: 'manager' }], memberOfGroups: [], directReportsOf: (reports[1] as string).toLowerCase() };
  try {
    const parser = new Parser(tokenize(text));
    parser.parseAll();
    return { ok: true, attributes: [...parser.attributes.values()].sort((a, b) => `${a.object}.${a.property}`.localeCompare(`${b.object}.${b.property}`)), memberOfGroups: [...parser.memberOfGroups].sort(), directReportsOf: null };
  } catch (e) {
    if (e instanceof RuleError) return { ok: false, error: e.message, at: e.at };
    throw e;
  }
}

export function attributeName(a: RuleAttribute): string {
  return `${a.object}.${a.property}`;
}
