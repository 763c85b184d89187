// `admin-mfa-monitor tenants add|list|remove|test`: the tenants registry (issue 20) through the same handler
// as /api/tenants, so the CLI and the API validate alike.
import { type Command, InvalidArgumentError } from 'commander';
import { TENANT_SETTING_NAMES, STEP_SCHEDULE, SCHEDULED_STEPS, type ScheduledStep } from '../../src/core/tenants.js';
import type { Host } from '../host/host.js';
import type { CommandKit } from './remediate.js';

type Kit = Pick<CommandKit, 'withCommon' | 'host'>;

async function call(h: Host, method: string, route: string, body?: unknown, query = ''): Promise<{ status: number; json: Record<string, unknown> }> {
  const [id, action] = route.split('/');
  const result = await h.invokeHttp('tenants', {
    method,
    url: `http://127.0.0.1/api/tenants${route ? `/${route}` : ''}${query}`,
    params: { ...(id ? { id } : {}), ...(action ? { action } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: result.status, json: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
}

function problem(r: { status: number; json: Record<string, unknown> }): boolean {
  if (r.status < 400) return false;
  const e = r.json.error as { details?: string[]; message?: string } | undefined;
  console.error(`tenants: ${(e?.details ?? [e?.message ?? `status ${r.status}`]).join('\n         ')}`);
  process.exitCode = 2;
  return true;
}

// `--schedule roles=0 0 0-23/4 * * *`: a step's own schedule.
function scheduleOption(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const m = /^([a-z]+)=(.+)$/.exec(value.trim());
  if (!m || !(SCHEDULED_STEPS as readonly string[]).includes(m[1] as string)) throw new InvalidArgumentError(`expected <step>=<NCRONTAB>, step one of ${SCHEDULED_STEPS.join(', ')}`);
  return { ...previous, [STEP_SCHEDULE[m[1] as ScheduledStep]]: m[2] as string };
}

 
export function addTenantCommands(program: Command, kit: Kit): void {
  const tenants = program.command('tenants').description('the tenants this deployment watches besides its own (docs/tenants.md)');
  kit
    .withCommon(
      tenants
        .command('add')
        .description('register (or update) a tenant: its directory id, a display name, its own settings')
        .argument('<tenant-id>', "the tenant's directory id (a GUID)")
        .option('--name <name>', 'display name (default: the id)')
        .option('--disabled', 'registered but not collected')
        .option('--roles <roles>', 'its MONITOR_ADMIN_ROLES (core, privileged or role template ids)')
        .option('--excluded <accounts>', 'its MONITOR_EXCLUDED_ACCOUNTS (break-glass accounts)')
        .option('--recipients <addresses>', 'its ALERT_RECIPIENTS (its own digest)')
        .option('--schedule <step=cron>', `its own schedule of a step (repeatable; steps: ${SCHEDULED_STEPS.join(', ')})`, scheduleOption),
    )
    .action(async (tenantId: string, options: { name?: string; disabled?: boolean; roles?: string; excluded?: string; recipients?: string; schedule?: Record<string, string>; json?: boolean }) => {
      const settings: Record<string, string> = { ...(options.schedule ?? {}) };
      if (options.roles) settings.MONITOR_ADMIN_ROLES = options.roles;
      if (options.excluded) settings.MONITOR_EXCLUDED_ACCOUNTS = options.excluded;
      if (options.recipients) settings.ALERT_RECIPIENTS = options.recipients;
      const h = await kit.host(options, false);
      try {
        const r = await call(h, 'PUT', tenantId, { ...(options.name ? { displayName: options.name } : {}), enabled: !options.disabled, settings });
        if (problem(r)) return;
        const first = r.json.firstCollection as { queued: boolean; detail?: string } | undefined;
        const note = first ? (first.queued ? '; its first collection is queued' : `; its first collection was ${first.detail ?? 'not queued'}`) : '';
        console.log(options.json ? JSON.stringify(r.json, null, 2) : `${r.status === 201 ? 'added' : 'updated'} ${String(r.json.displayName)} (${String(r.json.tenantId)})${note}`);
      } finally {
        await h.stop();
      }
    });
  kit.withCommon(tenants.command('list').description('every tenant: the deployment\'s own and the registered ones')).action(async (options: { json?: boolean }) => {
    const h = await kit.host(options, false);
    try {
      const r = await call(h, 'GET', '');
      if (problem(r)) return;
      const items = r.json.items as Array<{ tenantId: string; displayName: string; enabled: boolean; default: boolean; settings: Record<string, string> }>;
      if (options.json) console.log(JSON.stringify(items, null, 2));
      else {
        for (const t of items) {
          const own = Object.entries(t.settings).filter(([k]) => (TENANT_SETTING_NAMES as readonly string[]).includes(k));
          console.log(`${t.tenantId}  ${t.default ? 'own     ' : t.enabled ? 'enabled ' : 'disabled'}  ${t.displayName}${own.length ? `  (${own.map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`);
        }
      }
    } finally {
      await h.stop();
    }
  });
  kit
    .withCommon(tenants.command('remove').description('stop watching a tenant; its messages in flight are dropped').argument('<tenant-id>').option('--purge', 'delete its tables (its history) too'))
    .action(async (tenantId: string, options: { purge?: boolean }) => {
      const h = await kit.host(options, false);
      try {
        const r = await call(h, 'DELETE', tenantId, undefined, options.purge ? '?purge=true' : '');
        if (!problem(r)) console.log(`removed ${tenantId}${options.purge ? ' and its tables' : ' (its tables are kept; --purge deletes them)'}`);
      } finally {
        await h.stop();
      }
    });
  kit
    .withCommon(tenants.command('test').description('read a little of a tenant\'s Graph as the deployment would: consent and permissions').argument('<tenant-id>'))
    .action(async (tenantId: string, options: { json?: boolean }) => {
      const h = await kit.host(options, false);
      try {
        const r = await call(h, 'POST', `${tenantId}/test`);
        if (problem(r)) return;
        if (options.json) console.log(JSON.stringify(r.json, null, 2));
        else {
          console.log(`${tenantId}: ${String(r.json.verdict)}`);
          for (const p of r.json.probes as Array<{ permission: string; status: string; message?: string }>) console.log(`  ${p.status.padEnd(9)} ${p.permission}${p.message ? `  ${p.message}` : ''}`);
          if (r.json.adminConsentUrl) console.log(`admin consent: ${String(r.json.adminConsentUrl)}`);
        }
        if (r.json.verdict !== 'ok') process.exitCode = 1;
      } finally {
        await h.stop();
      }
    });
}
