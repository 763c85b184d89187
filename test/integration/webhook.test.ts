// The webhook channel end to end (issue 18, docs/alerts.md "Webhooks"): the evaluation puts the alert in the
// webhook's outbox, the sender posts it signed with an idempotency key to the local receiver, 429 and 5xx are
// retried (within the run, then by the next run), a 4xx is final, a repeat after a stop is recognised by the
// receiver and stored once, and the three formats carry tenant strings safely.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCollector, runEvaluate } from '../../src/app/cycle.js';
import { deliverPendingWebhooks, type WebhookAlert } from '../../src/alerts/webhook-outbox.js';
import { createWebhookSender, signWebhook, webhookPayload } from '../../src/alerts/webhook.js';
import { silentLogger } from '../../src/app/logger.js';
import { makeFinding } from '../../src/core/finding-types.js';
import { decodeJson, encodeJson } from '../../src/storage/codec.js';
import { type WebhookReceiver, startWebhookReceiver } from '../../devkit/emulators/webhook.js';
import { type TestEnvironment, stopAzurite, tempDir, testEnvironment } from '../helpers/environment.js';
import { T, baseTenant } from '../helpers/tenant.js';

const SECRET = 'a-signing-secret-long-enough-for-the-setting';
let env: TestEnvironment;
let hook: WebhookReceiver;

async function setup(format: 'json' | 'teams' | 'slack' = 'json', secret = SECRET, receiverSecret = secret): Promise<void> {
  hook = await startWebhookReceiver({ dir: tempDir('amm-hook-'), secret: receiverSecret });
  env = await testEnvironment(baseTenant({ signIns: 0 }), { env: { WEBHOOK_URL: hook.url, WEBHOOK_FORMAT: format, WEBHOOK_SECRET: secret, MONITOR_EXCLUDED_ACCOUNTS: T.breakGlass } });
}

async function cycle() {
  for (const c of ['roles', 'policies', 'activations', 'signins'] as const) await runCollector(env.rt, c, 'test');
  return runEvaluate(env.rt, 'test');
}

async function outbox(): Promise<WebhookAlert[]> {
  const out: WebhookAlert[] = [];
  for await (const e of env.store.partition('outbox', 'webhook')) {
    const a = decodeJson<WebhookAlert>(e, 'm');
    if (a) out.push(a);
  }
  return out;
}

afterEach(async () => {
  await env?.close();
  await hook?.close();
});
afterAll(stopAzurite);

describe('webhook delivery', () => {
  it('posts the first digest once, signed, with the same numbers as the mail and an idempotency key', async () => {
    await setup('json');
    const r = await cycle();
    expect(hook.deliveries).toHaveLength(1);
    const body = hook.deliveries[0]?.body as { id: string; alertId: string; numbers: unknown; findings: Array<{ fingerprint: string }>; subject: string };
    expect(body.alertId).toBe(r.alerts.alertId);
    expect(hook.deliveries[0]?.key).toBe(body.id);
    expect(body.numbers).toEqual(r.report.numbers);
    expect(body.findings.map((f) => f.fingerprint).sort()).toEqual(r.alerts.notified.map((f) => f.fingerprint).sort());
    expect(body.subject).toMatch(/open findings/);
    const [entry] = await outbox();
    expect(entry).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    // Nothing new: nothing posted.
    await cycle();
    expect(hook.requests).toBe(1);
  });

  it('retries a 5xx within the run and again in the next run, then delivers once', async () => {
    await setup('json');
    hook.failNext(5, 503);
    await cycle();
    expect(hook.deliveries).toHaveLength(0);
    const [pending] = await outbox();
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending?.lastError).toMatch(/answered 503/);
    // The next run's attempts get through (two more 503s, then accepted).
    await cycle();
    expect(hook.deliveries).toHaveLength(1);
    expect((await outbox())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a wrong signature is a 401 from the receiver: final, with the host (never the URL) in the error', async () => {
    await setup('json', SECRET, 'the-receiver-expects-another-secret-entirely');
    await cycle();
    const [failed] = await outbox();
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed?.lastError).toBe(`${new URL(hook.url).host} answered 401`);
    expect(hook.deliveries).toHaveLength(0);
  });

  it('a request repeated after a stop (sent, but not marked so) is recognised by its key and stored once', async () => {
    await setup('json');
    await cycle();
    expect(hook.deliveries).toHaveLength(1);
    // As if the process had stopped between the POST and marking it sent.
    const stored = (await env.store.get('outbox', 'webhook', (await outbox())[0]?.alertId ?? '')) as Record<string, unknown>;
    const alert = decodeJson<WebhookAlert>(stored, 'm') as WebhookAlert;
    await env.store.write('outbox', [{ ...stored, partitionKey: 'webhook', rowKey: alert.alertId, status: 'pending', ...encodeJson({ ...alert, status: 'pending', sentAt: null }, 'm') }]);
    const again = await deliverPendingWebhooks(env.store, env.rt.webhook, silentLogger, () => new Date());
    expect(again.delivered).toBe(1);
    expect(hook.requests).toBe(2);
    expect(hook.repeats).toBe(1);
    expect(hook.deliveries).toHaveLength(1);
  });
});

describe('webhook bodies', () => {
  const evil = makeFinding('admin-unprotected', 'high', 'u1', "[click here](https://evil.example) <!channel> & <https://evil.example|login> *bold*", 'admin-unprotected:u1', { subjectName: '<b>x</b>' });
  const input = {
    alertId: 'a1',
    tenantId: 't',
    tenantName: 'Contoso [Teams](https://evil.example)',
    generatedAt: '2026-12-01T00:00:00Z',
    subject: '[admin-mfa-monitor] C: 1 open finding (1 high, 0 medium, 0 low) — admin without mfa',
    numbers: { admins: 1, protected: 0, partial: 0, unprotected: 1, excluded: 0, unknown: 0, needAttention: 1, findings: { open: 1, high: 1, medium: 0, low: 0, accepted: 0 } },
    findings: [evil],
    renotified: new Set<string>(),
    notes: new Map<string, string>(),
    reportUrl: 'https://report.example/r',
  };

  it('teams: an Adaptive Card message for Teams Workflows; tenant strings cannot become links', () => {
    const body = JSON.parse(webhookPayload('teams', input)) as { type: string; attachments: Array<{ contentType: string; content: { type: string; body: unknown[]; actions: Array<{ url: string }> } }> };
    expect(body.type).toBe('message');
    expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0]?.content.type).toBe('AdaptiveCard');
    expect(body.attachments[0]?.content.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the report', url: 'https://report.example/r' }]);
    expect(JSON.stringify(body.attachments[0]?.content.body)).not.toContain('](');
  });

  it('slack: blocks and a fallback text; <, > and & escaped so nothing becomes a link or a mention', () => {
    const body = JSON.parse(webhookPayload('slack', input)) as { text: string; blocks: Array<{ type: string }> };
    const text = JSON.stringify(body.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example|login>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(body.blocks.at(-1)?.type).toBe('actions');
  });

  it('json: the monitor\'s own body; no link to a loopback report', () => {
    const body = JSON.parse(webhookPayload('json', { ...input, reportUrl: 'http://127.0.0.1:7071/api/report' })) as { reportUrl: string | null; findings: Array<{ message: string }> };
    expect(body.reportUrl).toBeNull();
    expect(body.findings[0]?.message).toBe(evil.message);
  });

  it('the signature is HMAC-SHA256 over "<timestamp>.<body>", as docs/alerts.md shows a receiver how to check', async () => {
    hook = await startWebhookReceiver({ dir: null, secret: SECRET });
    const sender = createWebhookSender({ url: hook.url, secret: SECRET });
    expect(await sender.send('{"a":1}', 'k1')).toEqual({ status: 'sent' });
    expect(signWebhook('s', '1700000000', '{}')).toBe('sha256=' + (await import('node:crypto')).createHmac('sha256', 's').update('1700000000.{}').digest('hex'));
  });
});
