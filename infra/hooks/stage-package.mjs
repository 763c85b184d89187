// Builds the deployment package azd uploads (azure.yaml: `dist: dist/azd-package`, `remoteBuild: false`):
// host.json, package.json, package-lock.json, the compiled dist/src and the production dependencies only.
// The project's node_modules holds the dev tools as well (TypeScript, Vitest, ESLint, Playwright, the
// optional Azurite): zipping it would ship several hundred MB that the Functions host never loads.
//
//   node infra/hooks/stage-package.mjs            stage (after `npm run build`), then check the package
//   node infra/hooks/stage-package.mjs --clean    remove the staging directory (postpackage)
//   options: --root <project dir> (default: two levels above this file), --out <dir> (default:
//            <root>/dist/azd-package)
//
// The check imports every function module from the staged copy with Node refusing any import that resolves
// outside it, so a runtime import of a dev-only package fails here instead of in Azure.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the Functions host needs at run time, relative to the project root. */
export const PACKAGE_FILES = ['host.json', 'package.json', 'package-lock.json'];
export const PACKAGE_DIRS = ['dist/src'];

function option(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function fail(message) {
  console.error(`stage-package: ${message}`);
  process.exit(1);
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status ?? result.signal})`);
}

/** Files the package.json `main` glob names (the host indexes functions from them). */
function mainFiles(dir) {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const main = String(pkg.main ?? '');
  const folder = path.join(dir, path.dirname(main));
  const pattern = new RegExp(`^${path.basename(main).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  if (!main || !existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => pattern.test(name))
    .map((name) => path.join(folder, name));
}

// An ESM resolve hook (data: URL, registered in the checking process) that rejects file URLs outside the
// staged package: the project's own node_modules, one level up, must not hide a missing dependency.
const confineHook = `
let root;
export function initialize(data) { root = data.root; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:') && !resolved.url.startsWith(root)) {
    throw new Error('"' + specifier + '" resolves outside the deployment package: ' + resolved.url);
  }
  return resolved;
}`;

function check(out) {
  const files = mainFiles(out);
  if (files.length === 0) fail(`package.json "main" matches no file in ${out}`);
  const root = pathToFileURL(out + path.sep).href;
  const script = `
import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(confineHook)}`)}, import.meta.url, { data: { root: ${JSON.stringify(root)} } });
for (const file of ${JSON.stringify(files.map((f) => pathToFileURL(f).href))}) await import(file);
process.exit(0);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: out, encoding: 'utf8' });
  if (result.status !== 0) fail(`a function module does not load from the package:\n${result.stderr || result.stdout}`);
  return files.length;
}

/**
 * Compiled files in dist/src that no source in src/ produced: a stale build, or dev-kit code (the simulated
 * tenant, emulators, bench and local host build to dist/devkit). Neither may ship.
 */
export function strayFiles(root) {
  const compiled = path.join(root, 'dist', 'src');
  if (!existsSync(compiled)) return [];
  const stray = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else {
        const rel = path.relative(compiled, file).replace(/(\.d\.ts|\.js)(\.map)?$/, '.ts');
        if (!existsSync(path.join(root, 'src', rel))) stray.push(path.relative(root, file));
      }
    }
  };
  walk(compiled);
  return stray.sort();
}

export function stage(root, out) {
  for (const file of PACKAGE_FILES) if (!existsSync(path.join(root, file))) fail(`${file} is missing in ${root}`);
  for (const dir of PACKAGE_DIRS) if (!existsSync(path.join(root, dir))) fail(`${dir} is missing in ${root}: run npm run build first`);
  const stray = strayFiles(root);
  if (stray.length > 0) fail(`dist/src holds files no source in src/ produced (a stale build, or dev-kit code); rebuild from clean (rm -rf dist && npm run build):\n  ${stray.slice(0, 20).join('\n  ')}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const item of [...PACKAGE_FILES, ...PACKAGE_DIRS]) cpSync(path.join(root, item), path.join(out, item), { recursive: true });
  // Exactly the lockfile's production dependencies, from the npm cache the project's own `npm ci` filled.
  run('npm', ['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], out);
  // The package is deployed as built (no remote build): keep no scripts or dev dependencies that a build
  // service could try to run.
  const pkgFile = path.join(out, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  delete pkg.scripts;
  delete pkg.devDependencies;
  delete pkg.optionalDependencies;
  writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  const modules = check(out);
  console.log(`stage-package: ${out} holds host.json, package.json, dist/src and production node_modules; ${modules} function module(s) load from it alone`);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const root = path.resolve(option(args, '--root') ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
  const out = path.resolve(option(args, '--out') ?? path.join(root, 'dist', 'azd-package'));
  if (args.includes('--clean')) rmSync(out, { recursive: true, force: true });
  else stage(root, out);
}
