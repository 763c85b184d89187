// The webhook's outbox (docs/alerts.md "Webhooks", "Delivery"): the same protocol as the mail's. The entry
// (partition `webhook` of the outbox table, keyed by the alert id) holds the exact body to send; the intent is
// recorded (attempts + 1) before a request leaves; every request of one alert carries the same idempotency
// key, so a receiver that keeps the keys it has seen gets each alert exactly once across any stop — the
// monitor cannot ask a webhook whether an earlier request arrived, as it asks ACS.
import type { Logger } from '../app/logger.js';
import type { WebhookFormat } from '../app/settings.js';
import { odata } from '@azure/data-tables';
import { decodeJson, encodeJson } from '../storage/codec.js';
import type { Entity, TableStore } from '../storage/tables.js';
import { afterAttempt } from './decide.js';
import { type WebhookInput, type WebhookSender, deliveryIdFor, webhookPayload } from './webhook.js';

export const WEBHOOK_PARTITION = 'webhook';

export interface WebhookAlert {
  alertId: string;
  createdAt: string;
  status: 'pending' | 'sent' | 'failed';
  /** The receiver's idempotency key (Idempotency-Key header and the JSON body's id). */
  deliveryId: string;
  format: WebhookFormat;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  evaluationRunId: string;
}

function entity(alert: WebhookAlert, body: string): Entity {
  return { partitionKey: WEBHOOK_PARTITION, rowKey: alert.alertId, status: alert.status, createdAt: alert.createdAt, ...encodeJson(alert, 'm'), ...encodeJson({ body }, 'c') };
}

/** Puts an alert's webhook delivery in the outbox, once (a retried evaluation finds it and leaves it). */
export async function enqueueWebhook(store: TableStore, format: WebhookFormat, input: WebhookInput, createdAt: string, evaluationRunId: string): Promise<void> {
  if (await store.get('outbox', WEBHOOK_PARTITION, input.alertId)) return;
  const alert: WebhookAlert = { alertId: input.alertId, createdAt, status: 'pending', deliveryId: deliveryIdFor(input.alertId), format, attempts: 0, lastError: null, sentAt: null, evaluationRunId };
  await store.write('outbox', [entity(alert, webhookPayload(format, input))]);
}

/** Sends pending webhook deliveries, oldest first; a throttled or failed one stays pending for the next run. */
export async function deliverPendingWebhooks(store: TableStore, sender: WebhookSender | undefined, log: Logger, now: () => Date): Promise<{ delivered: number; pending: number }> {
  const pending: Array<{ alert: WebhookAlert; body: string }> = [];
  for await (const e of store.partition('outbox', WEBHOOK_PARTITION, { where: odata`status eq ${'pending'}` })) {
    const alert = decodeJson<WebhookAlert>(e, 'm');
    const content = decodeJson<{ body: string }>(e, 'c');
    if (alert && content) pending.push({ alert, body: content.body });
  }
  pending.sort((a, b) => a.alert.createdAt.localeCompare(b.alert.createdAt));
  let delivered = 0;
  let stillPending = 0;
  for (const { alert, body } of pending) {
    if (!sender) {
      stillPending++;
      continue;
    }
    // The intent first: from here the request may reach the receiver; a repeat carries the same key.
    await store.write('outbox', [entity({ ...alert, attempts: alert.attempts + 1 }, body)]);
    const outcome = await sender.send(body, alert.deliveryId);
    const updated = afterAttempt(alert, outcome, now().toISOString());
    if (outcome.status === 'sent') {
      delivered++;
      log.info(`alert ${alert.alertId} posted to ${sender.describe}`);
    } else if (outcome.status === 'retry') {
      stillPending++;
      log.warn(`alert ${alert.alertId} not posted yet (will retry next run): ${outcome.error}`);
    } else log.error(`alert ${alert.alertId}: webhook failed: ${outcome.error}`);
    await store.write('outbox', [entity(updated, body)]);
  }
  return { delivered, pending: stillPending };
}
