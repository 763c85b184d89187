// One monitoring cycle and its steps. Timer functions run one step each; the HTTP check, the local host's
// start-up run and `run --once` run them all in order.
import { collectActivations } from '../collect/activity.js';
import { collectSignIns } from '../collect/signins.js';
import { collectPolicies } from '../collect/policies.js';
import { collectRoles } from '../collect/roles.js';
import { collectSecureScore } from '../collect/secure-score.js';
import { dailyDue } from '../collect/secure-score-plan.js';
import { CollectionPipeline } from '../collect/context.js';
import { type CollectorName, type RunRecord, latestRun, latestRuns, saveRun } from '../collect/runs.js';
import { type AlertResult, processAlerts } from '../alerts/pipeline.js';
import type { Report } from '../core/report.js';
import { recordVerdicts, runEvaluation } from './evaluation.js';
import type { Runtime } from './runtime.js';

export type CollectorStep = Exclude<CollectorName, 'evaluate'>;

export async function runCollector(rt: Runtime, step: CollectorStep, trigger: string, pipeline?: CollectionPipeline): Promise<RunRecord> {
  const deps = { ...rt.deps(), ...(pipeline ? { pipeline } : {}) };
  // Each run counts its own Graph requests and table writes, also when runs overlap in a cycle.
  return rt.graph.tracked(() => {
    switch (step) {
      case 'roles':
        return collectRoles(deps, trigger);
      case 'policies':
        return collectPolicies(deps, trigger);
      case 'activations':
        return collectActivations(deps, trigger);
      case 'signins':
        return collectSignIns(deps, trigger);
      case 'securescore':
        return collectSecureScore(deps, trigger);
    }
  });
}

export interface EvaluateResult {
  run: RunRecord;
  report: Report;
  alerts: AlertResult;
}

/** Evaluation, diff and alerts: the `evaluate` timer, and the end of every full cycle. */
export async function runEvaluate(rt: Runtime, trigger: string): Promise<EvaluateResult> {
  // One read of the latest runs: the previous evaluation, the datasets' status and the monitor's health.
  const runs = await latestRuns(rt.store);
  const previous = runs.evaluate;
  const writesBefore = rt.store.writes;
  const evaluation = await runEvaluation(rt.store, rt.settings, rt.source.tenant, rt.now, trigger, runs);
  const alerts = await processAlerts({ store: rt.store, settings: rt.settings, tenant: rt.source.tenant, mailer: rt.mailer, webhook: rt.webhook, log: rt.log, now: rt.now }, evaluation, previous);
  const verdictChanges = await recordVerdicts(rt.store, evaluation, previous);
  const run: RunRecord = {
    ...evaluation.run,
    endedAt: rt.now().toISOString(),
    counts: { ...evaluation.run.counts, verdictChanges, changeFindings: alerts.changeFindings.length, opened: alerts.opened.length, resolved: alerts.resolved.length, notified: alerts.notified.length, delivered: alerts.delivered, pendingAlerts: alerts.pending },
  };
  // The run record comes last: it is what the next evaluation diffs against.
  run.writes = rt.store.writes - writesBefore + 1;
  await saveRun(rt.store, run);
  return { run, report: evaluation.report, alerts };
}

export interface CycleResult {
  runs: RunRecord[];
  report: Report;
  ok: boolean;
}

/**
 * A full cycle. Roles, policies and sign-ins run side by side — each draws on a different Graph budget
 * (directory reads, Conditional Access, reports) — meeting only where one needs what the other stored (see
 * CollectionPipeline; the sign-ins wait for the admins and policies of this cycle). Activations follow the roles (they need the role-holding PIM groups), and so does the
 * daily secure score collector (it reads the admins' per-user MFA) when its data is a day old; then evaluation.
 */
export async function runCycle(rt: Runtime, trigger: string): Promise<CycleResult> {
  const pipeline = new CollectionPipeline();
  // Whatever happens to a collector, the other one is never left waiting for it.
  const roles = runCollector(rt, 'roles', trigger, pipeline).finally(() => {
    pipeline.done('rolesStored');
    pipeline.shareAccounts(undefined);
  });
  const policies = runCollector(rt, 'policies', trigger, pipeline).finally(() => pipeline.done('policiesStored'));
  // Sign-ins are read for the accounts the roles collector shares and the report-only policies the policies collector stores.
  const signins = runCollector(rt, 'signins', trigger, pipeline);
  const runs: RunRecord[] = await Promise.all([roles, policies, signins]);
  const daily = dailyDue(await latestRun(rt.store, 'securescore'), rt.now());
  runs.push(...(await Promise.all([runCollector(rt, 'activations', trigger), ...(daily ? [runCollector(rt, 'securescore', trigger)] : [])])));
  const evaluation = await runEvaluate(rt, trigger);
  runs.push(evaluation.run);
  return { runs, report: evaluation.report, ok: runs.every((r) => r.status !== 'failed') };
}
