// The operator's digest over every tenant (MSP_DIGEST_RECIPIENTS, SCHEDULE_MSP_DIGEST): the overview table by
// mail, once a UTC day. Each tenant's own digest goes to its own recipients from its own evaluation (its
// ALERT_RECIPIENTS); this one is the operator's view of all of them. Once per day: the day's record in the
// deployment's outbox (partition `msp`) is written before the send, and the send's Operation-Id is derived
// from the day, so a retried or duplicated timer run sends it once.
import escapeHtml from 'escape-html';
import { operationIdFor } from '../alerts/mailer.js';
import { overviewTotals, sortOverview } from '../core/overview.js';
import { renderOverviewTable } from '../report/overview.js';
import { buildOverview } from './overview.js';
import type { Runtime } from './runtime.js';

export type MspDigestOutcome = { status: 'sent' | 'already-sent' | 'not-configured' | 'failed'; detail: string };

export function mspDigestSubject(t: ReturnType<typeof overviewTotals>): string {
  return `Admin MFA across ${t.tenants} tenants: ${t.unprotected} unprotected admins, ${t.high} high findings${t.stale ? `, ${t.stale} tenants with stale data` : ''}`;
}

export async function sendMspDigest(rt: Runtime): Promise<MspDigestOutcome> {
  const recipients = rt.settings.tenants.mspRecipients;
  if (recipients.length === 0 || !rt.mailer) return { status: 'not-configured', detail: 'MSP_DIGEST_RECIPIENTS or e-mail (ACS) is not configured' };
  const day = rt.now().toISOString().slice(0, 10);
  const existing = await rt.store.get('outbox', 'msp', day);
  if (existing?.status === 'sent') return { status: 'already-sent', detail: `the digest of ${day} was sent` };
  const rows = sortOverview(await buildOverview(rt));
  const totals = overviewTotals(rows);
  const subject = mspDigestSubject(totals);
  const text = rows.map((r) => `${r.displayName} (${r.tenantId}): ${r.verdicts ? `${r.verdicts.unprotected} unprotected, ${r.verdicts.partial} partial of ${r.verdicts.admins} admins` : 'never evaluated'}; open findings ${r.openFindings.high}/${r.openFindings.medium}/${r.openFindings.low}${r.stale ? '; data stale' : ''}`).join('\n');
  const html = `<!doctype html><html><body><p>${escapeHtml(subject)}</p>${renderOverviewTable(rows)}</body></html>`;
  const operationId = operationIdFor(`msp-digest:${day}`);
  await rt.store.write('outbox', [{ partitionKey: 'msp', rowKey: day, status: 'pending', operationId, subject }]);
  const outcome = await rt.mailer.send({ senderAddress: rt.settings.alertSender, content: { subject, plainText: text, html }, recipients: { to: recipients.map((address) => ({ address })) } }, operationId);
  await rt.store.write('outbox', [{ partitionKey: 'msp', rowKey: day, status: outcome.status === 'sent' ? 'sent' : 'pending', operationId, subject, ...(outcome.status !== 'sent' ? { lastError: outcome.error } : {}) }]);
  return outcome.status === 'sent' ? { status: 'sent', detail: `${subject} → ${recipients.length} recipients` } : { status: 'failed', detail: outcome.error };
}
