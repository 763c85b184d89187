// CSV for downloads and history?format=csv: RFC 4180 quoting and formula injection neutralised (OWASP "CSV
// Injection": cells starting with =, +, -, @, tab or carriage return are prefixed with an apostrophe).
import { describe, expect, it } from 'vitest';
import { columnsOf, toCsv } from '../../src/report/csv.js';

describe('toCsv', () => {
  it.each<[string, unknown, string]>([
    ['plain text', 'alice@contoso.com', 'alice@contoso.com'],
    ['a formula', '=1+2', "'=1+2"],
    ['a plus', '+cmd|/c calc!A1', "'+cmd|/c calc!A1"],
    ['a minus', '-2+3', "'-2+3"],
    ['an at', '@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['a tab first', '\t=1', "'\t=1"],
    ['a carriage return first', '\r=1', "\"'\r=1\""],
    ['a comma', 'a, b', '"a, b"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a newline', 'one\ntwo', '"one\ntwo"'],
    ['a formula with a quote', '=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['leading space', ' x', '" x"'],
    ['null', null, ''],
    ['a number', 3, '3'],
    ['a boolean', false, 'false'],
    ['an array', ['a', '=b'], 'a; =b'],
    ['an object', { a: 1 }, '"{""a"":1}"'],
  ])('%s', (_name, value, cell) => {
    expect(toCsv(['v'], [{ v: value }])).toBe(`v\r\n${cell}\r\n`);
  });

  it('writes a header and one row per object, columns in the given order, missing fields empty', () => {
    expect(toCsv(['b', 'a'], [{ a: 1, b: 2 }, { a: 3 }])).toBe('b,a\r\n2,1\r\n,3\r\n');
    expect(columnsOf([{ a: 1 }, { b: 2, a: 3 }])).toEqual(['a', 'b']);
  });
});
