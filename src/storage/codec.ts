// Encoding rules for Azure Table Storage: keys that avoid the forbidden characters, time-ordered row keys,
// JSON values of any size split losslessly over binary properties, and content hashes for change detection.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/** Table keys forbid / \ # ? and control characters; `~` is the escape so it is escaped too. */
const FORBIDDEN_KEY_CHAR = /[/\\#?~\u0000-\u001f\u007f-\u009f]/g;

export function escapeKey(value: string): string {
  const escaped = value.replace(FORBIDDEN_KEY_CHAR, (c) => `~${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (Buffer.byteLength(escaped, 'utf8') > 1024) {
    // Keys are limited to 1 KiB: keep a readable prefix and make the rest unique with a hash.
    return `${escaped.slice(0, 200)}~H${createHash('sha256').update(value).digest('hex')}`;
  }
  return escaped;
}

export function unescapeKey(value: string): string {
  return value.replace(/~([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const MAX_TIME = 9_999_999_999_999;

/** Row key prefix that sorts newest first (Table Storage sorts keys ascending). */
export function newestFirstKey(time: string | number | Date): string {
  const ms = typeof time === 'number' ? time : new Date(time).getTime();
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${String(time)}`);
  return String(MAX_TIME - ms).padStart(13, '0');
}

export function timeFromNewestFirstKey(key: string): string {
  return new Date(MAX_TIME - Number(key.slice(0, 13))).toISOString();
}

/** JSON with object keys sorted, so equal values hash equally whatever order Graph sent them in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 32);
}

/** Properties of one binary chunk: 64 KiB is the Table limit for a binary property. */
const CHUNK_BYTES = 60 * 1024;
/** An entity holds at most 1 MiB and 255 properties; 15 chunks leave room for the rest. */
const MAX_CHUNKS = 15;
/** Below this size JSON is stored as a plain string property (readable in Storage Explorer). */
const PLAIN_LIMIT = 30_000;

export type EncodedValue = Record<string, string | Uint8Array | number>;

/**
 * Encodes a JSON value into entity properties: `json` (plain) when small, else gzip split over `z0..zN`
 * binary properties with `zn` = chunk count. Lossless: decode(encode(v)) is deep-equal to v and the JSON
 * text round-trips byte for byte.
 */
export function encodeJson(value: unknown, prefix = ''): EncodedValue {
  const text = JSON.stringify(value);
  if (text.length <= PLAIN_LIMIT) return { [`${prefix}json`]: text };
  const zipped = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  const chunks = Math.ceil(zipped.length / CHUNK_BYTES);
  if (chunks > MAX_CHUNKS) {
    throw new Error(`value too large for one table entity: ${text.length} bytes of JSON compress to ${zipped.length} bytes (limit ${MAX_CHUNKS * CHUNK_BYTES})`);
  }
  const out: EncodedValue = { [`${prefix}zn`]: chunks };
  for (let i = 0; i < chunks; i++) out[`${prefix}z${i}`] = new Uint8Array(zipped.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  return out;
}

export function decodeJsonText(entity: Record<string, unknown>, prefix = ''): string | undefined {
  const plain = entity[`${prefix}json`];
  if (typeof plain === 'string') return plain;
  const count = entity[`${prefix}zn`];
  if (typeof count !== 'number') return undefined;
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = entity[`${prefix}z${i}`];
    if (!(chunk instanceof Uint8Array)) throw new Error(`entity is missing chunk ${prefix}z${i} of ${count}`);
    parts.push(Buffer.from(chunk));
  }
  return gunzipSync(Buffer.concat(parts)).toString('utf8');
}

export function decodeJson<T>(entity: Record<string, unknown>, prefix = ''): T | undefined {
  const text = decodeJsonText(entity, prefix);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}
