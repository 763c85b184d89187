// Sending through Azure Communication Services e-mail: managed identity (endpoint + DefaultAzureCredential) or
// a connection string. Each alert has a deterministic Operation-Id (ACS: "the ID provided by the customer to
// identify the long running operation"), and before sending an alert that may have been sent already the
// outbox asks ACS for that operation (GET /emails/operations/{id}): ACS dedupes repeated POSTs only for five
// minutes (Repeatability-Request-Id), so the status check is what makes a restart never send twice.
import { createHash } from 'node:crypto';
import { createCommunicationAuthPolicy, parseClientArguments } from '@azure/communication-common';
import { EmailClient, type EmailMessage } from '@azure/communication-email';
import { createEmptyPipeline, createHttpHeaders, createPipelineRequest, createDefaultHttpClient, type Pipeline, type HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { liveCredential } from '../app/credentials.js';
import type { Settings } from '../app/settings.js';

export type SendOutcome = { status: 'sent' } | { status: 'retry'; error: string } | { status: 'failed'; error: string };

/** What ACS knows of an operation: `unknown` = no such operation (404): it was never accepted. */
export type OperationStatus = 'Succeeded' | 'Failed' | 'Canceled' | 'Running' | 'NotStarted' | 'unknown';

export interface Mailer {
  readonly describe: string;
  send(message: EmailMessage, operationId: string): Promise<SendOutcome>;
  /** The status of an earlier send with this Operation-Id; throws when ACS cannot be asked. */
  status(operationId: string): Promise<OperationStatus>;
}

/** The API version @azure/communication-email 1.1 sends with (entra-facts.md §7). */
const API_VERSION = '2025-09-01';

/** GET /emails/operations/{id}, signed like the SDK's own requests (HMAC with a key, or an Entra token). */
function operationStatusReader(connectionStringOrUrl: string, credential: TokenCredential | undefined, insecure: boolean): (operationId: string) => Promise<OperationStatus> {
  const { url, credential: auth } = parseClientArguments(connectionStringOrUrl, credential);
  const pipeline: Pipeline = createEmptyPipeline();
  pipeline.addPolicy(createCommunicationAuthPolicy(auth));
  const http: HttpClient = createDefaultHttpClient();
  return async (operationId) => {
    const request = createPipelineRequest({
      url: `${url.replace(/\/$/, '')}/emails/operations/${encodeURIComponent(operationId)}?api-version=${API_VERSION}`,
      method: 'GET',
      headers: createHttpHeaders({ accept: 'application/json' }),
      allowInsecureConnection: insecure,
      timeout: 30_000,
    });
    const response = await pipeline.sendRequest(http, request);
    if (response.status === 404) return 'unknown';
    if (response.status !== 200) throw new Error(`ACS answered ${response.status} for operation ${operationId}: ${response.bodyAsText ?? ''}`.trim());
    const status = (JSON.parse(response.bodyAsText ?? '{}') as { status?: string }).status;
    return (['Succeeded', 'Failed', 'Canceled', 'Running', 'NotStarted'] as const).find((s) => s === status) ?? 'Running';
  };
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
  let status: (operationId: string) => Promise<OperationStatus>;
  if (settings.acsConnectionString) {
    endpoint = /endpoint=([^;]+)/i.exec(settings.acsConnectionString)?.[1] ?? '';
    client = new EmailClient(settings.acsConnectionString, options(endpoint));
    status = operationStatusReader(settings.acsConnectionString, undefined, isLoopback(endpoint));
    describe = `ACS ${endpoint.replace(/\/$/, '')} (connection string)`;
  } else if (settings.acsEndpoint) {
    endpoint = settings.acsEndpoint;
    const identity = credential ?? liveCredential();
    client = new EmailClient(endpoint, identity, options(endpoint));
    status = operationStatusReader(endpoint, identity, isLoopback(endpoint));
    describe = `ACS ${endpoint} (managed identity)`;
  } else return undefined;
  // The local endpoint answers at once: poll it quickly.
  const updateIntervalInMs = isLoopback(endpoint) ? 50 : 2000;
  return {
    describe,
    status,
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
