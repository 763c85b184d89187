// Tenants as configuration (issue 20): what a registered tenant is, how its input is validated, the work
// messages that fan out over the queue, and which work a tenant's schedules make due. Pure: no I/O.
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { isGuid, normId } from './ids.js';

/** The settings a tenant may set for itself; everything else is the deployment's (app settings). */
export const TENANT_SETTING_NAMES = [
  'MONITOR_ADMIN_ROLES',
  'MONITOR_EXCLUDED_ACCOUNTS',
  'ALERT_RECIPIENTS',
  'SCHEDULE_CHANGEFEED',
  'SCHEDULE_ROLES',
  'SCHEDULE_POLICIES',
  'SCHEDULE_ACTIVATIONS',
  'SCHEDULE_SIGNINS',
  'SCHEDULE_SECURE_SCORE',
  'SCHEDULE_EVALUATE',
] as const;
export type TenantSettingName = (typeof TENANT_SETTING_NAMES)[number];
export type TenantSettings = Partial<Record<TenantSettingName, string>>;

export interface TenantRecord {
  /** The customer's directory (tenant) id, lower case. */
  tenantId: string;
  displayName: string;
  enabled: boolean;
  /** The tenant's own values of TENANT_SETTING_NAMES (validated like the app settings of the same name). */
  settings: TenantSettings;
  addedAt: string;
  updatedAt: string;
}

/** The steps the fan-out enqueues, each on its own schedule. */
export const SCHEDULED_STEPS = ['changefeed', 'roles', 'policies', 'activations', 'signins', 'securescore', 'evaluate'] as const;
export type ScheduledStep = (typeof SCHEDULED_STEPS)[number];
/**
 * The work one queue message asks for: one step of one tenant. `cycle` is a tenant's full collection and
 * evaluation in one message (app/cycle.ts runCycle: the collectors side by side, each on its own Graph budget,
 * in the order they read each other's data); it has no schedule and is enqueued when a tenant is onboarded
 * (its first collection then takes one throttling floor, not the next few hours of schedules).
 */
export const WORK_STEPS = [...SCHEDULED_STEPS, 'cycle'] as const;
export type WorkStep = (typeof WORK_STEPS)[number];

/** The schedule setting of each scheduled step (the tenant's own, else the app setting). */
export const STEP_SCHEDULE: Record<ScheduledStep, TenantSettingName> = {
  changefeed: 'SCHEDULE_CHANGEFEED',
  roles: 'SCHEDULE_ROLES',
  policies: 'SCHEDULE_POLICIES',
  activations: 'SCHEDULE_ACTIVATIONS',
  signins: 'SCHEDULE_SIGNINS',
  securescore: 'SCHEDULE_SECURE_SCORE',
  evaluate: 'SCHEDULE_EVALUATE',
};

export interface WorkMessage {
  v: 1;
  tenantId: string;
  step: WorkStep;
  /**
   * The identity of this piece of work (tenant, step and the schedule slot it is for): a message delivered
   * twice, or enqueued twice for one slot, carries the same id, and the work is done once (app/fanout.ts).
   */
  workId: string;
  enqueuedAt: string;
}

export class TenantInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'TenantInputError';
  }
}

/** The tenant id as stored, or the problem with it (a clear message naming the field). */
export function tenantIdProblem(value: unknown, field = 'tenantId'): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return `${field}: expected the tenant's directory id (a GUID), got nothing`;
  if (!isGuid(value)) return `${field}: expected the tenant's directory id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47), got '${value.slice(0, 64)}'`;
  return undefined;
}

export function parseTenantId(value: unknown, field = 'tenantId'): string {
  const problem = tenantIdProblem(value, field);
  if (problem) throw new TenantInputError([problem]);
  return normId(value as string);
}

export interface TenantInput {
  tenantId: string;
  displayName: string;
  enabled: boolean;
  settings: TenantSettings;
}

/**
 * A tenant from the admin API's JSON body or the CLI's options: the id a GUID, a display name, enabled a
 * boolean, settings only those a tenant may set. `validateSettings` checks the values like the app settings
 * (app/tenants.ts hands in loadSettings); every problem is listed, each naming its field.
 */
export function parseTenantInput(body: unknown, validateSettings: (settings: TenantSettings) => string[]): TenantInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TenantInputError(['body: expected a JSON object with tenantId, displayName, enabled and settings']);
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(['tenantId', 'displayName', 'enabled', 'settings']);
  for (const key of Object.keys(b)) if (!known.has(key)) problems.push(`${key}: unknown field (expected tenantId, displayName, enabled, settings)`);
  const idProblem = tenantIdProblem(b.tenantId);
  if (idProblem) problems.push(idProblem);
  const displayName = b.displayName === undefined ? '' : b.displayName;
  if (typeof displayName !== 'string' || displayName.trim().length > 256 || /[\u0000-\u001f]/.test(displayName)) problems.push('displayName: expected text of at most 256 characters without control characters');
  const enabled = b.enabled === undefined ? true : b.enabled;
  if (typeof enabled !== 'boolean') problems.push('enabled: expected true or false');
  const settings: TenantSettings = {};
  if (b.settings !== undefined) {
    if (typeof b.settings !== 'object' || b.settings === null || Array.isArray(b.settings)) problems.push(`settings: expected an object of ${TENANT_SETTING_NAMES.join(', ')}`);
    else {
      for (const [key, value] of Object.entries(b.settings as Record<string, unknown>)) {
        if (!(TENANT_SETTING_NAMES as readonly string[]).includes(key)) problems.push(`settings.${key}: not a per-tenant setting (expected one of ${TENANT_SETTING_NAMES.join(', ')})`);
        else if (typeof value !== 'string') problems.push(`settings.${key}: expected a string, as the app setting of the same name`);
        else if (value.trim() !== '') settings[key as TenantSettingName] = value.trim();
      }
      if (problems.length === 0) problems.push(...validateSettings(settings).map((p) => `settings.${p}`));
    }
  }
  if (problems.length > 0) throw new TenantInputError(problems);
  const id = normId(b.tenantId as string);
  return { tenantId: id, displayName: (displayName as string).trim() || id, enabled: enabled as boolean, settings };
}

/**
 * The table prefix of a registered tenant's tables: the deployment's prefix, `x` and 16 hex digits of the
 * SHA-256 of its id (a table name is at most 63 letters and digits: a 30-character prefix, 17 and the longest
 * table name, 11, fit; the whole GUID would not). 64 bits make a collision between tenants of one deployment
 * practically impossible; the registry stores the prefix, so it never has to be worked out again.
 */
export function tenantTablePrefix(deploymentPrefix: string, tenantId: string): string {
  return `${deploymentPrefix}x${createHash('sha256').update(normId(tenantId)).digest('hex').slice(0, 16)}`;
}

/**
 * The id of the work for one tenant, step and schedule slot (the minute it fired in). The slot comes first: a
 * tenant's claims (app/fanout.ts) are then ordered by time, and old ones go with one row-key range.
 */
export function workId(tenantId: string, step: WorkStep, slot: string): string {
  return `${slot}|${step}|${normId(tenantId)}`;
}

/** A queue message's body as work, or the problem with it (a message nobody can act on is dead-lettered at once). */
export function parseWorkMessage(body: unknown): WorkMessage | string {
  const value = typeof body === 'string' ? safeJson(body) : body;
  if (typeof value !== 'object' || value === null) return 'message: expected a JSON object {v, tenantId, step, workId, enqueuedAt}';
  const m = value as Record<string, unknown>;
  if (m.v !== 1) return `message.v: expected 1, got ${JSON.stringify(m.v)}`;
  const idProblem = tenantIdProblem(m.tenantId, 'message.tenantId');
  if (idProblem) return idProblem;
  if (typeof m.step !== 'string' || !(WORK_STEPS as readonly string[]).includes(m.step)) return `message.step: expected one of ${WORK_STEPS.join(', ')}, got ${JSON.stringify(m.step)}`;
  if (typeof m.workId !== 'string' || m.workId.length === 0 || m.workId.length > 200) return 'message.workId: expected text of 1-200 characters';
  if (typeof m.enqueuedAt !== 'string' || Number.isNaN(Date.parse(m.enqueuedAt))) return 'message.enqueuedAt: expected an ISO time';
  return { v: 1, tenantId: normId(m.tenantId as string), step: m.step as WorkStep, workId: m.workId, enqueuedAt: m.enqueuedAt };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The steps a tenant's schedules fire for in the minute starting at `minute` (the fan-out timer runs every
 * minute and enqueues them). `schedules` maps each step to its NCRONTAB expression (validated: at most once a
 * minute).
 */
export function dueSteps(schedules: Record<ScheduledStep, string>, minute: Date): ScheduledStep[] {
  const start = new Date(Math.floor(minute.getTime() / 60_000) * 60_000);
  const end = start.getTime() + 60_000;
  return SCHEDULED_STEPS.filter((step) => {
    const next = new Cron(schedules[step], { paused: true, timezone: 'UTC' }).nextRun(new Date(start.getTime() - 1));
    return next !== null && next.getTime() < end;
  });
}

/** The minute a fan-out fires for, as the slot of the work ids it enqueues. */
export function slotOf(minute: Date): string {
  return new Date(Math.floor(minute.getTime() / 60_000) * 60_000).toISOString();
}
