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
import { recordVerdicts, runEvaluation, scopedCounts } from './evaluation.js';
import { collectChangeFeed } from '../collect/changefeed.js';
import type { Runtime } from './runtime.js';

export type CollectorStep = Exclude<CollectorName, 'evaluate' | 'changefeed'>;

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

/**
 * Evaluation, diff and alerts: the `evaluate` timer, the end of every full cycle, and the change feed with the
 * admins its changes affect (`scope`: only their verdicts and findings are judged, see decide.ts).
 */
export async function runEvaluate(rt: Runtime, trigger: string, scope?: ReadonlySet<string>): Promise<EvaluateResult> {
  // One read of the latest runs: the previous evaluation, the datasets' status and the monitor's health.
  const runs = await latestRuns(rt.store);
  const previous = runs.evaluate;
  const writesBefore = rt.store.writes;
  const evaluation = await runEvaluation(rt.store, rt.settings, rt.source.tenant, rt.now, trigger, runs, scope);
  const alerts = await processAlerts({ store: rt.store, settings: rt.settings, tenant: rt.source.tenant, mailer: rt.mailer, webhook: rt.webhook, log: rt.log, now: rt.now }, evaluation, previous);
  const verdictChanges = await recordVerdicts(rt.store, evaluation, previous);
  const tally = scope ? scopedCounts(evaluation.previous, evaluation.report, scope) : {};
  const run: RunRecord = {
    ...evaluation.run,
    endedAt: rt.now().toISOString(),
    counts: { ...evaluation.run.counts, ...tally, verdictChanges, changeFindings: alerts.changeFindings.length, opened: alerts.opened.length, resolved: alerts.resolved.length, notified: alerts.notified.length, delivered: alerts.delivered, pendingAlerts: alerts.pending },
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
 * daily secure score collector (it reads the admins' per-user MFA) when its data is a day old — both while the
 * sign-ins may still be reading; then evaluation.
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
  // Activations and secure score need only the roles: they run while the sign-ins still wait for their budget.
  const afterRoles = roles.then(async () => {
    const daily = dailyDue(await latestRun(rt.store, 'securescore'), rt.now());
    return Promise.all([runCollector(rt, 'activations', trigger), ...(daily ? [runCollector(rt, 'securescore', trigger)] : [])]);
  });
  const [first, second] = await Promise.all([Promise.all([roles, policies, signins]), afterRoles]);
  const runs: RunRecord[] = [...first, ...second];
  const evaluation = await runEvaluate(rt, trigger);
  runs.push(evaluation.run);
  return { runs, report: evaluation.report, ok: runs.every((r) => r.status !== 'failed') };
}

export interface FeedResult {
  /** The feed's run, and every run it led to (a full collection, the evaluation). */
  runs: RunRecord[];
  evaluation: EvaluateResult | null;
}

/**
 * The change feed (the `changeFeed` timer): targeted reads of what changed, then an evaluation of the admins
 * they affected. When the feed cannot continue (no full collection yet, a watermark beyond the audit log's
 * retention, an expired delta link) or meets something only a full read settles, a full collection runs first
 * and everyone is evaluated.
 */
export async function runChangeFeed(rt: Runtime, trigger: string): Promise<FeedResult> {
  const outcome = await rt.graph.tracked(() => collectChangeFeed(rt.deps(), trigger));
  const runs: RunRecord[] = [outcome.run];
  if (outcome.fullRead) {
    const pipeline = new CollectionPipeline();
    const roles = runCollector(rt, 'roles', trigger, pipeline).finally(() => pipeline.done('rolesStored'));
    const policies = runCollector(rt, 'policies', trigger, pipeline).finally(() => pipeline.done('policiesStored'));
    runs.push(...(await Promise.all([roles, policies])), await runCollector(rt, 'activations', trigger));
  } else {
    for (const f of outcome.full ?? []) {
      rt.log.info(`change feed: a full ${f.collector} collection follows (${f.reason})`);
      runs.push(await runCollector(rt, f.collector, trigger));
    }
  }
  const full = outcome.fullRead !== undefined || (outcome.full?.length ?? 0) > 0 || outcome.scope?.all === true;
  if (!full && !outcome.scope) return { runs, evaluation: null };
  const evaluation = await runEvaluate(rt, trigger, full || !outcome.scope || outcome.scope.all ? undefined : outcome.scope.admins);
  runs.push(evaluation.run);
  return { runs, evaluation };
}
