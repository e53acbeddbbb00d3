// Environment variable names a container cannot be given are refused at plan time, with
// the Starlark position of the add_service (or run_sh) that has them (issue 18.11):
// `A=B` would set A, an empty name or one with a newline would make a variable nobody
// asked for, a NUL cannot be passed at all. Ordinary names, also unusual ones the engine
// takes (dots, dashes, lowercase), still plan.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePlan } from '../../lib/plan/index.js';
import { emptyState } from '../../lib/state/index.js';

function planOf(source: string): ReturnType<typeof makePlan> {
  const dir = mkdtempSync(join(tmpdir(), 'starform-env-'));
  try {
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', 'main.star'), source);
    writeFileSync(join(dir, 'pkg', 'kurtosis.yml'), 'name: github.com/starform-test/env\n');
    return makePlan({ dir: join(dir, 'pkg'), args: {}, state: emptyState() });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const service = (env: string) => `def run(plan):
    plan.add_service(
        name = "web",
        config = ServiceConfig(image = "starform-test/busybox:latest", env_vars = ${env}),
    )
`;

describe('plan: environment variable names', () => {
  const bad: [string, RegExp][] = [
    ['{"A=B": "c"}', /ServiceConfig: env_vars: "A=B" is not a valid environment variable name: it contains '='/],
    ['{"": "x"}', /ServiceConfig: env_vars: "" is not a valid environment variable name: it is empty/],
    ['{"A\\nB": "x"}', /ServiceConfig: env_vars: "A\\nB" is not a valid environment variable name: it contains a newline or another control character/],
  ];
  for (const [env, re] of bad) {
    it(`refuses env_vars = ${env} with the position of the add_service that uses it`, () => {
      const r = planOf(service(env));
      assert.equal(r.plan, null);
      assert.equal(r.problems.length, 1, JSON.stringify(r.problems));
      const p = r.problems[0]!;
      assert.match(p.message, re);
      assert.deepEqual({ file: p.position.file, line: p.position.line }, { file: 'main.star', line: 2 });
    });
  }

  it('refuses them in run_sh too', () => {
    const r = planOf('def run(plan):\n    plan.run_sh(run = "echo hi", env_vars = {"X=1": "2"})\n');
    assert.equal(r.plan, null);
    assert.match(r.problems[0]!.message, /env_vars: "X=1" is not a valid environment variable name/);
    assert.equal(r.problems[0]!.position.line, 2);
  });

  it('plans ordinary and unusual-but-valid names', () => {
    const r = planOf(service('{"PATH_EXTRA": "/x", "app.mode": "dev", "with-dash": "1", "lower": "", "UNICODE_É": "ok"}'));
    assert.deepEqual(r.problems, []);
    assert.ok(r.plan !== null);
  });
});
