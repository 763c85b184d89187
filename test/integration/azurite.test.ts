// Table Storage through the real @azure/data-tables client against embedded Azurite: batches, keys, sizes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJsonText, encodeJson, escapeKey, unescapeKey } from '../../src/storage/codec.js';
import { TableStore } from '../../src/storage/tables.js';
import { azurite, stopAzurite } from '../helpers/environment.js';

let store: TableStore;

beforeAll(async () => {
  const a = await azurite();
  store = new TableStore({ kind: 'connectionString', connectionString: a.connectionString }, `rt${Date.now().toString(36)}`);
  await store.ensureTables();
});
afterAll(stopAzurite);

describe('Azurite round trip', () => {
  it('writes 250 entities of one partition as transactions of at most 100 and reads them back in order', async () => {
    const entities = Array.from({ length: 250 }, (_, i) => ({ partitionKey: 'p1', rowKey: String(i).padStart(4, '0'), n: i }));
    expect(await store.write('state', entities)).toBe(250);
    const read = [];
    for await (const e of store.partition('state', 'p1')) read.push(e);
    expect(read.map((e) => e.n)).toEqual(entities.map((e) => e.n));
    expect(store.writesByTable.get('state')).toBe(250);
  });

  it('pages with continuation tokens', async () => {
    const first = await store.page('state', "PartitionKey eq 'p1'", 100);
    expect(first.items).toHaveLength(100);
    const second = await store.page('state', "PartitionKey eq 'p1'", 100, first.continuationToken);
    expect(second.items[0]?.rowKey).toBe('0100');
  });

  it('stores keys with characters Table Storage forbids, escaped, and finds them again', async () => {
    const ids = ['a/b', 'c\\d', 'e#f', 'g?h', 'tilde~x', 'ünïcødé', "quote'd"];
    await store.write('state', ids.map((id) => ({ partitionKey: escapeKey('odd/partition'), rowKey: escapeKey(id), id })));
    const back = [];
    for await (const e of store.partition('state', escapeKey('odd/partition'))) back.push(unescapeKey(e.rowKey ?? ''));
    expect(back.sort()).toEqual([...ids].sort());
    expect((await store.get('state', escapeKey('odd/partition'), escapeKey('a/b')))?.id).toBe('a/b');
  });

  it('keeps a 100 KiB value byte for byte across binary chunks, and refuses nothing silently', async () => {
    const text = JSON.stringify({ ids: Array.from({ length: 3000 }, () => crypto.randomUUID()) });
    expect(Buffer.byteLength(text)).toBeGreaterThan(100 * 1024);
    await store.write('state', [{ partitionKey: 'big', rowKey: 'one', ...encodeJson(JSON.parse(text)) }]);
    const back = await store.get('state', 'big', 'one');
    expect(decodeJsonText(back as Record<string, unknown>)).toBe(text);
  });

  it('deletes, and a missing entity reads as undefined', async () => {
    await store.write('state', [], [{ partitionKey: 'big', rowKey: 'one' }]);
    expect(await store.get('state', 'big', 'one')).toBeUndefined();
  });

  it('rejects two writes of one entity in one call instead of letting the last one win', async () => {
    await expect(store.write('state', [{ partitionKey: 'x', rowKey: '1' }, { partitionKey: 'x', rowKey: '1' }])).rejects.toThrow(/duplicate entity/);
  });
});
