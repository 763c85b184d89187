// `admin-mfa-monitor tenants add|list|remove|test` and `history --tenant <id>` as a user runs them: the compiled
// bin, one data dir (its embedded storage keeps the registry between commands), exit codes and messages.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/environment.js';
import { baseTenant } from '../helpers/tenant.js';

const exec = promisify(execFile);
const CLI = new URL('../../dist/devkit/cli/main.js', import.meta.url).pathname;
const ID = '0c0ffee0-1234-4000-8000-000000000abc';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { ...process.env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let data: string;
let fixture: string;

describe.skipIf(!existsSync(CLI))('tenants CLI (needs `npm run build`)', () => {
  beforeAll(() => {
    const dir = tempDir();
    data = path.join(dir, 'data');
    fixture = path.join(dir, 'own.json');
    writeFileSync(fixture, JSON.stringify(baseTenant()));
  });

  it('refuses a tenant id that is not a GUID, naming it, with exit code 2', async () => {
    const r = await cli(['tenants', 'add', 'contoso.onmicrosoft.com', '--tenant', fixture, '--data-dir', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/id: expected the tenant's directory id \(a GUID/);
  });

  it('adds, lists, tests, reads the history of and removes a tenant', async () => {
    const add = await cli(['tenants', 'add', ID, '--name', 'Fabrikam', '--recipients', 'soc@fabrikam.test', '--schedule', 'roles=0 0 */4 * * *', '--tenant', fixture, '--data-dir', data]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain(`added Fabrikam (${ID}); its first collection is queued`);
    const list = await cli(['tenants', 'list', '--json', '--tenant', fixture, '--data-dir', data]);
    const items = JSON.parse(list.stdout) as Array<{ tenantId: string; settings: Record<string, string> }>;
    expect(items.find((t) => t.tenantId === ID)?.settings).toEqual({ ALERT_RECIPIENTS: 'soc@fabrikam.test', SCHEDULE_ROLES: '0 0 */4 * * *' });
    // The simulated demo serves only the deployment's own tenant: Fabrikam's token is refused.
    const test = await cli(['tenants', 'test', ID, '--tenant', fixture, '--data-dir', data]);
    expect(test.code).toBe(1);
    expect(test.stdout).toMatch(new RegExp(`^${ID}: (noConsent|failed)`, 'm'));
    const history = await cli(['history', 'runs', '--tenant', ID, '--data-dir', data, '--json']);
    expect(history.code, history.stderr).toBe(0);
    expect((JSON.parse(history.stdout) as { items: unknown[] }).items).toEqual([]);
    const remove = await cli(['tenants', 'remove', ID, '--tenant', fixture, '--data-dir', data]);
    expect(remove.code, remove.stderr).toBe(0);
    expect((await cli(['history', 'runs', '--tenant', ID, '--data-dir', data])).stderr).toMatch(/tenant: .* neither this deployment's tenant nor a registered one/);
  });
});
