// Cross-checks between the infrastructure (infra/, azure.yaml, docs/deploy.md) and the code (SETTINGS,
// GRAPH_PERMISSIONS, the functions' %NAME% bindings). Each check returns the problems it finds as sentences,
// so a test can assert "none" on the real files and "this one" on a copy with something removed or added.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS as APP_SETTINGS, type SettingDoc } from '../../src/app/settings.js';
import { LOCAL_SETTINGS } from '../../devkit/host/local-settings.js';
import { MAX_DEQUEUE_COUNT } from '../../src/functions/lib/timers.js';

const SETTINGS = [...APP_SETTINGS, ...LOCAL_SETTINGS];
import { DATASET_PERMISSIONS, GRAPH_PERMISSIONS } from '../../src/collect/context.js';
import { type Entry, type Param, arrayStrings, blockAfter, objectEntries, outputs, params } from './bicep.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** SETTINGS of scope 'app' or 'storage' that infra deliberately does not set in Azure, each with the reason. */
export const UNSET_IN_AZURE: Readonly<Record<string, string>> = {
  AzureWebJobsStorage:
    'a connection string carries an account key; in Azure the host and the monitor use the identity-based AzureWebJobsStorage__accountName/__credential/__clientId, and the account refuses shared keys',
  ACS_CONNECTION_STRING:
    'carries a Communication Services access key; in Azure the monitor sends through ACS_ENDPOINT with the managed identity (setting both is an error in src/app/settings.ts)',
  AzureWebJobsStorage__tableServiceUri:
    'only for clouds where the account-name form builds the wrong host; the public-cloud deployment uses AzureWebJobsStorage__accountName',
  AzureWebJobsStorage__queueServiceUri:
    'only for clouds where the account-name form builds the wrong host; the public-cloud deployment uses AzureWebJobsStorage__accountName (queue triggers and the fan-out alike)',
};

/** App settings the platform reads (not the monitor's code) that infra sets, each with the reason. */
export const PLATFORM_SETTINGS: Readonly<Record<string, string>> = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'where the Functions host sends logs and telemetry',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'makes the host authenticate to Application Insights with the managed identity (local auth is disabled)',
};

/**
 * Settings a Flex Consumption app must not carry: functionAppConfig (runtime, deployment storage, scale)
 * replaces them and the platform rejects or ignores them.
 */
export const FLEX_UNSUPPORTED_SETTINGS: readonly string[] = [
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
];

export interface InfraSources {
  mainBicep: string;
  /** infra/modules/*.bicep by file name. */
  modules: Record<string, string>;
  /** infra/main.parameters.json. */
  parameters: string;
  azureYaml: string;
  hookSh: string;
  hookPs1: string;
  /** src/functions/*.ts by file name. */
  functions: Record<string, string>;
  deployMd: string;
  hostJson: string;
}

function read(rel: string): string {
  return readFileSync(path.join(ROOT, rel), 'utf8');
}

function readDir(rel: string, ext: string): Record<string, string> {
  const dir = path.join(ROOT, rel);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(ext))
      .sort()
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );
}

export function readSources(): InfraSources {
  return {
    mainBicep: read('infra/main.bicep'),
    modules: readDir('infra/modules', '.bicep'),
    parameters: read('infra/main.parameters.json'),
    azureYaml: read('azure.yaml'),
    hookSh: read('infra/hooks/grant-graph-permissions.sh'),
    hookPs1: read('infra/hooks/grant-graph-permissions.ps1'),
    functions: readDir('src/functions', '.ts'),
    deployMd: read('docs/deploy.md'),
    hostJson: read('host.json'),
  };
}

/** What the checks compare the infrastructure with; the tests pass altered copies to show both sides count. */
export interface CodeFacts {
  settings: readonly SettingDoc[];
  graphPermissions: ReadonlyArray<{ permission: string; datasets: string; withoutIt: string }>;
  datasetPermissions: Readonly<Record<string, string>>;
}

export const CODE: CodeFacts = { settings: SETTINGS, graphPermissions: GRAPH_PERMISSIONS, datasetPermissions: DATASET_PERMISSIONS };

function byName(code: CodeFacts): Map<string, SettingDoc> {
  return new Map(code.settings.map((s) => [s.name, s]));
}

/** The entries of `var appSettings = { ... }` in main.bicep (name and value expression), in order. */
export function bicepAppSettingEntries(src: InfraSources): Entry[] | undefined {
  const block = blockAfter(src.mainBicep, /^var appSettings\s*=/);
  return block ? objectEntries(block) : undefined;
}

/** name → value expression of the app settings in main.bicep. */
export function bicepAppSettings(src: InfraSources): Map<string, string> | undefined {
  const entries = bicepAppSettingEntries(src);
  return entries ? new Map(entries.map((e) => [e.key, e.value])) : undefined;
}

/** param name → azd environment variable it is read from (`"value": "${NAME}"` in main.parameters.json). */
export function parameterEnv(src: InfraSources): Map<string, string> {
  const parsed = JSON.parse(src.parameters) as { parameters?: Record<string, { value?: unknown }> };
  const map = new Map<string, string>();
  for (const [name, p] of Object.entries(parsed.parameters ?? {})) {
    const m = typeof p.value === 'string' ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(p.value) : null;
    if (m) map.set(name, m[1] as string);
  }
  return map;
}

/** (a) Every setting the code reads in Azure is an app setting, and every app setting is known. */
export function checkAppSettings(src: InfraSources, code: CodeFacts = CODE): string[] {
  const problems: string[] = [];
  const settingByName = byName(code);
  const entries = bicepAppSettingEntries(src);
  if (!entries) return ['infra/main.bicep has no `var appSettings = { ... }`'];
  const settings = new Map(entries.map((e) => [e.key, e.value]));
  const keys = entries.map((e) => e.key);
  for (const key of new Set(keys.filter((k, i) => keys.indexOf(k) !== i))) problems.push(`app setting ${key} is set twice in infra/main.bicep`);

  for (const name of Object.keys(UNSET_IN_AZURE)) {
    if (!settingByName.has(name)) problems.push(`UNSET_IN_AZURE names ${name}, which is not in SETTINGS (src/app/settings.ts)`);
  }
  for (const s of code.settings) {
    if (s.scope === 'local' || s.name in UNSET_IN_AZURE) continue;
    if (!settings.has(s.name)) problems.push(`setting ${s.name} (scope '${s.scope}') is read by the code but is not an app setting in infra/main.bicep`);
  }
  for (const name of settings.keys()) {
    const setting = settingByName.get(name);
    if (FLEX_UNSUPPORTED_SETTINGS.includes(name)) problems.push(`app setting ${name} is not supported on Flex Consumption (functionAppConfig replaces it)`);
    else if (name in PLATFORM_SETTINGS) continue;
    else if (!setting) problems.push(`app setting ${name} in infra/main.bicep is neither in SETTINGS (src/app/settings.ts) nor a known platform setting`);
    else if (setting.scope === 'local') problems.push(`app setting ${name} is local-only (scope 'local') and must not be set in Azure`);
    else if (name in UNSET_IN_AZURE) problems.push(`app setting ${name} must not be set in Azure: ${UNSET_IN_AZURE[name]}`);
  }

  const fn = src.modules['function-app.bicep'] ?? '';
  if (!/for\s+setting\s+in\s+items\(appSettings\)/.test(fn)) {
    problems.push('infra/modules/function-app.bicep must set the site\'s app settings from its appSettings parameter (for setting in items(appSettings))');
  }
  if (!/^\s*appSettings:\s*appSettings\s*$/m.test(src.mainBicep)) problems.push('infra/main.bicep must pass `appSettings: appSettings` to the function-app module');
  return problems;
}

/** The one main.bicep param an app setting's value is made from (the value itself, or a fallback around it). */
function settingParam(value: string, declared: Map<string, Param>): Param | undefined {
  const used = [...new Set(value.replace(/'(?:[^'\\]|\\.)*'/g, '').match(/\b[A-Za-z_][A-Za-z0-9_]*\b/g) ?? [])].filter((id) => declared.has(id));
  return used.length === 1 ? declared.get(used[0] as string) : undefined;
}

/** Defaults in Bicep equal the code's, and each configurable setting is read from the azd variable of its name. */
export function checkDefaultsAndParameters(src: InfraSources, code: CodeFacts = CODE): string[] {
  const problems: string[] = [];
  const settingByName = byName(code);
  const settings = bicepAppSettings(src) ?? new Map<string, string>();
  const declared = params(src.mainBicep);
  const env = parameterEnv(src);
  for (const [name, value] of settings) {
    const setting = settingByName.get(name);
    const param = settingParam(value, declared);
    if (!setting || !param) continue;
    if (value === param.name && !setting.default.startsWith('(') && param.literalDefault !== setting.default) {
      problems.push(`param ${param.name} defaults to ${JSON.stringify(param.literalDefault ?? param.defaultExpression)} but ${name} defaults to ${JSON.stringify(setting.default)} in src/app/settings.ts`);
    }
    if (env.get(param.name) !== name) {
      problems.push(`infra/main.parameters.json must read param ${param.name} from \${${name}} (found ${env.has(param.name) ? `\${${env.get(param.name)}}` : 'nothing'})`);
    }
  }
  for (const name of env.keys()) if (!declared.has(name)) problems.push(`infra/main.parameters.json sets ${name}, which infra/main.bicep does not declare`);
  for (const name of declared.keys()) if (!env.has(name)) problems.push(`param ${name} of infra/main.bicep is not mapped in infra/main.parameters.json`);
  return problems;
}

/** (c) Every %NAME% binding expression in src/functions/*.ts resolves to an app setting. */
export function checkBindingExpressions(src: InfraSources, code: CodeFacts = CODE): string[] {
  const problems: string[] = [];
  const settingByName = byName(code);
  const settings = bicepAppSettings(src) ?? new Map<string, string>();
  let found = 0;
  for (const [file, text] of Object.entries(src.functions)) {
    for (const m of text.matchAll(/%([A-Za-z0-9_]+)%/g)) {
      found++;
      const name = m[1] as string;
      if (!settings.has(name)) problems.push(`src/functions/${file} binds %${name}%, which is not an app setting in infra/main.bicep`);
      if (!settingByName.has(name)) problems.push(`src/functions/${file} binds %${name}%, which is not in SETTINGS (src/app/settings.ts)`);
    }
  }
  if (found === 0) problems.push('no %NAME% binding expression found in src/functions/*.ts (the timers read their schedules from app settings)');
  return problems;
}

const PERMISSION_NAME = /\b[A-Z][A-Za-z]+\.(?:Read|ReadWrite|Send|Manage)[A-Za-z.]*\b/g;

/** (b) The identity is granted exactly GRAPH_PERMISSIONS, by the hooks, from one list in main.bicep. */
export function checkGraphPermissions(src: InfraSources, code: CodeFacts = CODE): string[] {
  const problems: string[] = [];
  const needed = code.graphPermissions.map((p) => p.permission);
  for (const [dataset, permissions] of Object.entries(code.datasetPermissions)) {
    for (const p of permissions.split(',').map((x) => x.trim())) {
      if (!needed.includes(p)) problems.push(`DATASET_PERMISSIONS.${dataset} names ${p}, which is not in GRAPH_PERMISSIONS`);
    }
  }
  const block = blockAfter(src.mainBicep, /^var graphAppRoles\s*=/);
  if (!block) return [...problems, 'infra/main.bicep has no `var graphAppRoles = [ ... ]`'];
  const granted = arrayStrings(block);
  for (const p of new Set(granted.filter((g, i) => granted.indexOf(g) !== i))) problems.push(`graphAppRoles lists ${p} twice`);
  for (const p of needed) if (!granted.includes(p)) problems.push(`Graph permission ${p} (GRAPH_PERMISSIONS) is not granted: missing from graphAppRoles in infra/main.bicep`);
  for (const p of granted) if (!needed.includes(p)) problems.push(`graphAppRoles grants ${p}, which no collector needs (not in GRAPH_PERMISSIONS)`);

  const out = outputs(src.mainBicep);
  if (out.get('GRAPH_APP_ROLES')?.replace(/\s/g, '') !== "join(graphAppRoles,',')") problems.push("infra/main.bicep must output GRAPH_APP_ROLES = join(graphAppRoles, ',') for the hook");
  if (!out.has('MONITOR_IDENTITY_PRINCIPAL_ID')) problems.push('infra/main.bicep must output MONITOR_IDENTITY_PRINCIPAL_ID for the hook');

  for (const [file, text] of [
    ['infra/hooks/grant-graph-permissions.sh', src.hookSh],
    ['infra/hooks/grant-graph-permissions.ps1', src.hookPs1],
  ] as const) {
    for (const variable of ['GRAPH_APP_ROLES', 'MONITOR_IDENTITY_PRINCIPAL_ID']) {
      if (!text.includes(variable)) problems.push(`${file} does not read ${variable}`);
    }
    if (!/appRoleAssignments/.test(text)) problems.push(`${file} does not create app role assignments`);
    for (const m of text.matchAll(PERMISSION_NAME)) problems.push(`${file} names the permission ${m[0]}: the hook must grant only what GRAPH_APP_ROLES lists`);
  }
  const hooks = /^hooks:\s*\n([\s\S]*)$/m.exec(src.azureYaml)?.[1] ?? '';
  if (!/postprovision:[\s\S]*grant-graph-permissions\.sh/.test(hooks)) problems.push('azure.yaml does not run infra/hooks/grant-graph-permissions.sh after provisioning');
  if (!/postprovision:[\s\S]*grant-graph-permissions\.ps1/.test(hooks)) problems.push('azure.yaml does not run infra/hooks/grant-graph-permissions.ps1 after provisioning (Windows)');
  return problems;
}

/** azure.yaml and the Bicep agree on the service, and the package is the staged one. */
export function checkAzureYaml(src: InfraSources): string[] {
  const problems: string[] = [];
  const service = /^services:\s*\n\s{2}([A-Za-z0-9-]+):\s*\n((?:\s{4}.*\n?)*)/m.exec(src.azureYaml);
  if (!service) return ['azure.yaml declares no service'];
  const name = service[1] as string;
  const body = service[2] as string;
  if (!new RegExp(`serviceName:\\s*'${name}'`).test(src.mainBicep)) problems.push(`azure.yaml service '${name}' is not the azd-service-name infra/main.bicep tags the Function App with`);
  const expected: Array<[string, string]> = [
    ['project', '.'],
    ['language', 'ts'],
    ['host', 'function'],
    ['dist', 'dist/azd-package'],
    ['remoteBuild', 'false'],
  ];
  for (const [key, value] of expected) {
    if (!new RegExp(`^\\s{4}${key}:\\s*${value.replace(/[.]/g, '\\.')}\\s*$`, 'm').test(body)) problems.push(`azure.yaml service '${name}' must have ${key}: ${value}`);
  }
  if (!/prepackage:[\s\S]*npm ci[\s\S]*npm run build[\s\S]*stage-package\.mjs/.test(body)) problems.push('azure.yaml must build (npm ci && npm run build) and stage the package before packaging');
  return problems;
}

/** Markdown table of GRAPH_PERMISSIONS as docs/deploy.md shows it. */
export function graphPermissionTable(code: CodeFacts = CODE): string {
  const rows = code.graphPermissions.map((p) => `| \`${p.permission}\` | ${p.datasets} | ${p.withoutIt} |`);
  return ['| Permission | Datasets | Without it |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Markdown table of the settings an operator sets with `azd env set`, as docs/deploy.md shows it. */
export function configurableSettingsTable(src: InfraSources, code: CodeFacts = CODE): string {
  const settingByName = byName(code);
  const settings = bicepAppSettings(src) ?? new Map<string, string>();
  const declared = params(src.mainBicep);
  const rows: string[] = [];
  for (const [name, value] of settings) {
    const setting = settingByName.get(name);
    if (!setting || !settingParam(value, declared)) continue;
    const shown = !declared.has(value) ? 'set by infra when empty (below)' : setting.default === '' ? '(empty)' : `\`${setting.default}\``;
    rows.push(`| \`${name}\` | ${shown} | ${setting.description} |`);
  }
  return ['| azd variable = app setting | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

function generatedBlock(md: string, id: string): string | undefined {
  const m = new RegExp(`<!-- generated:${id} -->\\n([\\s\\S]*?)\\n<!-- end:${id} -->`).exec(md);
  return m?.[1];
}

/** docs/deploy.md carries the current generated tables. */
export function checkDocs(src: InfraSources, code: CodeFacts = CODE): string[] {
  const problems: string[] = [];
  for (const [id, table] of [
    ['graph-permissions', graphPermissionTable(code)],
    ['settings', configurableSettingsTable(src, code)],
  ] as const) {
    const block = generatedBlock(src.deployMd, id);
    if (block === undefined) problems.push(`docs/deploy.md has no <!-- generated:${id} --> ... <!-- end:${id} --> block`);
    else if (block.trim() !== table.trim()) problems.push(`docs/deploy.md table '${id}' is out of date; it should read:\n${table}`);
  }
  for (const name of Object.keys(UNSET_IN_AZURE)) if (!src.deployMd.includes(name)) problems.push(`docs/deploy.md does not explain why ${name} is not set in Azure`);
  for (const variable of parameterEnv(src).values()) {
    if (variable !== 'AZURE_ENV_NAME' && !src.deployMd.includes(`\`${variable}\``)) problems.push(`docs/deploy.md does not document the azd variable ${variable}`);
  }
  return problems;
}

/**
 * (d) The tenant work queues: the storage module creates the queue MONITOR_WORK_QUEUE names and its poison
 * queue, main.bicep hands it the same parameter the app setting comes from, the identity may use queues, and
 * host.json sets the delivery count the code's dead-letter finding quotes (MAX_DEQUEUE_COUNT).
 */
/** host.json `extensions.queues` ({} when absent), or undefined when host.json is not JSON. */
function hostJsonQueues(src: InfraSources): Record<string, unknown> | undefined {
  try {
    return ((JSON.parse(src.hostJson) as { extensions?: { queues?: Record<string, unknown> } }).extensions?.queues ?? {}) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function checkQueues(src: InfraSources, maxDequeueCount: number): string[] {
  const problems: string[] = [];
  const storage = src.modules['storage.bicep'] ?? '';
  if (!/for queueName in \[workQueueName, '\$\{workQueueName\}-poison'\]/.test(storage)) problems.push("infra/modules/storage.bicep must create the work queue and its poison queue (for queueName in [workQueueName, '${workQueueName}-poison'])");
  if (!/Storage Queue Data Contributor/.test(storage)) problems.push('infra/modules/storage.bicep must give the identity Storage Queue Data Contributor (the fan-out sends, the triggers receive)');
  const setting = bicepAppSettings(src)?.get('MONITOR_WORK_QUEUE');
  if (!setting) problems.push('infra/main.bicep does not set MONITOR_WORK_QUEUE');
  else if (!new RegExp(`^\\s*workQueueName:\\s*${setting}\\s*$`, 'm').test(src.mainBicep)) problems.push(`infra/main.bicep must pass workQueueName: ${setting} to the storage module (the queue the app setting names)`);
  const parsed = hostJsonQueues(src);
  if (!parsed) problems.push('host.json is not JSON');
  const queues = parsed ?? {};
  if (queues.maxDequeueCount !== maxDequeueCount) problems.push(`host.json extensions.queues.maxDequeueCount is ${JSON.stringify(queues.maxDequeueCount)}, the code says ${maxDequeueCount} (src/functions/lib/timers.ts MAX_DEQUEUE_COUNT)`);
  if (queues.messageEncoding !== undefined && queues.messageEncoding !== 'base64') problems.push('host.json extensions.queues.messageEncoding must be base64 (src/storage/queue.ts encodes so)');
  return problems;
}

/**
 * The scale the tenants bench models (docs/tenants.md "Concurrency and scale"): host.json's per-instance
 * concurrency within the queue extension's limits (batchSize at most 32), and the Bicep's instance limit the
 * bench's scale-out assumes.
 */
export function checkScale(src: InfraSources, benchMaxInstances: number): string[] {
  const problems: string[] = [];
  const queues = hostJsonQueues(src);
  if (!queues) return ['host.json is not JSON'];
  const batch = queues.batchSize;
  if (typeof batch !== 'number' || !Number.isInteger(batch) || batch < 1 || batch > 32) problems.push(`host.json extensions.queues.batchSize must be an integer 1-32 (the queue extension's maximum), got ${JSON.stringify(batch)}`);
  const threshold = queues.newBatchThreshold;
  if (threshold !== undefined && (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 0)) problems.push(`host.json extensions.queues.newBatchThreshold must be a whole number, got ${JSON.stringify(threshold)}`);
  const max = /^param maximumInstanceCount int = (\d+)\s*$/m.exec(src.mainBicep)?.[1];
  if (max === undefined) problems.push('infra/main.bicep must declare param maximumInstanceCount int = <n>');
  else if (Number(max) !== benchMaxInstances) problems.push(`infra/main.bicep maximumInstanceCount defaults to ${max}, the tenants bench scales out to at most ${benchMaxInstances} (devkit/bench/tenants.ts MAX_INSTANCES)`);
  return problems;
}

export function checkAll(src: InfraSources, code: CodeFacts = CODE): string[] {
  return [
    ...checkQueues(src, MAX_DEQUEUE_COUNT),
    ...checkAppSettings(src, code),
    ...checkDefaultsAndParameters(src, code),
    ...checkBindingExpressions(src, code),
    ...checkGraphPermissions(src, code),
    ...checkAzureYaml(src),
    ...checkDocs(src, code),
  ];
}
