// The azd hooks, run for real: the Graph grant hook against a fake `az` (a script that keeps the identity's
// app role assignments in a file), and the package staging script on a small project in a temporary
// directory.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { blockAfter, arrayStrings } from './bicep.js';
import { ROOT, readSources } from './checks.js';

const temp = mkdtempSync(path.join(tmpdir(), 'mfamon-infra-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The permissions main.bicep hands the hook (GRAPH_APP_ROLES = join(graphAppRoles, ',')). */
const graphAppRoles = arrayStrings(blockAfter(readSources().mainBicep, /^var graphAppRoles\s*=/) ?? { text: '', masked: '' });

const PRINCIPAL = '11111111-1111-1111-1111-111111111111';
const TENANT = '22222222-2222-2222-2222-222222222222';
const GRAPH_SP = '33333333-3333-3333-3333-333333333333';
/** The multi-tenant app registration customer tenants are onboarded to (docs/tenants.md). */
const CLIENT = '44444444-4444-4444-4444-444444444444';

// Microsoft Graph's application roles as the fake knows them: the ones granted, plus two the identity must not keep.
const graphRoles = new Map<string, string>([
  ...graphAppRoles.map((name, i): [string, string] => [name, `aaaaaaaa-0000-0000-0000-00000000000${i}`]),
  ['Mail.Send', 'bbbbbbbb-0000-0000-0000-000000000001'],
  ['Directory.Read.All', 'bbbbbbbb-0000-0000-0000-000000000002'],
]);

// A stand-in for the Azure CLI: answers the calls the hook makes, from files in $FAKE_AZ_STATE.
const FAKE_AZ = String.raw`#!/usr/bin/env bash
state="$FAKE_AZ_STATE"
printf '%s\n' "$*" >> "$state/calls.log"
arg() { local want="$1"; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then printf '%s' "$2"; return; fi; shift; done; }
if [ "$1 $2" = "account show" ]; then
  if [ -n "$FAKE_AZ_TENANT" ]; then echo "$FAKE_AZ_TENANT"; exit 0; fi
  echo "ERROR: Please run 'az login' to setup account." >&2; exit 1
fi
if [ "$1 $2" = "cloud show" ]; then echo "https://graph.microsoft.com/"; exit 0; fi
method="$(arg --method "$@")"; url="$(arg --url "$@")"; body="$(arg --body "$@")"
case "$method $url" in
  "get https://graph.microsoft.com/v1.0/servicePrincipals/$FAKE_AZ_PRINCIPAL?\$select=id")
    seen=$(cat "$state/sp-polls" 2>/dev/null || echo 0); echo $((seen + 1)) > "$state/sp-polls"
    missing="$FAKE_AZ_SP_MISSING"; [ -n "$missing" ] || missing=0
    if [ "$seen" -lt "$missing" ]; then echo "ERROR: Resource '$FAKE_AZ_PRINCIPAL' does not exist" >&2; exit 1; fi
    echo "$FAKE_AZ_PRINCIPAL" ;;
  "get https://graph.microsoft.com/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?\$select=id")
    echo "$FAKE_AZ_GRAPH_SP" ;;
  "get https://graph.microsoft.com/v1.0/servicePrincipals(appId='$FAKE_AZ_CLIENT')?\$select=id")
    if [ -f "$state/client-sp" ]; then cat "$state/client-sp"; else echo "ERROR: Resource 'servicePrincipals' does not exist" >&2; exit 1; fi ;;
  "post https://graph.microsoft.com/v1.0/servicePrincipals")
    [ "$body" = "{\"appId\":\"$FAKE_AZ_CLIENT\"}" ] || { echo "fake az: unexpected body $body" >&2; exit 2; }
    echo "$FAKE_AZ_PRINCIPAL" > "$state/client-sp"; echo "$FAKE_AZ_PRINCIPAL" ;;
  "get https://graph.microsoft.com/v1.0/servicePrincipals/$FAKE_AZ_GRAPH_SP?\$select=appRoles")
    cat "$state/roles.tsv" ;;
  "get https://graph.microsoft.com/v1.0/servicePrincipals/$FAKE_AZ_PRINCIPAL/appRoleAssignments")
    cat "$state/assignments.tsv" ;;
  "post https://graph.microsoft.com/v1.0/servicePrincipals/$FAKE_AZ_PRINCIPAL/appRoleAssignments")
    if [ -n "$FAKE_AZ_DENY" ]; then
      echo 'ERROR: Forbidden({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}})' >&2; exit 1
    fi
    role="$(printf '%s' "$body" | sed -n 's/.*"appRoleId":"\([^"]*\)".*/\1/p')"
    n=$(wc -l < "$state/assignments.tsv")
    printf '%s\tassignment-%s\n' "$role" "$((n + 100))" >> "$state/assignments.tsv" ;;
  "delete https://graph.microsoft.com/v1.0/servicePrincipals/$FAKE_AZ_PRINCIPAL/appRoleAssignments/"*)
    id="$(basename "$url")"; grep -v "$(printf '\t')$id\$" "$state/assignments.tsv" > "$state/next.tsv"; mv "$state/next.tsv" "$state/assignments.tsv" ;;
  *) echo "fake az: unexpected call: $*" >&2; exit 2 ;;
esac
`;

interface HookRun {
  status: number | null;
  output: string;
  calls: string[];
  /** appRoleId of every assignment the identity holds afterwards. */
  holds: string[];
}

function setUp(name: string, assignments: Array<[string, string]>): string {
  const dir = path.join(temp, name);
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  writeFileSync(path.join(dir, 'bin', 'az'), FAKE_AZ);
  chmodSync(path.join(dir, 'bin', 'az'), 0o755);
  writeFileSync(path.join(dir, 'roles.tsv'), [...graphRoles].map(([value, id]) => `${value}\t${id}\n`).join(''));
  writeFileSync(path.join(dir, 'assignments.tsv'), assignments.map(([role, id]) => `${role}\t${id}\n`).join(''));
  writeFileSync(path.join(dir, 'calls.log'), '');
  return dir;
}

function runHook(dir: string, env: Record<string, string> = {}): HookRun {
  const result = spawnSync('bash', [path.join(ROOT, 'infra', 'hooks', 'grant-graph-permissions.sh')], {
    encoding: 'utf8',
    env: {
      PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: dir,
      FAKE_AZ_STATE: dir,
      FAKE_AZ_PRINCIPAL: PRINCIPAL,
      FAKE_AZ_GRAPH_SP: GRAPH_SP,
      FAKE_AZ_TENANT: TENANT,
      FAKE_AZ_CLIENT: CLIENT,
      AZURE_TENANT_ID: TENANT,
      MONITOR_IDENTITY_PRINCIPAL_ID: PRINCIPAL,
      GRAPH_APP_ROLES: graphAppRoles.join(','),
      GRAPH_GRANT_RETRY_SECONDS: '0',
      GRAPH_GRANT_WAIT_SECONDS: '30',
      ...env,
    },
  });
  return {
    status: result.status,
    output: `${result.stdout}${result.stderr}`,
    calls: readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean),
    holds: readFileSync(path.join(dir, 'assignments.tsv'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t')[0] as string)
      .sort(),
  };
}

const wantedIds = graphAppRoles.map((name) => graphRoles.get(name) as string).sort();
const posts = (run: HookRun) => run.calls.filter((c) => c.startsWith('rest --method post'));
const deletes = (run: HookRun) => run.calls.filter((c) => c.startsWith('rest --method delete'));

describe.skipIf(process.platform === 'win32')('infra/hooks/grant-graph-permissions.sh (fake az)', () => {
  it('grants exactly GRAPH_APP_ROLES: adds what is missing, keeps what is there, revokes the rest', () => {
    const dir = setUp('exact', [
      [graphRoles.get('User.Read.All') as string, 'assignment-1'],
      [graphRoles.get('Mail.Send') as string, 'assignment-2'],
      ['cccccccc-0000-0000-0000-000000000009', 'assignment-3'],
    ]);
    const run = runHook(dir);
    expect(run.status, run.output).toBe(0);
    expect(run.holds).toEqual(wantedIds);
    expect(posts(run)).toHaveLength(graphAppRoles.length - 1);
    expect(deletes(run).map((c) => c.split('/').pop()?.split(' ')[0])).toEqual(['assignment-2', 'assignment-3']);
    expect(run.output).toContain('User.Read.All: already granted');
    expect(run.output).toContain('Mail.Send: revoked (not in GRAPH_APP_ROLES)');
    expect(run.output).toContain(`the identity holds exactly: ${graphAppRoles.join(',')}`);

    // A second run changes nothing.
    writeFileSync(path.join(dir, 'calls.log'), '');
    const again = runHook(dir);
    expect(again.status).toBe(0);
    expect(posts(again)).toEqual([]);
    expect(deletes(again)).toEqual([]);
    expect(again.holds).toEqual(wantedIds);
  });

  it('waits for a just-created identity to appear in Microsoft Graph', () => {
    const dir = setUp('replication', []);
    const run = runHook(dir, { FAKE_AZ_SP_MISSING: '2' });
    expect(run.status, run.output).toBe(0);
    expect(run.calls.filter((c) => c.includes(`servicePrincipals/${PRINCIPAL}?$select=id`))).toHaveLength(3);
    expect(run.holds).toEqual(wantedIds);
  });

  it('without the right to grant: says who must run what, and lets azd go on unless strict', () => {
    const dir = setUp('denied', []);
    const run = runHook(dir, { FAKE_AZ_DENY: '1' });
    expect(run.status).toBe(0);
    expect(run.output).toContain('not allowed to grant');
    expect(run.output).toContain('Privileged Role Administrator or Global Administrator');
    expect(run.output).toContain('azd hooks run postprovision');
    expect(run.holds).toEqual([]);
    expect(runHook(setUp('denied-strict', []), { FAKE_AZ_DENY: '1', GRAPH_GRANT_STRICT: 'true' }).status).toBe(1);
  });

  it('refuses to work in another tenant than the identity', () => {
    const run = runHook(setUp('tenant', []), { FAKE_AZ_TENANT: '99999999-9999-9999-9999-999999999999' });
    expect(run.status).toBe(0);
    expect(run.output).toContain(`but the identity lives in ${TENANT}`);
    expect(run.calls.filter((c) => c.startsWith('rest'))).toEqual([]);
  });

  it('reports a permission name Microsoft Graph does not have', () => {
    const run = runHook(setUp('unknown', []), { GRAPH_APP_ROLES: `${graphAppRoles.join(',')},Nothing.Read.All`, GRAPH_GRANT_STRICT: 'true' });
    expect(run.status).toBe(1);
    expect(run.output).toContain("Microsoft Graph has no application permission named 'Nothing.Read.All'");
    expect(run.holds).toEqual(wantedIds);
  });

  it('onboards a customer tenant: creates the multi-tenant app\'s service principal there once, then grants it exactly GRAPH_APP_ROLES', () => {
    const dir = setUp('customer', [[graphRoles.get('Mail.Send') as string, 'assignment-7']]);
    const env = { CUSTOMER_TENANT_ID: TENANT, MULTITENANT_CLIENT_ID: CLIENT, MONITOR_IDENTITY_PRINCIPAL_ID: '', AZURE_TENANT_ID: '55555555-5555-5555-5555-555555555555' };
    const run = runHook(dir, env);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`created the service principal of app ${CLIENT} in tenant ${TENANT}`);
    expect(run.calls.filter((c) => c.startsWith('rest --method post --url https://graph.microsoft.com/v1.0/servicePrincipals '))).toHaveLength(1);
    expect(run.holds).toEqual(wantedIds);
    expect(run.output).toContain('Mail.Send: revoked');
    expect(run.output).toContain(`app ${CLIENT} holds exactly in tenant ${TENANT}: ${graphAppRoles.join(',')}`);
    writeFileSync(path.join(dir, 'calls.log'), '');
    const again = runHook(dir, env);
    expect(again.status, again.output).toBe(0);
    expect(again.output).not.toContain('created the service principal');
    expect(posts(again)).toEqual([]);
  });

  it('onboarding a customer tenant signed in elsewhere: refuses, and names the admin consent URL', () => {
    const run = runHook(setUp('customer-elsewhere', []), { CUSTOMER_TENANT_ID: '66666666-6666-6666-6666-666666666666', MULTITENANT_CLIENT_ID: CLIENT, MONITOR_IDENTITY_PRINCIPAL_ID: '' });
    expect(run.status).toBe(0);
    expect(run.output).toContain('not to the customer tenant 66666666-6666-6666-6666-666666666666');
    expect(run.output).toContain(`https://login.microsoftonline.com/66666666-6666-6666-6666-666666666666/adminconsent?client_id=${CLIENT}`);
    expect(run.calls.filter((c) => c.startsWith('rest'))).toEqual([]);
    const missing = runHook(setUp('customer-inputs', []), { CUSTOMER_TENANT_ID: TENANT, MULTITENANT_CLIENT_ID: '' });
    expect(missing.status).toBe(1);
    expect(missing.output).toContain('with CUSTOMER_TENANT_ID, MULTITENANT_CLIENT_ID and GRAPH_APP_ROLES must be set');
  });

  it('needs its inputs', () => {
    const run = runHook(setUp('inputs', []), { GRAPH_APP_ROLES: '' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('MONITOR_IDENTITY_PRINCIPAL_ID and GRAPH_APP_ROLES must be set');
  });
});

describe('infra/hooks/stage-package.mjs', () => {
  const project = path.join(temp, 'project');
  const out = path.join(project, 'dist', 'azd-package');
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
    writeFileSync(path.join(project, rel), text);
  };
  write('host.json', '{ "version": "2.0" }\n');
  write('package.json', JSON.stringify({ name: 'fake', version: '1.0.0', type: 'module', main: 'dist/src/functions/*.js', scripts: { build: 'tsc' } }));
  write('package-lock.json', JSON.stringify({ name: 'fake', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'fake', version: '1.0.0' } } }));
  write('dist/src/lib/helper.js', 'export const helper = 1;\n');
  write('dist/src/functions/a.js', "import { helper } from '../lib/helper.js';\nexport const a = helper;\n");
  write('src/functions/a.ts', 'export const a = 1;\n');
  write('src/lib/helper.ts', 'export const helper = 1;\n');
  write('test/a.test.ts', '');
  write('local.settings.json', '{}');
  // A dev-only package: present in the project's node_modules, absent from the package's.
  write('node_modules/devonly/package.json', JSON.stringify({ name: 'devonly', version: '1.0.0', type: 'module', main: 'index.js' }));
  write('node_modules/devonly/index.js', 'export default 1;\n');

  const stage = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'infra', 'hooks', 'stage-package.mjs'), '--root', project, ...args], { encoding: 'utf8' });

  it('stages host.json, package.json, the lockfile and dist/src, with no scripts and no sources', () => {
    const result = stage();
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(existsSync(path.join(out, 'host.json'))).toBe(true);
    expect(existsSync(path.join(out, 'package-lock.json'))).toBe(true);
    expect(existsSync(path.join(out, 'dist', 'src', 'functions', 'a.js'))).toBe(true);
    for (const absent of ['src', 'test', 'local.settings.json', path.join('node_modules', 'devonly')]) expect(existsSync(path.join(out, absent)), absent).toBe(false);
    const pkg = JSON.parse(readFileSync(path.join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.main).toBe('dist/src/functions/*.js');
    expect(result.stdout).toContain('1 function module(s) load from it alone');
  });

  it('fails when a function module imports a package the deployment would not contain', () => {
    write('dist/src/functions/b.js', "import devonly from 'devonly';\nexport const b = devonly;\n");
    write('src/functions/b.ts', '');
    const result = stage();
    rmSync(path.join(project, 'dist', 'src', 'functions', 'b.js'));
    rmSync(path.join(project, 'src', 'functions', 'b.ts'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('"devonly" resolves outside the deployment package');
  });

  it('fails when dist/src holds compiled code no source in src/ produced (a stale build or dev-kit code)', () => {
    write('dist/src/local/graph-simulator.js', 'export const stale = 1;\n');
    const result = stage();
    rmSync(path.join(project, 'dist', 'src', 'local'), { recursive: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dist/src/local/graph-simulator.js');
  });

  it('the project itself: its built dist/src holds only the app (no dev kit), and only dist/src is packaged', async () => {
    const hook = (await import(pathToFileURL(path.join(ROOT, 'infra', 'hooks', 'stage-package.mjs')).href)) as { strayFiles(root: string): string[]; PACKAGE_DIRS: string[] };
    expect(hook.PACKAGE_DIRS).toEqual(['dist/src']);
    expect(existsSync(path.join(ROOT, 'dist', 'src', 'functions')), 'npm test builds first').toBe(true);
    expect(hook.strayFiles(ROOT)).toEqual([]);
    expect(existsSync(path.join(ROOT, 'dist', 'src', 'local'))).toBe(false);
  });

  it('fails without a build, and --clean removes the staging directory', () => {
    expect(stage().status).toBe(0);
    expect(stage('--clean').status).toBe(0);
    expect(existsSync(out)).toBe(false);
    rmSync(path.join(project, 'dist', 'src'), { recursive: true });
    const result = stage();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dist/src is missing');
  });
});
