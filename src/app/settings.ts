// Every setting the monitor reads (app settings in Azure, environment variables locally), validated in one
// place with errors that name the setting and what was expected. docs and the Bicep app settings are checked
// against SETTINGS by a test, so this list is the single source.
import { Cron } from 'croner';
import { z } from 'zod';
import { DEFAULT_INTERRUPT_ERROR_CODES } from '../core/catalog.js';
import { isGuid } from '../core/ids.js';
import type { AdminRoleSelection } from '../core/inventory.js';
import type { Severity } from '../core/report.js';

export interface SettingDoc {
  name: string;
  default: string;
  description: string;
  /** Where the setting matters: the app, its storage connection, or only the local host / CLI (devkit). */
  scope: 'app' | 'local' | 'storage';
}

/** The settings table (README, local.settings.example.json and infra are checked against it). */
export const SETTINGS: readonly SettingDoc[] = [
  { name: 'AzureWebJobsStorage', default: '(empty: embedded Azurite locally)', description: 'Storage connection string. In Azure use the identity-based form below instead.', scope: 'storage' },
  { name: 'AzureWebJobsStorage__accountName', default: '', description: 'Storage account name for identity-based connections (managed identity, no keys).', scope: 'storage' },
  { name: 'AzureWebJobsStorage__tableServiceUri', default: '', description: 'Table endpoint for identity-based connections where the account-name form does not fit (national clouds): https://<account>.table.<suffix>.', scope: 'storage' },
  { name: 'AzureWebJobsStorage__queueServiceUri', default: '', description: 'Queue endpoint for identity-based connections where the account-name form does not fit: https://<account>.queue.<suffix> (the tenant work queue, docs/tenants.md).', scope: 'storage' },
  { name: 'AzureWebJobsStorage__credential', default: '', description: '`managedidentity` to use the app\'s managed identity for storage.', scope: 'storage' },
  { name: 'AzureWebJobsStorage__clientId', default: '', description: 'Client id of a user-assigned managed identity for storage.', scope: 'storage' },
  { name: 'GRAPH_BASE_URL', default: 'https://graph.microsoft.com', description: 'Microsoft Graph endpoint (national clouds: their Graph host).', scope: 'app' },
  { name: 'AZURE_CLIENT_ID', default: '', description: 'Client id of the identity that reads Graph (user-assigned managed identity or app registration).', scope: 'app' },
  { name: 'MONITOR_ADMIN_ROLES', default: 'core', description: '`core` (the 14 roles of the "Require MFA for admins" template), `privileged` (core + roles Graph flags privileged + Hybrid Identity Administrator) or comma-separated role template ids.', scope: 'app' },
  { name: 'MONITOR_EXCLUDED_ACCOUNTS', default: '', description: 'Break-glass / service accounts reported apart: object ids, UPNs or group ids, comma-separated.', scope: 'app' },
  { name: 'MONITOR_GLOBAL_ADMIN_MIN', default: '2', description: 'Fewer Global Administrators than this raises `global-admin-count`.', scope: 'app' },
  { name: 'MONITOR_GLOBAL_ADMIN_MAX', default: '8', description: 'More Global Administrators than this raises `global-admin-count`.', scope: 'app' },
  { name: 'SCHEDULE_CHANGEFEED', default: '0 */2 * * * *', description: 'NCRONTAB schedule of the change feed: the directory audit log and delta queries since its last run, a targeted read of each change, then the affected admins evaluated and alerted.', scope: 'app' },
  { name: 'CHANGEFEED_OVERLAP_MINUTES', default: '15', description: 'How far before its watermark each change-feed read of the audit log starts (late audit events: 99 % appear within 5 minutes); events already handled are skipped by id.', scope: 'app' },
  { name: 'SCHEDULE_ROLES', default: '0 0 */6 * * *', description: 'NCRONTAB schedule of the full role collection (reconciliation: what the change feed missed is reported as `change-feed-missed`).', scope: 'app' },
  { name: 'SCHEDULE_POLICIES', default: '0 0 */6 * * *', description: 'NCRONTAB schedule of the full policy collection (reconciliation, like SCHEDULE_ROLES).', scope: 'app' },
  { name: 'SCHEDULE_ACTIVATIONS', default: '0 0 */6 * * *', description: 'NCRONTAB schedule of the full PIM activation collection (the change feed reads activations as they are audited).', scope: 'app' },
  { name: 'SCHEDULE_SIGNINS', default: '0 */10 * * * *', description: 'NCRONTAB schedule of the sign-in collector (admins\' and excluded accounts\' sign-ins, interrupted sign-ins, report-only results).', scope: 'app' },
  { name: 'SCHEDULE_SECURE_SCORE', default: '0 30 6 * * *', description: 'NCRONTAB schedule of the daily secure score collector: Microsoft\'s AdminMFAV2 score and recommendation, licences, per-user MFA states.', scope: 'app' },
  { name: 'SCHEDULE_EVALUATE', default: '0 5-59/15 * * * *', description: 'NCRONTAB schedule of evaluation, diff and alerts (after the collectors).', scope: 'app' },
  { name: 'SIGNIN_INTERRUPT_CODES', default: DEFAULT_INTERRUPT_ERROR_CODES.join(','), description: 'Sign-in error codes collected as "interrupted".', scope: 'app' },
  { name: 'SIGNIN_OVERLAP_MINUTES', default: '30', description: 'How far before the watermark each sign-in read starts (late-arriving logs).', scope: 'app' },
  { name: 'SIGNIN_INITIAL_LOOKBACK_HOURS', default: '24', description: 'How far back the first sign-in read goes.', scope: 'app' },
  { name: 'SIGNIN_NON_INTERACTIVE', default: 'true', description: '`true`: read the monitored accounts\' non-interactive sign-ins too (beta `signInEventTypes`); `false`: interactive only.', scope: 'app' },
  { name: 'SIGNIN_EVIDENCE_DAYS', default: '7', description: 'Days of sign-ins held against the verdicts: single-factor and contradicting sign-ins, gap counts, MFA prompts.', scope: 'app' },
  { name: 'SIGNIN_ROLLOUT_DAYS', default: '14', description: 'Days of sign-ins a report-only policy\'s rollout readiness is judged on.', scope: 'app' },
  { name: 'SIGNIN_RETENTION_DAYS', default: '30', description: 'Days stored sign-ins and their daily digests are kept (at least SIGNIN_EVIDENCE_DAYS and SIGNIN_ROLLOUT_DAYS).', scope: 'app' },
  { name: 'SIGNIN_COMPLETION_MINUTES', default: '10', description: 'An interrupted sign-in followed by a success to the same app within this many minutes counts as completed.', scope: 'app' },
  { name: 'REGISTRATION_LOOKUPS_PER_RUN', default: '20', description: 'Admins Microsoft does not flag isAdmin whose MFA registration is read one by one; above this many the monitor reads whichever is cheaper, per-user lookups or one full listing (reports budget: 5 requests / 10 s).', scope: 'app' },
  { name: 'GRAPH_MAX_CONCURRENCY', default: '4', description: 'Graph requests in flight at once.', scope: 'app' },
  { name: 'GRAPH_TIMEOUT_SECONDS', default: '60', description: 'A Graph request that takes longer is retried.', scope: 'app' },
  { name: 'GRAPH_MAX_RETRIES', default: '6', description: 'Retries of one Graph request (429, 5xx, timeout).', scope: 'app' },
  { name: 'ALERT_RECIPIENTS', default: '', description: 'Comma-separated e-mail addresses that receive the digest (none: alerts are only recorded).', scope: 'app' },
  { name: 'ALERT_SENDER', default: '', description: 'Sender address of a verified Azure Communication Services e-mail domain.', scope: 'app' },
  { name: 'ACS_ENDPOINT', default: '', description: 'Azure Communication Services endpoint (managed identity auth).', scope: 'app' },
  { name: 'ACS_CONNECTION_STRING', default: '', description: 'ACS connection string (alternative to ACS_ENDPOINT + managed identity).', scope: 'app' },
  { name: 'ALERT_MIN_SEVERITY', default: 'medium', description: 'Lowest severity that is mailed (`high`, `medium`, `low`).', scope: 'app' },
  { name: 'ALERT_RENOTIFY_HOURS', default: '24', description: 'Unresolved high findings are mailed again after this many hours (0: never).', scope: 'app' },
  { name: 'MONITOR_STALE_AFTER_MINUTES', default: '90', description: 'Data older than this raises `monitor-unhealthy`.', scope: 'app' },
  { name: 'ACCEPTED_RISK_DEFAULT_DAYS', default: '30', description: 'Days an accepted risk (POST /api/acknowledgements, `accept`) lasts when no `until` is given.', scope: 'app' },
  { name: 'ACCEPTED_RISK_MAX_DAYS', default: '90', description: 'The furthest `until` an accepted risk may have, in days; after it the finding is mailed again.', scope: 'app' },
  { name: 'WEBHOOK_URL', default: '', description: 'Second alert channel: the digest is POSTed as JSON to this URL (a Teams Workflows or Power Automate trigger, a Slack incoming webhook, or your own endpoint). https only; http only to loopback.', scope: 'app' },
  { name: 'WEBHOOK_FORMAT', default: 'json', description: 'Body of the webhook: `json` (the monitor\'s own), `teams` (an Adaptive Card message for Teams Workflows / Power Automate) or `slack` (Slack incoming webhook).', scope: 'app' },
  { name: 'WEBHOOK_SECRET', default: '', description: 'Signing secret (at least 32 characters): each webhook request carries an HMAC-SHA256 of its timestamp and body in X-Admin-Mfa-Monitor-Signature. Empty: unsigned.', scope: 'app' },
  { name: 'REPORT_URL', default: '', description: 'URL of the report page linked from alert mails. Mails never carry a function key: point it at a URL your readers can open (e.g. the app behind App Service authentication), or leave it empty.', scope: 'app' },
  { name: 'CHECK_MIN_INTERVAL_SECONDS', default: '60', description: 'POST /api/check runs at most once per this interval; later callers get the latest result.', scope: 'app' },
  { name: 'MONITOR_TABLE_PREFIX', default: 'mfamon', description: 'Prefix of the Table Storage tables.', scope: 'app' },
  { name: 'MONITOR_WORK_QUEUE', default: 'mfamon-work', description: 'Storage queue the fan-out timer fills with one message per registered tenant and due step; failed messages go to `<name>-poison` after host.json `maxDequeueCount` attempts (docs/tenants.md).', scope: 'app' },
  { name: 'SCHEDULE_FANOUT', default: '0 * * * * *', description: 'NCRONTAB schedule of the fan-out timer: each time, every enabled registered tenant\'s steps whose schedule (its own or the app\'s) fires in that minute are enqueued.', scope: 'app' },
  { name: 'MULTITENANT_CLIENT_ID', default: '', description: 'Application (client) id of the multi-tenant app registration that reads the registered tenants (consented in each); empty: only the deployment\'s own tenant is read.', scope: 'app' },
  { name: 'MULTITENANT_CERTIFICATE_PATH', default: '', description: 'PEM file (certificate and private key, e.g. a Key Vault certificate the platform loads) the multi-tenant app proves itself with; empty: a federated credential, the managed identity\'s token for api://AzureADTokenExchange.', scope: 'app' },
  { name: 'MSP_DIGEST_RECIPIENTS', default: '', description: 'Operator addresses that receive the daily digest over every tenant (SCHEDULE_MSP_DIGEST); empty: none is sent.', scope: 'app' },
  { name: 'SCHEDULE_MSP_DIGEST', default: '0 0 7 * * *', description: 'NCRONTAB schedule of the operator\'s digest over every tenant.', scope: 'app' },
];

const durationInt = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name}: expected a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name}: expected a number from ${min} to ${max}`);

/**
 * What a six-field NCRONTAB schedule is wrong with, if anything: not parseable, never firing (e.g. 31
 * February), or firing more than once a minute (a collector or evaluation run takes longer than that).
 */
export function scheduleProblem(expr: string): string | undefined {
  if (expr.split(/\s+/).length !== 6) return 'expected an NCRONTAB expression with six fields (second minute hour day month day-of-week), e.g. "0 */15 * * * *"';
  let runs: Date[];
  try {
    // Every seconds value of a schedule falls in each minute it fires in: four runs show a second one.
    runs = new Cron(expr, { paused: true }).nextRuns(4);
  } catch {
    return 'expected an NCRONTAB expression with six fields (second minute hour day month day-of-week), e.g. "0 */15 * * * *"';
  }
  if (runs.length === 0) return `"${expr}" never fires`;
  for (let i = 1; i < runs.length; i++) {
    if ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime() < 60_000) return `"${expr}" fires more than once a minute; at most once a minute (seconds field a single value, e.g. "0 */5 * * * *")`;
  }
  return undefined;
}

/**
 * The longest gap between two runs of a valid schedule over the next week, in minutes: how old a collector's
 * data may be before a missed run shows (monitor health).
 */
export function scheduleIntervalMinutes(expr: string, from = new Date()): number {
  // Every evaluation asks, and walking a week of a 2-minute schedule is 5,000 steps: remembered per expression
  // and day (the answer only changes with schedules of gaps over a day, and then only from day to day).
  const key = `${expr}|${from.toISOString().slice(0, 10)}`;
  const known = intervals.get(key);
  if (known !== undefined) return known;
  if (intervals.size > 256) intervals.clear();
  const minutes = longestGapMinutes(expr, from);
  intervals.set(key, minutes);
  return minutes;
}

const intervals = new Map<string, number>();

function longestGapMinutes(expr: string, from: Date): number {
  const cron = new Cron(expr, { paused: true, timezone: 'UTC' });
  const end = from.getTime() + 8 * 24 * 3_600_000;
  let previous = cron.nextRun(from);
  let longest = 0;
  while (previous && previous.getTime() <= end) {
    const next = cron.nextRun(previous);
    if (!next) break;
    longest = Math.max(longest, next.getTime() - previous.getTime());
    previous = next;
  }
  return longest > 0 ? Math.round(longest / 60_000) : Number.POSITIVE_INFINITY;
}

const cronSetting = (name: string) =>
  z
    .string()
    .trim()
    .superRefine((expr, ctx) => {
      const problem = scheduleProblem(expr);
      if (problem) ctx.addIssue({ code: 'custom', message: `${name}: ${problem}` });
    });

const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;

export interface Settings {
  graphBaseUrl: string;
  adminRoles: AdminRoleSelection;
  excludedAccounts: string[];
  globalAdminMin: number;
  globalAdminMax: number;
  schedules: { changefeed: string; roles: string; policies: string; activations: string; signins: string; secureScore: string; evaluate: string };
  changefeedOverlapMinutes: number;
  interruptCodes: number[];
  signInOverlapMinutes: number;
  signInInitialLookbackHours: number;
  signInNonInteractive: boolean;
  signInEvidenceDays: number;
  signInRolloutDays: number;
  signInRetentionDays: number;
  signInCompletionMinutes: number;
  registrationLookupsPerRun: number;
  graphMaxConcurrency: number;
  graphTimeoutSeconds: number;
  graphMaxRetries: number;
  alertRecipients: string[];
  alertSender: string;
  acsEndpoint: string;
  acsConnectionString: string;
  alertMinSeverity: Severity;
  alertRenotifyHours: number;
  staleAfterMinutes: number;
  reportUrl: string;
  acceptedRiskDefaultDays: number;
  acceptedRiskMaxDays: number;
  webhook: { url: string; format: WebhookFormat; secret: string } | null;
  checkMinIntervalSeconds: number;
  tablePrefix: string;
  /** Registered tenants (issue 20): the work queue, the fan-out schedule, the multi-tenant identity, the operator's digest. */
  tenants: { workQueue: string; fanOutSchedule: string; clientId: string; certificatePath: string; mspRecipients: string[]; mspDigestSchedule: string };
}

export const WEBHOOK_FORMATS = ['json', 'teams', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Loopback hosts, the only ones a webhook may reach over plain http (tests, a local receiver). */
export function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** What is wrong with a webhook URL, if anything: https, or http to loopback; no credentials in it. */
export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'WEBHOOK_URL: expected an absolute https URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(value))) return `WEBHOOK_URL: expected an https URL (http only to 127.0.0.1, ::1 or localhost), got ${url.protocol}//${url.host}`;
  if (url.username || url.password) return 'WEBHOOK_URL: must not carry a user name or password; use WEBHOOK_SECRET to sign requests';
  return undefined;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

function defaults(): Record<string, string> {
  return Object.fromEntries(SETTINGS.map((s) => [s.name, s.default.startsWith('(') ? '' : s.default]));
}

function list(value: string): string[] {
  return value
    .split(/[,;\s]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Reads and validates settings from an environment-like record; throws SettingsError listing every problem. */
// eslint-disable-next-line max-lines-per-function -- one schema entry per setting: the list is long, not the logic
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const raw = { ...defaults() };
  for (const s of SETTINGS) {
    const value = env[s.name];
    if (value !== undefined && value.trim() !== '') raw[s.name] = value;
  }
  const schema = z.object({
    GRAPH_BASE_URL: z.string().trim().url('GRAPH_BASE_URL: expected an absolute URL such as https://graph.microsoft.com'),
    MONITOR_ADMIN_ROLES: z.string().trim().transform((value, ctx): AdminRoleSelection => {
      const v = value.toLowerCase();
      if (v === 'core' || v === 'privileged') return { mode: v, roleIds: [] };
      const ids = list(value);
      const bad = ids.filter((id) => !isGuid(id));
      if (ids.length === 0 || bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `MONITOR_ADMIN_ROLES: expected 'core', 'privileged' or comma-separated role template ids (GUIDs); not a GUID: ${bad.join(', ') || '(empty)'}` });
        return z.NEVER;
      }
      return { mode: 'list', roleIds: ids.map((i) => i.toLowerCase()) };
    }),
    MONITOR_EXCLUDED_ACCOUNTS: z.string().transform((value, ctx) => {
      const entries = list(value);
      const bad = entries.filter((e) => !isGuid(e) && !EMAIL.test(e));
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `MONITOR_EXCLUDED_ACCOUNTS: expected object ids, UPNs or group ids, comma-separated; not an id or UPN: ${bad.join(', ')}` });
        return z.NEVER;
      }
      return entries;
    }),
    MONITOR_GLOBAL_ADMIN_MIN: durationInt('MONITOR_GLOBAL_ADMIN_MIN', 0, 1000),
    MONITOR_GLOBAL_ADMIN_MAX: durationInt('MONITOR_GLOBAL_ADMIN_MAX', 1, 1000),
    SCHEDULE_CHANGEFEED: cronSetting('SCHEDULE_CHANGEFEED'),
    CHANGEFEED_OVERLAP_MINUTES: durationInt('CHANGEFEED_OVERLAP_MINUTES', 0, 24 * 60),
    SCHEDULE_ROLES: cronSetting('SCHEDULE_ROLES'),
    SCHEDULE_POLICIES: cronSetting('SCHEDULE_POLICIES'),
    SCHEDULE_ACTIVATIONS: cronSetting('SCHEDULE_ACTIVATIONS'),
    SCHEDULE_SIGNINS: cronSetting('SCHEDULE_SIGNINS'),
    SCHEDULE_SECURE_SCORE: cronSetting('SCHEDULE_SECURE_SCORE'),
    SCHEDULE_EVALUATE: cronSetting('SCHEDULE_EVALUATE'),
    SIGNIN_INTERRUPT_CODES: z.string().transform((value, ctx) => {
      const codes = list(value);
      const bad = codes.filter((c) => !/^\d+$/.test(c));
      if (codes.length === 0 || bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `SIGNIN_INTERRUPT_CODES: expected comma-separated numeric sign-in error codes; not a number: ${bad.join(', ') || '(empty)'}` });
        return z.NEVER;
      }
      return codes.map(Number);
    }),
    SIGNIN_OVERLAP_MINUTES: durationInt('SIGNIN_OVERLAP_MINUTES', 0, 1440),
    SIGNIN_INITIAL_LOOKBACK_HOURS: durationInt('SIGNIN_INITIAL_LOOKBACK_HOURS', 1, 720),
    SIGNIN_NON_INTERACTIVE: z.string().trim().toLowerCase().pipe(z.enum(['true', 'false'], { message: 'SIGNIN_NON_INTERACTIVE: expected true or false' })),
    // Entra keeps sign-ins 30 days (P1/P2): a longer window could never fill.
    SIGNIN_EVIDENCE_DAYS: durationInt('SIGNIN_EVIDENCE_DAYS', 1, 30),
    SIGNIN_ROLLOUT_DAYS: durationInt('SIGNIN_ROLLOUT_DAYS', 1, 30),
    SIGNIN_RETENTION_DAYS: durationInt('SIGNIN_RETENTION_DAYS', 1, 730),
    SIGNIN_COMPLETION_MINUTES: durationInt('SIGNIN_COMPLETION_MINUTES', 1, 120),
    REGISTRATION_LOOKUPS_PER_RUN: durationInt('REGISTRATION_LOOKUPS_PER_RUN', 0, 1000),
    GRAPH_MAX_CONCURRENCY: durationInt('GRAPH_MAX_CONCURRENCY', 1, 64),
    GRAPH_TIMEOUT_SECONDS: durationInt('GRAPH_TIMEOUT_SECONDS', 1, 600),
    GRAPH_MAX_RETRIES: durationInt('GRAPH_MAX_RETRIES', 0, 10),
    ALERT_RECIPIENTS: z.string().transform((value, ctx) => {
      const addresses = list(value);
      const bad = addresses.filter((a) => !EMAIL.test(a));
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `ALERT_RECIPIENTS: expected comma-separated e-mail addresses; not an address: ${bad.join(', ')}` });
        return z.NEVER;
      }
      if (addresses.length > 50) {
        ctx.addIssue({ code: 'custom', message: `ALERT_RECIPIENTS: at most 50 recipients per message (Azure Communication Services limit), got ${addresses.length}` });
        return z.NEVER;
      }
      return addresses;
    }),
    ALERT_SENDER: z.string().trim().refine((v) => v === '' || EMAIL.test(v), 'ALERT_SENDER: expected an e-mail address such as DoNotReply@<your ACS domain>'),
    ACS_ENDPOINT: z.string().trim().refine((v) => v === '' || /^https?:\/\/[^\s]+$/.test(v), 'ACS_ENDPOINT: expected a URL such as https://<name>.communication.azure.com'),
    ACS_CONNECTION_STRING: z.string().trim().refine((v) => v === '' || (/endpoint=/i.test(v) && /accesskey=/i.test(v)), 'ACS_CONNECTION_STRING: expected "endpoint=https://...;accesskey=..."'),
    ALERT_MIN_SEVERITY: z.string().trim().toLowerCase().pipe(z.enum(['high', 'medium', 'low'], { message: 'ALERT_MIN_SEVERITY: expected high, medium or low' })),
    ALERT_RENOTIFY_HOURS: durationInt('ALERT_RENOTIFY_HOURS', 0, 24 * 90),
    MONITOR_STALE_AFTER_MINUTES: durationInt('MONITOR_STALE_AFTER_MINUTES', 5, 7 * 24 * 60),
    REPORT_URL: z.string().trim().refine((v) => v === '' || /^https?:\/\/\S+$/.test(v), 'REPORT_URL: expected an http(s) URL'),
    ACCEPTED_RISK_DEFAULT_DAYS: durationInt('ACCEPTED_RISK_DEFAULT_DAYS', 1, 365),
    ACCEPTED_RISK_MAX_DAYS: durationInt('ACCEPTED_RISK_MAX_DAYS', 1, 730),
    WEBHOOK_URL: z.string().trim().superRefine((v, ctx) => {
      const problem = v === '' ? undefined : webhookUrlProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    WEBHOOK_FORMAT: z.string().trim().toLowerCase().pipe(z.enum(WEBHOOK_FORMATS, { message: `WEBHOOK_FORMAT: expected ${WEBHOOK_FORMATS.join(', ')}` })),
    WEBHOOK_SECRET: z.string().refine((v) => v === '' || v.length >= 32, 'WEBHOOK_SECRET: expected at least 32 characters (or empty for unsigned requests)'),
    CHECK_MIN_INTERVAL_SECONDS: durationInt('CHECK_MIN_INTERVAL_SECONDS', 0, 86_400),
    MONITOR_TABLE_PREFIX: z.string().trim().regex(/^[A-Za-z][A-Za-z0-9]{0,29}$/, 'MONITOR_TABLE_PREFIX: expected 1-30 letters or digits, starting with a letter (Table name rules)'),
    // Queue name rules: 3-63 lower-case letters, digits and single hyphens; 56 leave room for `-poison`.
    MONITOR_WORK_QUEUE: z.string().trim().regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,54}[a-z0-9]$/, 'MONITOR_WORK_QUEUE: expected 3-56 lower-case letters, digits and single hyphens, starting and ending with a letter or digit (queue name rules; `-poison` is appended for failed messages)'),
    SCHEDULE_FANOUT: cronSetting('SCHEDULE_FANOUT'),
    MULTITENANT_CLIENT_ID: z.string().trim().refine((v) => v === '' || isGuid(v), 'MULTITENANT_CLIENT_ID: expected the application (client) id, a GUID'),
    MULTITENANT_CERTIFICATE_PATH: z.string().trim(),
    MSP_DIGEST_RECIPIENTS: z.string().transform((value, ctx) => {
      const addresses = list(value);
      const bad = addresses.filter((a) => !EMAIL.test(a));
      if (bad.length > 0 || addresses.length > 50) {
        ctx.addIssue({ code: 'custom', message: `MSP_DIGEST_RECIPIENTS: expected at most 50 comma-separated e-mail addresses${bad.length ? `; not an address: ${bad.join(', ')}` : ''}` });
        return z.NEVER;
      }
      return addresses;
    }),
    SCHEDULE_MSP_DIGEST: cronSetting('SCHEDULE_MSP_DIGEST'),
  });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((i) => (i.message.includes(':') ? i.message : `${String(i.path[0])}: ${i.message}`)));
  }
  const s = parsed.data;
  const problems: string[] = [];
  if (s.MONITOR_GLOBAL_ADMIN_MIN > s.MONITOR_GLOBAL_ADMIN_MAX) problems.push(`MONITOR_GLOBAL_ADMIN_MIN (${s.MONITOR_GLOBAL_ADMIN_MIN}) must not be above MONITOR_GLOBAL_ADMIN_MAX (${s.MONITOR_GLOBAL_ADMIN_MAX})`);
  if (s.ALERT_RECIPIENTS.length > 0 && !s.ALERT_SENDER) problems.push('ALERT_SENDER: required when ALERT_RECIPIENTS is set');
  if (s.MSP_DIGEST_RECIPIENTS.length > 0 && !s.ALERT_SENDER) problems.push('ALERT_SENDER: required when MSP_DIGEST_RECIPIENTS is set');
  if (s.MULTITENANT_CERTIFICATE_PATH && !s.MULTITENANT_CLIENT_ID) problems.push('MULTITENANT_CERTIFICATE_PATH: set MULTITENANT_CLIENT_ID too (the certificate proves that app)');
  if (s.ACS_ENDPOINT && s.ACS_CONNECTION_STRING) problems.push('ACS_ENDPOINT and ACS_CONNECTION_STRING: set one, not both');
  if (s.ACCEPTED_RISK_DEFAULT_DAYS > s.ACCEPTED_RISK_MAX_DAYS) problems.push(`ACCEPTED_RISK_DEFAULT_DAYS (${s.ACCEPTED_RISK_DEFAULT_DAYS}) must not be above ACCEPTED_RISK_MAX_DAYS (${s.ACCEPTED_RISK_MAX_DAYS})`);
  if (s.WEBHOOK_SECRET && !s.WEBHOOK_URL) problems.push('WEBHOOK_SECRET: set WEBHOOK_URL too (a secret without a webhook signs nothing)');
  const windowDays = Math.max(s.SIGNIN_EVIDENCE_DAYS, s.SIGNIN_ROLLOUT_DAYS);
  if (s.SIGNIN_RETENTION_DAYS < windowDays) problems.push(`SIGNIN_RETENTION_DAYS (${s.SIGNIN_RETENTION_DAYS}) must be at least SIGNIN_EVIDENCE_DAYS and SIGNIN_ROLLOUT_DAYS (${windowDays}): the evaluation reads that far back`);
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    graphBaseUrl: s.GRAPH_BASE_URL.replace(/\/$/, ''),
    adminRoles: s.MONITOR_ADMIN_ROLES,
    excludedAccounts: s.MONITOR_EXCLUDED_ACCOUNTS,
    globalAdminMin: s.MONITOR_GLOBAL_ADMIN_MIN,
    globalAdminMax: s.MONITOR_GLOBAL_ADMIN_MAX,
    schedules: { changefeed: s.SCHEDULE_CHANGEFEED, roles: s.SCHEDULE_ROLES, policies: s.SCHEDULE_POLICIES, activations: s.SCHEDULE_ACTIVATIONS, signins: s.SCHEDULE_SIGNINS, secureScore: s.SCHEDULE_SECURE_SCORE, evaluate: s.SCHEDULE_EVALUATE },
    changefeedOverlapMinutes: s.CHANGEFEED_OVERLAP_MINUTES,
    interruptCodes: s.SIGNIN_INTERRUPT_CODES,
    signInOverlapMinutes: s.SIGNIN_OVERLAP_MINUTES,
    signInInitialLookbackHours: s.SIGNIN_INITIAL_LOOKBACK_HOURS,
    signInNonInteractive: s.SIGNIN_NON_INTERACTIVE === 'true',
    signInEvidenceDays: s.SIGNIN_EVIDENCE_DAYS,
    signInRolloutDays: s.SIGNIN_ROLLOUT_DAYS,
    signInRetentionDays: s.SIGNIN_RETENTION_DAYS,
    signInCompletionMinutes: s.SIGNIN_COMPLETION_MINUTES,
    registrationLookupsPerRun: s.REGISTRATION_LOOKUPS_PER_RUN,
    graphMaxConcurrency: s.GRAPH_MAX_CONCURRENCY,
    graphTimeoutSeconds: s.GRAPH_TIMEOUT_SECONDS,
    graphMaxRetries: s.GRAPH_MAX_RETRIES,
    alertRecipients: s.ALERT_RECIPIENTS,
    alertSender: s.ALERT_SENDER,
    acsEndpoint: s.ACS_ENDPOINT,
    acsConnectionString: s.ACS_CONNECTION_STRING,
    alertMinSeverity: s.ALERT_MIN_SEVERITY,
    alertRenotifyHours: s.ALERT_RENOTIFY_HOURS,
    staleAfterMinutes: s.MONITOR_STALE_AFTER_MINUTES,
    reportUrl: s.REPORT_URL,
    acceptedRiskDefaultDays: s.ACCEPTED_RISK_DEFAULT_DAYS,
    acceptedRiskMaxDays: s.ACCEPTED_RISK_MAX_DAYS,
    webhook: s.WEBHOOK_URL ? { url: s.WEBHOOK_URL, format: s.WEBHOOK_FORMAT, secret: s.WEBHOOK_SECRET } : null,
    checkMinIntervalSeconds: s.CHECK_MIN_INTERVAL_SECONDS,
    tablePrefix: s.MONITOR_TABLE_PREFIX,
    tenants: { workQueue: s.MONITOR_WORK_QUEUE, fanOutSchedule: s.SCHEDULE_FANOUT, clientId: s.MULTITENANT_CLIENT_ID.toLowerCase(), certificatePath: s.MULTITENANT_CERTIFICATE_PATH, mspRecipients: s.MSP_DIGEST_RECIPIENTS, mspDigestSchedule: s.SCHEDULE_MSP_DIGEST },
  };
}
