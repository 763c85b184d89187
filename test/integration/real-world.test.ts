// Real-world cases: published Conditional Access baselines and peers' own test inputs, with verdicts judged from
// Microsoft's documentation, kept outside the project in ../shared/real-world (its data is never copied here).
// Its runner drives the built CLI (`check --tenant F --json`) case by case; every case must agree. `npm test`
// builds first. Where the directory is not there (a CI checkout without it), the suite is skipped and says why.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REAL_WORLD = path.resolve(ROOT, '..', 'shared', 'real-world');
const RUNNER = path.join(REAL_WORLD, 'run.sh');
const BUILT = path.join(ROOT, 'dist', 'devkit', 'cli', 'main.js');

function runner(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [RUNNER, '.'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

const missing = !existsSync(RUNNER) ? `${REAL_WORLD} not found` : !existsSync(BUILT) ? 'the project is not built (npm run build)' : undefined;
if (missing) console.warn(`[real-world cases] skipping: ${missing}`);

(missing ? describe.skip : describe)(`real-world cases (../shared/real-world)${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('every published baseline and peer test case agrees with its judged verdict', async () => {
    const { code, out } = await runner();
    const lines = out.trim().split('\n');
    const last = lines.at(-1) ?? '';
    const agree = /^(\d+)\/(\d+) real-world cases agree$/.exec(last);
    const failures = lines.filter((l) => l.startsWith('FAIL') || l.startsWith('     ')).join('\n');
    expect(agree, `last line: ${last}\n${failures}`).not.toBeNull();
    expect(agree?.[1], failures).toBe(agree?.[2]);
    expect(Number(agree?.[2])).toBeGreaterThanOrEqual(196);
    expect(code, failures).toBe(0);
  }, 900_000);
});
