// The second alert channel: the digest POSTed as JSON to WEBHOOK_URL (docs/alerts.md "Webhooks"). Three
// bodies: the monitor's own (`json`), an Adaptive Card message for Teams Workflows / Power Automate (`teams`)
// and a Slack incoming-webhook message (`slack`). Each request carries an idempotency key derived from the
// alert (the same on every retry, so a receiver can drop a repeat) and, with WEBHOOK_SECRET, an HMAC-SHA256
// signature over the timestamp and the body. Payloads are pure; the sender is a thin fetch.
import { createHash, createHmac } from 'node:crypto';
import type { WebhookFormat } from '../app/settings.js';
import { findingTitle } from '../core/finding-types.js';
import { type ReportNumbers, adminsPhrase, findingsPhrase } from '../core/numbers.js';
import type { Finding } from '../core/report.js';
import { reportLink, sortFindings } from '../core/digest.js';
import type { SendOutcome } from './mailer.js';

export const SIGNATURE_HEADER = 'x-admin-mfa-monitor-signature';
export const TIMESTAMP_HEADER = 'x-admin-mfa-monitor-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export interface WebhookInput {
  alertId: string;
  tenantId: string;
  tenantName: string | null;
  generatedAt: string;
  subject: string;
  numbers: ReportNumbers;
  findings: readonly Finding[];
  renotified: ReadonlySet<string>;
  notes: ReadonlyMap<string, string>;
  reportUrl: string | null;
}

/** How many findings a chat message lists before it points to the report (chat cards have size limits). */
const CHAT_FINDINGS = 15;
/** Longest message text in a chat card. */
const CHAT_MESSAGE = 400;

/** A stable UUID for an alert: the receiver's idempotency key (the same on every retry). */
export function deliveryIdFor(alertId: string): string {
  const h = createHash('sha256').update(`admin-mfa-monitor:webhook:${alertId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function why(f: Finding, input: WebhookInput): string {
  return input.notes.get(f.fingerprint) ?? (input.renotified.has(f.fingerprint) ? 'still unresolved' : '');
}

/** Slack mrkdwn: &, < and > are control characters (Slack: "Escaping text"). */
function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Adaptive Card TextBlocks render a Markdown subset (bold, italic, lists, links). Backslash escapes render
 * differently per Teams client (AdaptiveCards issues #5590, #4677), so a tenant string is kept from becoming a
 * link by breaking the `](` of link syntax; emphasis in a name is cosmetic and left alone.
 */
function cardText(text: string): string {
  return text.replace(/\]\(/g, '] (');
}

function jsonBody(input: WebhookInput, findings: Finding[]): Record<string, unknown> {
  return {
    type: 'admin-mfa-monitor.alert',
    version: 1,
    id: deliveryIdFor(input.alertId),
    alertId: input.alertId,
    tenant: { id: input.tenantId, name: input.tenantName },
    generatedAt: input.generatedAt,
    subject: input.subject,
    numbers: input.numbers,
    reportUrl: reportLink(input.reportUrl),
    findings: findings.map((f) => ({ fingerprint: f.fingerprint, type: f.type, title: findingTitle(f.type), severity: f.severity, subjectId: f.subjectId, subjectName: f.subjectName ?? null, message: f.message, note: why(f, input) || null })),
  };
}

function teamsBody(input: WebhookInput, findings: Finding[]): Record<string, unknown> {
  const link = reportLink(input.reportUrl);
  const shown = findings.slice(0, CHAT_FINDINGS);
  const color = (f: Finding) => (f.severity === 'high' ? 'Attention' : f.severity === 'medium' ? 'Warning' : 'Default');
  const body: unknown[] = [
    { type: 'TextBlock', text: cardText(`Admin MFA monitor — ${input.tenantName ?? input.tenantId}`), weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: cardText(`${findingsPhrase(input.numbers)}; ${findings.length} in this alert. ${adminsPhrase(input.numbers)}.`), wrap: true, isSubtle: true },
    ...shown.map((f) => ({
      type: 'Container',
      separator: true,
      items: [
        { type: 'TextBlock', text: cardText(`${f.severity.toUpperCase()} · ${findingTitle(f.type)}${why(f, input) ? ` (${why(f, input)})` : ''}`), weight: 'Bolder', color: color(f), wrap: true },
        { type: 'TextBlock', text: cardText(cut(f.message, CHAT_MESSAGE)), wrap: true },
      ],
    })),
  ];
  if (findings.length > shown.length) body.push({ type: 'TextBlock', text: `and ${findings.length - shown.length} more in the report`, isSubtle: true, wrap: true });
  const card: Record<string, unknown> = { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body };
  if (link) card.actions = [{ type: 'Action.OpenUrl', title: 'Open the report', url: link }];
  // Teams Workflows' "When a Teams webhook request is received" trigger takes a message with card attachments.
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

function slackBody(input: WebhookInput, findings: Finding[]): Record<string, unknown> {
  const link = reportLink(input.reportUrl);
  const shown = findings.slice(0, CHAT_FINDINGS);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`Admin MFA monitor — ${input.tenantName ?? input.tenantId}`, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: slackText(`${findingsPhrase(input.numbers)}; ${findings.length} in this alert. ${adminsPhrase(input.numbers)}.`) } },
    ...shown.map((f) => ({ type: 'section', text: { type: 'mrkdwn', text: `*${slackText(`${f.severity.toUpperCase()} · ${findingTitle(f.type)}`)}*${why(f, input) ? ` _(${slackText(why(f, input))})_` : ''}\n${slackText(cut(f.message, CHAT_MESSAGE))}` } })),
  ];
  if (findings.length > shown.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${findings.length - shown.length} more in the report` }] });
  if (link) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the report' }, url: link }] });
  // `text` is the notification and the fallback where blocks cannot be shown.
  return { text: slackText(input.subject), blocks };
}

/** The body for the configured format, as the exact bytes to send (stored in the outbox, re-sent unchanged). */
export function webhookPayload(format: WebhookFormat, input: WebhookInput): string {
  const findings = sortFindings(input.findings);
  const body = format === 'teams' ? teamsBody(input, findings) : format === 'slack' ? slackBody(input, findings) : jsonBody(input, findings);
  return JSON.stringify(body);
}

/** The signature header value: HMAC-SHA256 over "<timestamp>.<body>" with the secret, hex (docs/alerts.md). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookSender {
  readonly describe: string;
  send(body: string, deliveryId: string): Promise<SendOutcome>;
}

/** Tries a delivery a few times within a run before leaving it for the next (429 and 5xx are worth a quick retry). */
const ATTEMPTS_PER_RUN = 3;
const TIMEOUT_MS = 30_000;
const MAX_WAIT_MS = 10_000;

function retryAfterMs(value: string | null, attempt: number): number {
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_WAIT_MS);
  return Math.min(500 * 2 ** attempt, MAX_WAIT_MS);
}

export function createWebhookSender(config: { url: string; secret: string }, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): WebhookSender {
  const host = new URL(config.url).host;
  return {
    describe: `webhook ${host}${config.secret ? ' (signed)' : ''}`,
    async send(body, deliveryId) {
      let last = '';
      for (let attempt = 0; attempt < ATTEMPTS_PER_RUN; attempt++) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const headers: Record<string, string> = { 'content-type': 'application/json', [IDEMPOTENCY_HEADER]: deliveryId, [TIMESTAMP_HEADER]: timestamp, 'user-agent': 'admin-mfa-monitor' };
        if (config.secret) headers[SIGNATURE_HEADER] = signWebhook(config.secret, timestamp, body);
        let response: Response;
        try {
          response = await fetch(config.url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
        } catch (error) {
          last = `could not reach ${host}: ${(error as Error).message}`;
          await sleep(retryAfterMs(null, attempt));
          continue;
        }
        // The URL can carry a signature (Teams Workflows' sig=): only the host is ever logged or stored.
        await response.body?.cancel().catch(() => undefined);
        if (response.ok) return { status: 'sent' };
        last = `${host} answered ${response.status}`;
        if (response.status !== 408 && response.status !== 429 && response.status < 500) return { status: 'failed', error: last };
        if (attempt < ATTEMPTS_PER_RUN - 1) await sleep(retryAfterMs(response.headers.get('retry-after'), attempt));
      }
      return { status: 'retry', error: last };
    },
  };
}
