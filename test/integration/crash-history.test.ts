// Issue 16, crash-consistent history: a run that dies between writing a history entry and its index copies,
// or between finding history and the open-finding state, leaves history complete and without duplicates
// after the next run.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCollector, runEvaluate } from '../../src/app/cycle.js';
import { TABLES as TABLE_NAMES, type TableName, type TableStore } from '../../src/storage/tables.js';
import { ROLE } from '../../src/core/catalog.js';
import { type TestEnvironment, stopAzurite, testEnvironment } from '../helpers/environment.js';
import { T, baseTenant, clone } from '../helpers/tenant.js';

let env: TestEnvironment;
afterEach(() => env?.close());
afterAll(stopAzurite);

/**
 * Makes a runtime's storage die as its process would: the first write to `table` for a partition `keep` does
 * not accept fails, and every write after it fails too (nothing more reaches storage, not even the run record).
 */
function dieAt(store: TableStore, table: TableName, keep: (partitionKey: string) => boolean): void {
  let dead = false;
  const guard = (partitionKeys: string[], own: boolean) => {
    if (!dead && own && partitionKeys.some((pk) => !keep(pk))) dead = true;
    if (dead) throw new Error('simulated crash');
  };
  for (const name of TABLE_NAMES) {
    const client = store.client(name);
    const own = name === table;
    const submit = client.submitTransaction.bind(client);
    const upsert = client.upsertEntity.bind(client);
    const remove = client.deleteEntity.bind(client);
    client.submitTransaction = (actions) => {
      guard(actions.map((a) => String(a[1].partitionKey)), own);
      return submit(actions);
    };
    client.upsertEntity = (entity, mode) => {
      guard([String(entity.partitionKey)], own);
      return upsert(entity, mode);
    };
    client.deleteEntity = (partitionKey, rowKey) => {
      guard([partitionKey], own);
      return remove(partitionKey, rowKey);
    };
  }
}

async function rows(store: TableStore, table: TableName, partitionKey: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const e of store.partition(table, partitionKey)) out.push(e);
  return out;
}

describe('crash-consistent history', () => {
  it('an assignment change whose index copies were not written gets them on the next run, and is recorded once', async () => {
    env = await testEnvironment(baseTenant({ signIns: 0 }));
    await runCollector(env.rt, 'policies', 'test');
    await runCollector(env.rt, 'roles', 'test');
    const next = clone(baseTenant({ signIns: 0 }));
    next.roleAssignmentScheduleInstances?.push({ id: 'rasi-erin-pwd', principalId: T.erin, roleDefinitionId: ROLE.passwordAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null });
    env.setTenant(next);
    // The run dies after the primary history entity, before its copies by principal and role.
    const crashing = env.restart();
    dieAt(crashing.store, 'assignments', (pk) => pk === 'all');
    await runCollector(crashing, 'roles', 'test').catch(() => undefined);
    expect((await rows(env.store, 'assignments', `p|${T.erin}`)).length, 'the crash left the index incomplete').toBe(0);
    await runCollector(env.restart(), 'roles', 'test');
    const all = (await rows(env.store, 'assignments', 'all')).filter((e) => e.itemId === 'rasi-erin-pwd');
    const byPrincipal = (await rows(env.store, 'assignments', `p|${T.erin}`)).filter((e) => e.itemId === 'rasi-erin-pwd');
    const byRole = (await rows(env.store, 'assignments', `r|${ROLE.passwordAdministrator}`)).filter((e) => e.itemId === 'rasi-erin-pwd');
    expect(all).toHaveLength(1);
    expect(byPrincipal).toHaveLength(1);
    expect(byRole).toHaveLength(1);
    expect(byPrincipal[0]?.rowKey).toBe(all[0]?.rowKey);
  });

  it('an evaluation that dies between finding history and open state records each event once after the retry', async () => {
    env = await testEnvironment(baseTenant({ signIns: 0 }));
    for (const c of ['roles', 'policies', 'activations', 'signins'] as const) await runCollector(env.rt, c, 'test');
    await runEvaluate(env.rt, 'baseline');
    // Alice loses protection: joins the policy's exclusion group.
    const next = clone(baseTenant({ signIns: 0 }));
    next.groups?.find((g) => g.id === T.exclusions)?.members?.push(T.alice);
    env.setTenant(next);
    for (const c of ['roles', 'policies'] as const) await runCollector(env.rt, c, 'test');
    const crashing = env.restart();
    // Dies after the history entries (and half of their index copies), before the open state.
    dieAt(crashing.store, 'findings', (pk) => pk === 'all' || pk === 'attempt' || pk.startsWith('t|'));
    await expect(runEvaluate(crashing, 'crashing')).rejects.toThrow('simulated crash');
    const retry = await runEvaluate(env.restart(), 'retry');
    expect(retry.alerts.opened.length + retry.alerts.changeFindings.length).toBeGreaterThan(0);
    const all = await rows(env.store, 'findings', 'all');
    const keys = all.map((e) => `${String(e.event)}|${String(e.rowKey).split('|').slice(1).join('|')}`);
    expect(new Set(keys).size, 'no event recorded twice').toBe(keys.length);
    const bySubject = await rows(env.store, 'findings', `p|${T.alice}`);
    const aliceAll = all.filter((e) => e.subjectId === T.alice);
    expect(bySubject.map((e) => e.rowKey).sort(), 'every event has its copy by subject').toEqual(aliceAll.map((e) => e.rowKey).sort());
  });
});
