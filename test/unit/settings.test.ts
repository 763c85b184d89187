// Settings: defaults, validation messages that name the setting, and the lists that must stay in sync.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS as APP_SETTINGS, SettingsError, loadSettings } from '../../src/app/settings.js';
import { LOCAL_SETTINGS } from '../../devkit/host/local-settings.js';

/** The app's settings and the local host's: one configuration table documents both. */
const SETTINGS = [...APP_SETTINGS, ...LOCAL_SETTINGS];

function problems(env: Record<string, string>): string {
  try {
    loadSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).message;
  }
  throw new Error('expected a SettingsError');
}

describe('settings', () => {
  it('has working defaults', () => {
    const s = loadSettings({});
    expect(s.adminRoles).toEqual({ mode: 'core', roleIds: [] });
    expect(s.schedules.signins).toBe('0 */10 * * * *');
    expect(s.interruptCodes).toContain(50074);
    expect(s.alertMinSeverity).toBe('medium');
  });

  it('parses lists and role modes', () => {
    const s = loadSettings({ MONITOR_ADMIN_ROLES: '62E90394-69F5-4237-9190-012177145E10, fe930be7-5e62-47db-91af-98c3a49a38b1', MONITOR_EXCLUDED_ACCOUNTS: 'bg1@contoso.com; 00000000-0000-4000-8000-000000000001', ALERT_RECIPIENTS: 'a@b.com,c@d.com', ALERT_SENDER: 'x@y.com' });
    expect(s.adminRoles).toEqual({ mode: 'list', roleIds: ['62e90394-69f5-4237-9190-012177145e10', 'fe930be7-5e62-47db-91af-98c3a49a38b1'] });
    expect(s.excludedAccounts).toEqual(['bg1@contoso.com', '00000000-0000-4000-8000-000000000001']);
    expect(loadSettings({ MONITOR_ADMIN_ROLES: 'Privileged' }).adminRoles.mode).toBe('privileged');
  });

  it.each([
    [{ MONITOR_ADMIN_ROLES: 'admins' }, "MONITOR_ADMIN_ROLES: expected 'core', 'privileged' or comma-separated role template ids (GUIDs); not a GUID: admins"],
    [{ MONITOR_EXCLUDED_ACCOUNTS: 'break glass' }, 'MONITOR_EXCLUDED_ACCOUNTS: expected object ids, UPNs or group ids'],
    [{ SCHEDULE_ROLES: '*/15 * * * *' }, 'SCHEDULE_ROLES: expected an NCRONTAB expression with six fields'],
    [{ SCHEDULE_EVALUATE: '0 61 * * * *' }, 'SCHEDULE_EVALUATE: expected an NCRONTAB expression'],
    // Issue 16: a schedule that never fires, or fires more than once a minute, is refused at start-up.
    [{ SCHEDULE_POLICIES: '0 0 0 31 2 *' }, 'SCHEDULE_POLICIES: "0 0 0 31 2 *" never fires'],
    [{ SCHEDULE_SIGNINS: '*/30 * * * * *' }, 'SCHEDULE_SIGNINS: "*/30 * * * * *" fires more than once a minute'],
    [{ SCHEDULE_EVALUATE: '0,30 5 * * * *' }, 'SCHEDULE_EVALUATE: "0,30 5 * * * *" fires more than once a minute'],
    [{ ALERT_RECIPIENTS: 'secops', ALERT_SENDER: 'a@b.com' }, 'ALERT_RECIPIENTS: expected comma-separated e-mail addresses; not an address: secops'],
    [{ ALERT_RECIPIENTS: 'a@b.com' }, 'ALERT_SENDER: required when ALERT_RECIPIENTS is set'],
    [{ ALERT_MIN_SEVERITY: 'urgent' }, 'ALERT_MIN_SEVERITY: expected high, medium or low'],
    [{ SIGNIN_INTERRUPT_CODES: '50074,abc' }, 'SIGNIN_INTERRUPT_CODES: expected comma-separated numeric sign-in error codes; not a number: abc'],
    [{ MONITOR_GLOBAL_ADMIN_MIN: '9', MONITOR_GLOBAL_ADMIN_MAX: '3' }, 'MONITOR_GLOBAL_ADMIN_MIN (9) must not be above MONITOR_GLOBAL_ADMIN_MAX (3)'],
    [{ GRAPH_MAX_CONCURRENCY: '0' }, 'GRAPH_MAX_CONCURRENCY: expected a number from 1 to 64'],
    [{ ACS_ENDPOINT: 'https://x.communication.azure.com', ACS_CONNECTION_STRING: 'endpoint=https://x/;accesskey=abc' }, 'set one, not both'],
    [{ MONITOR_TABLE_PREFIX: 'my-prefix' }, 'MONITOR_TABLE_PREFIX: expected 1-30 letters or digits'],
  ])('rejects %o with a message naming the setting', (env, message) => {
    expect(problems(env as Record<string, string>)).toContain(message);
  });

  it('reports every problem at once', () => {
    const message = problems({ ALERT_MIN_SEVERITY: 'x', GRAPH_MAX_RETRIES: '99' });
    expect(message).toContain('ALERT_MIN_SEVERITY');
    expect(message).toContain('GRAPH_MAX_RETRIES');
  });

  it('local.settings.example.json lists every setting and nothing else', () => {
    const example = JSON.parse(readFileSync(new URL('../../local.settings.example.json', import.meta.url), 'utf8')) as { Values: Record<string, string> };
    const names = Object.keys(example.Values).filter((n) => n !== 'FUNCTIONS_WORKER_RUNTIME');
    expect(names.sort()).toEqual(SETTINGS.map((s) => s.name).sort());
  });

  it('the README configuration table lists every setting', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const s of SETTINGS) expect(readme, s.name).toContain(`\`${s.name}\``);
  });
});
