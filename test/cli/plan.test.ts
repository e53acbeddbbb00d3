// The plan, show and validate commands as a user runs them: exit codes, the messages of
// every kind of bad input (each with its location), that a failed plan writes no plan
// file and plan never writes the state, and the views of a saved plan.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = (name: string) => join(root, 'fixtures', 'packages', name);
const invalid = (name: string) => join(root, 'fixtures', 'invalid', name);

function starform(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: plan, show, validate', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('plans a package, saves the plan, and shows it as text, JSON and Markdown', () => {
    const r = starform(['plan', pkg('webapp'), '--out', 'web.plan'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# service\.postgres will be created/);
    assert.match(r.stdout, /Plan: 4 to create, 0 to replace, 1 to run, 0 to delete\./);
    assert.ok(existsSync(join(dir, 'web.plan')));
    assert.ok(!existsSync(join(dir, 'starform.state.json')), 'plan writes no state');

    const text = starform(['show', 'web.plan'], dir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Plan: 4 to create/);
    const json = JSON.parse(starform(['show', 'web.plan', '--json'], dir).stdout) as { summary: { create: number } };
    assert.equal(json.summary.create, 4);
    const md = starform(['show', 'web.plan', '--markdown'], dir).stdout;
    assert.match(md, /^### starform plan/);
    assert.match(md, /<details><summary><code>&#43; service&#46;app<\/code> will be created/);
    assert.match(md, /```diff/);
  });

  it('--detailed-exitcode: 2 with changes', () => {
    const r = starform(['plan', pkg('yamlargs'), '--args-file', join(root, 'fixtures', 'args', 'yamlargs.yaml'), '--detailed-exitcode'], dir);
    assert.equal(r.code, 2, r.stderr);
  });

  it('--json prints the plan as JSON', () => {
    const r = starform(['plan', pkg('checks'), '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { changes: { action: string }[] };
    assert.ok(plan.changes.length > 0);
  });

  const cases: [string, string[], RegExp][] = [
    ['a syntax error', ['plan', invalid('syntax')], /^main\.star:5:1: error: got outdent, want primary expression$/m],
    [
      'a failing package (with its call stack)',
      ['plan', invalid('fail')],
      /^main\.star:5:13: error: database password missing\n {4}in check at main\.star:5:13\n {4}in setup/m,
    ],
    ['a file outside the package', ['plan', invalid('escape')], /^main\.star:4:23: error: .*leads outside package/m],
    [
      'a package found nowhere',
      ['plan', invalid('locator')],
      /^main\.star:3:20: error: cannot find package github\.com\/nobody\/nothing.*\n.*--package github\.com\/nobody\/nothing=DIR/m,
    ],
    [
      'an unknown run() argument',
      ['plan', invalid('args'), '--args', '{"replica": 2}'],
      /^main\.star:3:1: error: run\(\) has no parameter 'replica' \(it takes: replicas\)$/m,
    ],
    ['invalid JSON args', ['plan', invalid('args'), '--args', '{bad'], /^--args:1:2: not valid JSON/m],
    ['a missing package directory', ['plan', join(root, 'fixtures', 'nope')], /nope/],
    [
      'an import cycle',
      ['plan', invalid('cycle')],
      /^lib\/b\.star:2:18: error: There's a cycle in the import_module calls: lib\/a\.star is imported while it is being loaded\n {4}in <toplevel> at lib\/b\.star:2:18\n {4}in <toplevel> at lib\/a\.star:2:18\n {4}in <toplevel> at main\.star:3:18/m,
    ],
    [
      'a template syntax error',
      ['plan', invalid('template')],
      /^main\.star:4:26: error: render_templates: the template for 'app\.conf' is not valid: template: app\.conf:2: unclosed action/m,
    ],
    ['an unknown command', ['bogus'], /Unknown command: bogus/],
    ['an unknown flag', ['plan', '--bogus'], /Unknown argument: bogus/],
  ];
  for (const [what, args, message] of cases) {
    it(`reports ${what} in one message, exit code 1, no plan file`, () => {
      const r = starform([...args, '--out', 'x.plan'], dir);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace of ours');
      assert.ok(!existsSync(join(dir, 'x.plan')), 'no plan file is written');
    });
  }

  it('reports every validation problem at once, each at its position', () => {
    const r = starform(['plan', invalid('validation')], dir);
    assert.equal(r.code, 1);
    const lines = r.stderr.split('\n').filter((l) => / error: /.test(l));
    assert.deepEqual(
      lines.map((l) => l.slice(0, l.indexOf(': error'))),
      ['main.star:6:21', 'main.star:7:27', 'main.star:11:14', 'main.star:12:17', 'main.star:13:21'],
    );
    assert.match(r.stderr, /5 errors; nothing was planned/);
  });

  it('says how to plan without Docker when the engine is unreachable, and plans from the state with --refresh=false', () => {
    const state = join(root, 'test', 'golden', 'states', 'deps.state.json');
    const env = { DOCKER_HOST: `unix://${join(dir, 'no-such.sock')}` };
    const r = spawnSync(process.execPath, [bin, 'plan', pkg('deps'), '--state', state], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot reach the Docker Engine at unix:\/\/.*no-such\.sock/);
    assert.match(r.stderr, /pass --refresh=false/);
    const offline = spawnSync(process.execPath, [bin, 'plan', pkg('deps'), '--state', state, '--refresh=false'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    assert.equal(offline.status, 0, offline.stderr);
    assert.match(offline.stdout, /No changes\./);
  });

  it('refuses a corrupt state file and leaves it untouched', () => {
    const state = join(dir, 'starform.state.json');
    writeFileSync(state, '{"format_version": 1, "lineage": ');
    const r = starform(['plan', pkg('webapp'), '--state', state], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /starform\.state\.json/);
    assert.equal(readFileSync(state, 'utf8'), '{"format_version": 1, "lineage": ');
  });

  it('refuses a tampered plan file in show', () => {
    assert.equal(starform(['plan', pkg('webapp'), '--out', 'web.plan'], dir).code, 0);
    const file = join(dir, 'web.plan');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"postgres-ready"', '"postgres-evil"'));
    const r = starform(['show', 'web.plan'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /checksum/);
  });

  it('validate: valid and invalid packages', () => {
    const ok = starform(['validate', pkg('checks')], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /The package is valid: \d+ instructions\./);
    const bad = starform(['validate', invalid('validation')], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /5 errors; the package is not valid/);
  });

  it('prints help and the version', () => {
    const help = starform(['--help'], dir);
    assert.equal(help.code, 0);
    for (const c of ['plan', 'show', 'validate', 'eval']) assert.match(help.stdout, new RegExp(`starform ${c}`));
    assert.match(starform(['--version'], dir).stdout, /^\d+\.\d+\.\d+/);
  });
});
