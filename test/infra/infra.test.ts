// Infrastructure ↔ code cross-checks (no Bicep compiler here): the app settings in infra/main.bicep against
// SETTINGS, the granted Graph permissions against GRAPH_PERMISSIONS, the timers' %NAME% bindings against the
// app settings, azure.yaml against the Bicep, docs/deploy.md against all of them. Each check is also run on
// altered copies (a setting or permission removed or added, on either side) to show that it fails.
import { describe, expect, it } from 'vitest';
import {
  CODE,
  type CodeFacts,
  FLEX_UNSUPPORTED_SETTINGS,
  type InfraSources,
  PLATFORM_SETTINGS,
  UNSET_IN_AZURE,
  bicepAppSettings,
  checkAll,
  checkAppSettings,
  checkAzureYaml,
  checkBindingExpressions,
  checkDefaultsAndParameters,
  checkDocs,
  checkGraphPermissions,
  checkQueues,
  checkScale,
  readSources,
} from './checks.js';
import { params } from './bicep.js';
import { MAX_DEQUEUE_COUNT } from '../../src/functions/lib/timers.js';
import { MAX_INSTANCES } from '../../devkit/bench/tenants.js';

const sources = readSources();

/** A copy of the sources with one text changed; fails the test if the change did not apply. */
function altered(field: 'mainBicep' | 'parameters' | 'azureYaml' | 'hookSh' | 'hookPs1' | 'deployMd', from: string | RegExp, to: string): InfraSources {
  const before = sources[field];
  const after = before.replace(from, to);
  expect(after, `the alteration of ${field} must change it`).not.toBe(before);
  return { ...sources, [field]: after };
}

function withFunctions(functions: Record<string, string>): InfraSources {
  return { ...sources, functions };
}

/** Removes the `NAME: value` line of one app setting from main.bicep's appSettings block. */
function withoutSetting(name: string): InfraSources {
  return altered('mainBicep', new RegExp(`^\\s*${name}:.*\\n`, 'm'), '');
}

/** Adds an app setting line to main.bicep's appSettings block. */
function withSetting(line: string): InfraSources {
  return altered('mainBicep', /^(var appSettings = \{\n)/m, `$1  ${line}\n`);
}

function codeWith(change: Partial<CodeFacts>): CodeFacts {
  return { ...CODE, ...change };
}

const azureSettings = CODE.settings.filter((s) => s.scope !== 'local' && !(s.name in UNSET_IN_AZURE));

describe('the real infrastructure agrees with the code', () => {
  it('passes every check', () => {
    expect(checkAll(sources)).toEqual([]);
  });

  it('sets every app/storage setting except the documented exceptions, and the platform settings, and nothing else', () => {
    const set = [...(bicepAppSettings(sources)?.keys() ?? [])].sort();
    expect(set).toEqual([...azureSettings.map((s) => s.name), ...Object.keys(PLATFORM_SETTINGS)].sort());
    // The exceptions are few and each has a reason.
    expect(Object.keys(UNSET_IN_AZURE).sort()).toEqual(['ACS_CONNECTION_STRING', 'AzureWebJobsStorage', 'AzureWebJobsStorage__queueServiceUri', 'AzureWebJobsStorage__tableServiceUri']);
    for (const reason of Object.values(UNSET_IN_AZURE)) expect(reason.length).toBeGreaterThan(40);
  });

  it('grants Graph permissions from one list equal to GRAPH_PERMISSIONS', () => {
    expect(checkGraphPermissions(sources)).toEqual([]);
    expect(CODE.graphPermissions.length).toBeGreaterThanOrEqual(8);
  });

  it('binds every timer schedule and the work queues to an app setting', () => {
    const bound = Object.values(sources.functions).flatMap((t) => [...t.matchAll(/%([A-Z0-9_]+)%/g)].map((m) => m[1]));
    expect(bound.sort()).toEqual(['MONITOR_WORK_QUEUE', 'MONITOR_WORK_QUEUE', 'SCHEDULE_ACTIVATIONS', 'SCHEDULE_CHANGEFEED', 'SCHEDULE_EVALUATE', 'SCHEDULE_FANOUT', 'SCHEDULE_MSP_DIGEST', 'SCHEDULE_POLICIES', 'SCHEDULE_ROLES', 'SCHEDULE_SECURE_SCORE', 'SCHEDULE_SIGNINS']);
    expect(checkBindingExpressions(sources)).toEqual([]);
  });

  it('keeps every default equal to the code default', () => {
    expect(checkDefaultsAndParameters(sources)).toEqual([]);
    const declared = params(sources.mainBicep);
    expect(declared.get('scheduleSignIns')?.literalDefault).toBe('0 */10 * * * *');
  });
});

describe('(a) app settings: a setting removed or added on either side fails', () => {
  it.each(azureSettings.map((s) => s.name))('fails when %s is removed from the Bicep', (name) => {
    const problems = checkAppSettings(withoutSetting(name));
    expect(problems.join('\n')).toContain(`setting ${name} (scope`);
  });

  it('fails when the code reads a setting the Bicep does not set', () => {
    const code = codeWith({ settings: [...CODE.settings, { name: 'NEW_SETTING', default: '', description: 'new', scope: 'app' }] });
    expect(checkAppSettings(sources, code)).toEqual([`setting NEW_SETTING (scope 'app') is read by the code but is not an app setting in infra/main.bicep`]);
  });

  it('fails when the Bicep sets a setting the code no longer reads', () => {
    const code = codeWith({ settings: CODE.settings.filter((s) => s.name !== 'REPORT_URL') });
    expect(checkAppSettings(sources, code)).toEqual(['app setting REPORT_URL in infra/main.bicep is neither in SETTINGS (src/app/settings.ts) nor a known platform setting']);
  });

  it('fails on an unknown app setting', () => {
    expect(checkAppSettings(withSetting("SOMETHING_ELSE: 'x'"))).toEqual([
      'app setting SOMETHING_ELSE in infra/main.bicep is neither in SETTINGS (src/app/settings.ts) nor a known platform setting',
    ]);
  });

  it('fails on a key-bearing setting, a local-only setting, a Flex-unsupported setting and a duplicate', () => {
    expect(checkAppSettings(withSetting("ACS_CONNECTION_STRING: 'endpoint=https://x;accesskey=y'"))[0]).toMatch(/^app setting ACS_CONNECTION_STRING must not be set in Azure: /);
    expect(checkAppSettings(withSetting("AzureWebJobsStorage: 'UseDevelopmentStorage=true'"))[0]).toMatch(/^app setting AzureWebJobsStorage must not be set in Azure: /);
    expect(checkAppSettings(withSetting("MONITOR_TENANT_FIXTURE: 'fixtures/demo-tenant.json'"))).toEqual([
      "app setting MONITOR_TENANT_FIXTURE is local-only (scope 'local') and must not be set in Azure",
    ]);
    for (const name of FLEX_UNSUPPORTED_SETTINGS) {
      expect(checkAppSettings(withSetting(`${name}: 'x'`))).toEqual([`app setting ${name} is not supported on Flex Consumption (functionAppConfig replaces it)`]);
    }
    expect(checkAppSettings(withSetting("REPORT_URL: ''"))).toEqual(['app setting REPORT_URL is set twice in infra/main.bicep']);
  });

  it('fails when the module stops using the settings main.bicep builds', () => {
    const module = (sources.modules['function-app.bicep'] ?? '').replace('items(appSettings)', 'items({})');
    expect(checkAppSettings({ ...sources, modules: { ...sources.modules, 'function-app.bicep': module } })).toHaveLength(1);
    expect(checkAppSettings(altered('mainBicep', /^\s*appSettings: appSettings\s*$/m, '    appSettings: {}'))).toHaveLength(1);
  });

  it('fails when the appSettings block is gone', () => {
    expect(checkAppSettings(altered('mainBicep', 'var appSettings = {', 'var settings = {'))).toEqual(['infra/main.bicep has no `var appSettings = { ... }`']);
  });
});

describe('defaults and azd variables', () => {
  it('fails when a Bicep default differs from the code default', () => {
    expect(checkDefaultsAndParameters(altered('mainBicep', "param scheduleRoles string = '0 0 */6 * * *'", "param scheduleRoles string = '0 */5 * * * *'"))).toEqual([
      'param scheduleRoles defaults to "0 */5 * * * *" but SCHEDULE_ROLES defaults to "0 0 */6 * * *" in src/app/settings.ts',
    ]);
    const code = codeWith({ settings: CODE.settings.map((s) => (s.name === 'MONITOR_TABLE_PREFIX' ? { ...s, default: 'mfa' } : s)) });
    expect(checkDefaultsAndParameters(sources, code)).toEqual(['param monitorTablePrefix defaults to "mfamon" but MONITOR_TABLE_PREFIX defaults to "mfa" in src/app/settings.ts']);
  });

  it('fails when a setting is not read from the azd variable of its name', () => {
    expect(checkDefaultsAndParameters(altered('parameters', '${ALERT_RECIPIENTS}', '${RECIPIENTS}'))).toEqual([
      'infra/main.parameters.json must read param alertRecipients from ${ALERT_RECIPIENTS} (found ${RECIPIENTS})',
    ]);
    expect(checkDefaultsAndParameters(altered('parameters', '${ALERT_SENDER}', '${SENDER}'))).toEqual([
      'infra/main.parameters.json must read param alertSender from ${ALERT_SENDER} (found ${SENDER})',
    ]);
  });

  it('fails when a param is not mapped or a mapping names no param', () => {
    const parsed = JSON.parse(sources.parameters) as { parameters: Record<string, unknown> };
    const { logDailyCapGb: _dropped, ...rest } = parsed.parameters;
    const without = { ...sources, parameters: JSON.stringify({ ...parsed, parameters: { ...rest, typo: { value: '${TYPO}' } } }) };
    expect(checkDefaultsAndParameters(without).sort()).toEqual([
      'infra/main.parameters.json sets typo, which infra/main.bicep does not declare',
      'param logDailyCapGb of infra/main.bicep is not mapped in infra/main.parameters.json',
    ]);
  });
});

describe('(c) timer schedules', () => {
  it('fails when a schedule the timers bind is missing from the Bicep', () => {
    expect(checkBindingExpressions(withoutSetting('SCHEDULE_SIGNINS'))).toEqual([
      'src/functions/collectSignIns.ts binds %SCHEDULE_SIGNINS%, which is not an app setting in infra/main.bicep',
    ]);
  });

  it('fails when a function binds a setting that exists nowhere', () => {
    const functions = { ...sources.functions, 'extra.ts': "registerTimer('extra', { schedule: '%SCHEDULE_EXTRA%', handler });" };
    expect(checkBindingExpressions(withFunctions(functions))).toEqual([
      'src/functions/extra.ts binds %SCHEDULE_EXTRA%, which is not an app setting in infra/main.bicep',
      'src/functions/extra.ts binds %SCHEDULE_EXTRA%, which is not in SETTINGS (src/app/settings.ts)',
    ]);
  });

  it('fails when no binding is found at all (the scan must see the timers)', () => {
    expect(checkBindingExpressions(withFunctions({}))).toHaveLength(1);
  });
});

describe('(d) the tenant work queues', () => {
  it('agree on the real files', () => {
    expect(checkQueues(sources, MAX_DEQUEUE_COUNT)).toEqual([]);
  });

  it('fail when the storage module stops creating the poison queue', () => {
    const modules = { ...sources.modules, 'storage.bicep': (sources.modules['storage.bicep'] ?? '').replace("'${workQueueName}-poison'", "'other'") };
    expect(checkQueues({ ...sources, modules }, MAX_DEQUEUE_COUNT).join('\n')).toMatch(/must create the work queue and its poison queue/);
  });

  it('fail when main.bicep hands the storage module another queue than the app setting names', () => {
    expect(checkQueues({ ...sources, mainBicep: sources.mainBicep.replace('workQueueName: monitorWorkQueue', "workQueueName: 'elsewhere'") }, MAX_DEQUEUE_COUNT).join('\n')).toMatch(/must pass workQueueName: monitorWorkQueue/);
  });

  it('fail when host.json and the code disagree on the delivery count', () => {
    expect(checkQueues(sources, MAX_DEQUEUE_COUNT + 1).join('\n')).toMatch(/maxDequeueCount is 5, the code says 6/);
  });

  it('scale as the tenants bench models it: host.json concurrency within the extension\'s limits, the Bicep\'s instance limit', () => {
    expect(checkScale(sources, MAX_INSTANCES)).toEqual([]);
    expect(checkScale({ ...sources, hostJson: sources.hostJson.replace('"batchSize": 16', '"batchSize": 64') }, MAX_INSTANCES).join('\n')).toMatch(/batchSize must be an integer 1-32/);
    expect(checkScale({ ...sources, mainBicep: sources.mainBicep.replace('param maximumInstanceCount int = 40', 'param maximumInstanceCount int = 100') }, MAX_INSTANCES).join('\n')).toMatch(/defaults to 100, the tenants bench scales out to at most 40/);
  });
});

describe('(b) Graph permissions: removed or added on either side fails', () => {
  it.each(CODE.graphPermissions.map((p) => p.permission))('fails when %s is not granted', (permission) => {
    const problems = checkGraphPermissions(altered('mainBicep', new RegExp(`^\\s*'${permission.replace(/\./g, '\\.')}'\\n`, 'm'), ''));
    expect(problems).toEqual([`Graph permission ${permission} (GRAPH_PERMISSIONS) is not granted: missing from graphAppRoles in infra/main.bicep`]);
  });

  it('fails when the Bicep grants a permission no collector needs', () => {
    expect(checkGraphPermissions(altered('mainBicep', /^(var graphAppRoles = \[\n)/m, "$1  'Directory.ReadWrite.All'\n"))).toEqual([
      'graphAppRoles grants Directory.ReadWrite.All, which no collector needs (not in GRAPH_PERMISSIONS)',
    ]);
  });

  it('fails when the code needs a permission the Bicep does not grant, or no longer needs one it grants', () => {
    const more = codeWith({ graphPermissions: [...CODE.graphPermissions, { permission: 'IdentityRiskEvent.Read.All', datasets: 'risk detections', withoutIt: 'no risk' }] });
    expect(checkGraphPermissions(sources, more)).toEqual(['Graph permission IdentityRiskEvent.Read.All (GRAPH_PERMISSIONS) is not granted: missing from graphAppRoles in infra/main.bicep']);
    const fewer = codeWith({
      graphPermissions: CODE.graphPermissions.filter((p) => p.permission !== 'User.Read.All'),
      // No dataset needs it either (the accounts and controllers datasets read with it today).
      datasetPermissions: Object.fromEntries(Object.entries(CODE.datasetPermissions).filter(([, permission]) => !permission.split(', ').includes('User.Read.All'))) as typeof CODE.datasetPermissions,
    });
    expect(checkGraphPermissions(sources, fewer)).toEqual(['graphAppRoles grants User.Read.All, which no collector needs (not in GRAPH_PERMISSIONS)']);
  });

  it('fails when a dataset names a permission outside GRAPH_PERMISSIONS', () => {
    const code = codeWith({ datasetPermissions: { ...CODE.datasetPermissions, signIns: 'AuditLogsQuery.Read.All' } });
    expect(checkGraphPermissions(sources, code)).toEqual(['DATASET_PERMISSIONS.signIns names AuditLogsQuery.Read.All, which is not in GRAPH_PERMISSIONS']);
  });

  it('fails when the hook would grant something by name, or is not wired', () => {
    expect(checkGraphPermissions(altered('hookSh', 'wanted_csv="${GRAPH_APP_ROLES:-}"', 'wanted_csv="${GRAPH_APP_ROLES:-},Mail.Send"'))).toEqual([
      'infra/hooks/grant-graph-permissions.sh names the permission Mail.Send: the hook must grant only what GRAPH_APP_ROLES lists',
    ]);
    expect(checkGraphPermissions(altered('hookPs1', /GRAPH_APP_ROLES/g, 'ROLES'))).toEqual(['infra/hooks/grant-graph-permissions.ps1 does not read GRAPH_APP_ROLES']);
    expect(checkGraphPermissions(altered('mainBicep', "join(graphAppRoles, ',')", "join(graphAppRoles, ';')"))).toHaveLength(1);
    expect(checkGraphPermissions(altered('azureYaml', 'run: bash infra/hooks/grant-graph-permissions.sh', 'run: echo skipped'))).toEqual([
      'azure.yaml does not run infra/hooks/grant-graph-permissions.sh after provisioning',
    ]);
  });
});

describe('azure.yaml and docs', () => {
  it('fails when azure.yaml and the Bicep disagree on the service or the package', () => {
    expect(checkAzureYaml(sources)).toEqual([]);
    expect(checkAzureYaml(altered('azureYaml', /^ {2}monitor:$/m, '  api:'))).toEqual(["azure.yaml service 'api' is not the azd-service-name infra/main.bicep tags the Function App with"]);
    expect(checkAzureYaml(altered('azureYaml', 'remoteBuild: false', 'remoteBuild: true'))).toEqual(["azure.yaml service 'monitor' must have remoteBuild: false"]);
  });

  it('fails when a generated table in docs/deploy.md is stale', () => {
    expect(checkDocs(sources)).toEqual([]);
    const [first] = CODE.graphPermissions;
    const stale = altered('deployMd', `| ${first?.withoutIt} |`, '| something else |');
    expect(checkDocs(stale)[0]).toMatch(/^docs\/deploy\.md table 'graph-permissions' is out of date/);
    expect(checkDocs(withoutSetting('REPORT_URL'))[0]).toMatch(/^docs\/deploy\.md table 'settings' is out of date/);
    expect(checkDocs(altered('deployMd', '| `LOG_DAILY_CAP_GB` |', '| `LOG_CAP` |'))).toEqual(['docs/deploy.md does not document the azd variable LOG_DAILY_CAP_GB']);
  });
});
