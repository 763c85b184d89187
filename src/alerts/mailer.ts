// Sending through Azure Communication Services e-mail: managed identity (endpoint + DefaultAzureCredential) or
// a connection string. A deterministic Operation-Id per alert makes a repeated send the same operation.
import { createHash } from 'node:crypto';
import { EmailClient, type EmailMessage } from '@azure/communication-email';
import type { TokenCredential } from '@azure/identity';
import { liveCredential } from '../app/credentials.js';
import type { Settings } from '../app/settings.js';

export type SendOutcome = { status: 'sent' } | { status: 'retry'; error: string } | { status: 'failed'; error: string };

export interface Mailer {
  readonly describe: string;
  send(message: EmailMessage, operationId: string): Promise<SendOutcome>;
}

/** A UUID derived from a stable id (ACS requires Operation-Id to be a UUID). */
export function operationIdFor(alertId: string): string {
  const h = createHash('sha256').update(`admin-mfa-monitor:${alertId}`).digest('hex');
  // Version 5-style layout: variant and version bits set so it is a valid RFC 4122 UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function isLoopback(url: string): boolean {
  return /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?/i.test(url);
}

export function createMailer(settings: Settings, credential?: TokenCredential): Mailer | undefined {
  const options = (endpoint: string) => ({
    // Throttling (429) is per minute/hour: a quick retry does not help, the next run sends it.
    retryOptions: { maxRetries: 1, retryDelayInMs: 500, maxRetryDelayInMs: 2000 },
    ...(isLoopback(endpoint) ? { allowInsecureConnection: true } : {}),
  });
  let client: EmailClient;
  let describe: string;
  let endpoint: string;
  if (settings.acsConnectionString) {
    endpoint = /endpoint=([^;]+)/i.exec(settings.acsConnectionString)?.[1] ?? '';
    client = new EmailClient(settings.acsConnectionString, options(endpoint));
    describe = `ACS ${endpoint.replace(/\/$/, '')} (connection string)`;
  } else if (settings.acsEndpoint) {
    endpoint = settings.acsEndpoint;
    client = new EmailClient(endpoint, credential ?? liveCredential(), options(endpoint));
    describe = `ACS ${endpoint} (managed identity)`;
  } else return undefined;
  // The local endpoint answers at once: poll it quickly.
  const updateIntervalInMs = isLoopback(endpoint) ? 50 : 2000;
  return {
    describe,
    async send(message, operationId) {
      try {
        const poller = await client.beginSend(message, { operationId, updateIntervalInMs });
        const result = await poller.pollUntilDone();
        if (result.status === 'Succeeded') return { status: 'sent' };
        return { status: 'failed', error: `${result.status}: ${result.error?.message ?? ''}` };
      } catch (error) {
        const e = error as { statusCode?: number; code?: string; message?: string };
        const message = `${e.statusCode ?? ''} ${e.code ?? ''} ${e.message ?? String(error)}`.trim();
        // Throttled, unavailable or unreachable: keep it pending for the next run. A 4xx other than 429 will not get better.
        if (e.statusCode === undefined || e.statusCode === 429 || e.statusCode >= 500) return { status: 'retry', error: message };
        return { status: 'failed', error: message };
      }
    },
  };
}
