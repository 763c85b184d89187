// Table Storage encoding: keys, newest-first row keys, lossless JSON of any size.
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, decodeJsonText, encodeJson, escapeKey, newestFirstKey, timeFromNewestFirstKey, unescapeKey } from '../../src/storage/codec.js';

describe('codec', () => {
  it('escapes every character Table keys forbid, reversibly', () => {
    const raw = 'a/b\\c#d?e~f\u0001g\u007fh';
    const key = escapeKey(raw);
    expect(key).not.toMatch(/[/\\#?\u0000-\u001f\u007f-\u009f]/);
    expect(unescapeKey(key)).toBe(raw);
    expect(escapeKey('plain-id_123')).toBe('plain-id_123');
  });

  it('keeps keys under 1 KiB and unique', () => {
    const a = escapeKey('x'.repeat(5000));
    const b = escapeKey(`${'x'.repeat(4999)}y`);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(1024);
    expect(a).not.toBe(b);
  });

  it('orders row keys newest first', () => {
    const older = newestFirstKey('2026-01-01T00:00:00Z');
    const newer = newestFirstKey('2026-06-01T00:00:00Z');
    expect(newer < older).toBe(true);
    expect(timeFromNewestFirstKey(`${newer}|x`)).toBe('2026-06-01T00:00:00.000Z');
  });

  it('hashes equal content equally regardless of key order', () => {
    expect(contentHash({ a: 1, b: [1, 2] })).toBe(contentHash({ b: [1, 2], a: 1 }));
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  it('round-trips large JSON byte for byte across binary chunks', () => {
    const value = { list: Array.from({ length: 20000 }, (_, i) => `${crypto.randomUUID()}-${i}`) };
    const encoded = encodeJson(value);
    expect(encoded.zn).toBeGreaterThan(1);
    for (const [k, v] of Object.entries(encoded)) if (k !== 'zn') expect((v as Uint8Array).length).toBeLessThanOrEqual(64 * 1024);
    expect(decodeJsonText(encoded)).toBe(JSON.stringify(value));
    expect(encodeJson({ small: true })).toEqual({ json: '{"small":true}' });
  });

  it('refuses a value no entity can hold instead of truncating it', () => {
    const random = Array.from({ length: 1_100_000 }, () => Math.random().toString(36).slice(2)).join('');
    expect(() => encodeJson(random)).toThrow(/too large for one table entity/);
  });
});
