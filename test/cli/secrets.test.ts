// Sensitive values and hostile control characters as a user meets them, on a real engine
// with the fixture package fixtures/packages/secrets (a password in an env var, a private
// key and a secret key as flags, a marked argument printed and returned): no rendering —
// plan text and JSON, show text/JSON/Markdown, validate, apply's plain lines, NDJSON and
// live view, state list/show, output, destroy, error messages — prints a secret, while
// the plan and state files keep them (0600 for the state). Control sequences from the
// package and the container's output are shown escaped, never sent raw to the terminal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture, useApplyEngine } from '../apply/helpers/engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = fixture('packages/secrets');
const argsFile = join(root, 'fixtures', 'args', 'secrets.yaml');

/** What fixtures/args/secrets.yaml and the package hold in clear. */
const SECRETS = [
  'hunter2-correct-horse',
  '0x4c0883a69102937d6231471b5dbb6204fe512961708279f1d7b1b3db1a4d2c8e',
  '0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63',
  'relay-material-4a7f09',
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function assertNoSecret(r: Run, what: string, secrets: readonly string[] = SECRETS): void {
  for (const s of secrets) {
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `${what} printed the secret ${s}:\n${r.stdout}\n${r.stderr}`);
  }
}

function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Escape sequences a package must not be able to send to the terminal. */
const HOSTILE = '\x1b[2J\x1bc\x1b]0;pwned\x07\x1b]8;;http://127.0.0.1/\x07link\x1b]8;;\x07\x1b[8mhidden\u009b2J';
const HOSTILE_RAW = [/\x1b\[2J/, /\x1bc/, /\x1b\]0;/, /\x1b\]8;/, /\x1b\[8m/, /\u009b/];

describe('cli: sensitive values and control characters (Docker)', function () {
  this.timeout(240_000);
  const engine = useApplyEngine();
  let dir: string;
  let state: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-secrets-'));
    state = engine.newStatePath();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('masks every secret in plan, show, apply, state, output and destroy, while the files keep them', () => {
    const planFile = join(dir, 'p.plan');
    const plan = ok(starform(['plan', pkg, '--args-file', argsFile, '--state', state, '--out', planFile], dir), 'plan');
    assertNoSecret(plan, 'plan');
    assert.match(plan.stdout, /POSTGRES_PASSWORD: \(sensitive\)/);
    assert.match(plan.stdout, /--privkey=\(sensitive\)/);
    assert.match(plan.stdout, /--secret-key, \(sensitive\)/);
    assert.match(plan.stdout, /msg: the relay material is \(sensitive\)/);
    assert.match(plan.stdout, /--datadir=\/data/, 'values that are not secrets stay readable');

    const saved = readFileSync(planFile, 'utf8');
    for (const s of SECRETS) assert.ok(saved.includes(s), `the plan file keeps ${s}`);
    const parsed = JSON.parse(saved) as { sensitive_values: string[]; package: { args: Record<string, unknown> } };
    assert.deepEqual(parsed.sensitive_values, [...SECRETS].sort());
    assert.deepEqual(Object.keys(parsed.package.args).sort(), ['db_password', 'relay_material'], "the args file's `sensitive` list is not an argument");

    assertNoSecret(ok(starform(['plan', pkg, '--args-file', argsFile, '--state', state, '--json'], dir), 'plan --json'), 'plan --json');
    for (const flags of [[], ['--json'], ['--markdown']]) {
      const shown = ok(starform(['show', planFile, ...flags], dir), `show ${flags.join(' ')}`);
      assertNoSecret(shown, `show ${flags.join(' ')}`);
      assert.match(shown.stdout, /\(sensitive\)/);
    }

    const applied = ok(starform(['apply', planFile, '--state', state], dir), 'apply');
    assertNoSecret(applied, 'apply (plain lines)');
    assert.match(applied.stdout, /ran in .*the relay material is \(sensitive\)/);
    assert.match(applied.stdout, /connecting to db with \(sensitive\)/, "the container's output is masked too");
    assert.match(applied.stdout, /database_url = "postgresql:\/\/app:\(sensitive\)@/);

    const stateText = readFileSync(state, 'utf8');
    for (const s of SECRETS) assert.ok(stateText.includes(s), `the state keeps ${s}`);
    assert.deepEqual((JSON.parse(stateText) as { sensitive_values: string[] }).sensitive_values, [...SECRETS].sort());
    assert.equal(statSync(state).mode & 0o777, 0o600, 'the state is readable by its owner only');

    for (const cmd of [
      ['state', 'list'],
      ['state', 'list', '--json'],
      ['state', 'show', 'service.db'],
      ['state', 'show', 'service.node', '--json'],
      ['output'],
      ['output', '--json'],
      ['output', 'relay'],
      ['output', 'database_url'],
    ]) {
      assertNoSecret(ok(starform([...cmd, '--state', state], dir), cmd.join(' ')), cmd.join(' '));
    }
    assert.equal(ok(starform(['output', 'relay', '--show-sensitive', '--state', state], dir), 'output --show-sensitive').stdout, 'relay-material-4a7f09\n');
    const execStep = JSON.parse(readFileSync(state, 'utf8')).steps.find((s: { kind: string }) => s.kind === 'exec').id as string;
    const step = ok(starform(['state', 'show', execStep, '--state', state], dir), 'state show exec');
    assertNoSecret(step, 'state show of the exec step');
    assert.match(step.stdout, /connecting to db with \(sensitive\)/);

    // A new password: the diff says it changed, without showing either.
    const changed = ok(starform(['plan', pkg, '--args-file', argsFile, '--args', '{"db_password": "hunter2-battery-staple"}', '--state', state], dir), 'plan');
    assertNoSecret(changed, 'plan of a changed password', [...SECRETS, 'hunter2-battery-staple']);
    assert.match(changed.stdout, /-\s+POSTGRES_PASSWORD: \(sensitive\)\n\s+\+\s+POSTGRES_PASSWORD: \(sensitive value changed\)/);

    const ndjson = ok(
      starform(
        ['apply', pkg, '--args-file', argsFile, '--args', '{"db_password": "hunter2-battery-staple"}', '--state', state, '--auto-approve', '--json'],
        dir,
      ),
      'apply --json',
    );
    assertNoSecret(ndjson, 'NDJSON events', [...SECRETS, 'hunter2-battery-staple']);
    const events = ndjson.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; outputs?: { relay?: string } });
    assert.deepEqual(
      events.slice(-2).map((e) => e.type),
      ['apply_done', 'status'],
    );
    assert.equal(events.at(-1)?.outputs?.relay, '(sensitive)');
    assert.ok(readFileSync(state, 'utf8').includes('hunter2-battery-staple'));

    const destroyed = ok(starform(['destroy', '--auto-approve', '--state', state], dir), 'destroy');
    assertNoSecret(destroyed, 'destroy', [...SECRETS, 'hunter2-battery-staple']);
  });

  it('masks secrets in error messages of interpretation, validation and plan', () => {
    const failing = ['--args-file', argsFile, '--args', '{"fail_with_secret": true}'];
    for (const cmd of [
      ['validate', pkg, ...failing],
      ['validate', pkg, ...failing, '--json'],
      ['plan', pkg, ...failing, '--state', state],
    ]) {
      const r = starform(cmd, dir);
      assert.equal(r.code, 1, `${cmd.join(' ')}: ${r.stdout}${r.stderr}`);
      assertNoSecret(r, cmd.join(' '));
      assert.match(r.stdout + r.stderr, /cannot reach the database with password \(sensitive\)/);
    }
  });

  it('marks arguments with --sensitive-arg, and refuses a mark that names no argument', () => {
    const marked = ok(
      starform(
        [
          'plan',
          pkg,
          '--args',
          '{"relay_material": "flag-marked-relay", "db_password": "pw-from-flag-1"}',
          '--sensitive-arg',
          'relay_material',
          '--state',
          state,
        ],
        dir,
      ),
      'plan --sensitive-arg',
    );
    assertNoSecret(marked, 'plan with --sensitive-arg', ['flag-marked-relay', 'pw-from-flag-1']);
    const unmarked = ok(starform(['plan', pkg, '--args', '{"relay_material": "flag-marked-relay"}', '--state', state], dir), 'plan');
    assert.match(unmarked.stdout, /flag-marked-relay/, 'an unmarked argument with a plain name is shown');

    const typo = starform(['plan', pkg, '--args', '{"relay_material": "x"}', '--sensitive-arg', 'relay_materail', '--state', state], dir);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /--sensitive-arg: the package arguments have no 'relay_materail'/);
    assert.doesNotMatch(typo.stderr, /internal error|\n\s+at /);
  });

  it('masks secrets in the live view (ink) on a terminal, and shows hostile sequences escaped', function () {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete env.CI;
    delete env.NO_COLOR;
    const args = ['apply', pkg, '--args-file', argsFile, '--args', JSON.stringify({ control: HOSTILE }), '--auto-approve', '--state', state];
    const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env, timeout: 180_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assertNoSecret({ code: 0, stdout: r.stdout, stderr: r.stderr }, 'the live view');
    assert.match(r.stdout, /\x1b\[/, 'the live view still draws with its own escape sequences');
    // ink itself clears the screen (ESC[2J) when a frame is taller than the terminal; the package's sequences follow it here.
    for (const raw of [/\x1b\[2J\x1bc/, ...HOSTILE_RAW.slice(1)]) assert.doesNotMatch(r.stdout, raw, `the terminal got ${raw} raw`);
    assert.match(r.stdout, /the relay material is \(sensitive\)\\x1b\[2J\\x1bc\\x1b\]0;pwned\\x07/);
  });

  it('shows control sequences from the package and the container escaped in plain lines, NDJSON and the plan', () => {
    const args = ['--args-file', argsFile, '--args', JSON.stringify({ control: HOSTILE })];
    const plan = ok(starform(['plan', pkg, ...args, '--state', state], dir), 'plan');
    for (const raw of [...HOSTILE_RAW, /\x1b/]) assert.doesNotMatch(plan.stdout + plan.stderr, raw);
    assert.match(plan.stdout, /Connecting to \{\{starform:service\.db\.hostname\}\}\\x1b\[2J\\x1bc/);

    const applied = ok(starform(['apply', pkg, ...args, '--state', state, '--auto-approve'], dir), 'apply');
    for (const raw of [...HOSTILE_RAW, /\x1b/]) assert.doesNotMatch(applied.stdout + applied.stderr, raw);
    assert.match(applied.stdout, /exit code 0: \\x1b\[2J\\x1bc\\x1b\]0;pwned\\x07/, "the exec's output, escaped");

    const ndjson = ok(
      starform(
        [
          'apply',
          pkg,
          '--args-file',
          argsFile,
          '--args',
          JSON.stringify({ control: HOSTILE, db_password: 'hunter2-other-pass' }),
          '--state',
          state,
          '--auto-approve',
          '--json',
        ],
        dir,
      ),
      'apply --json',
    );
    for (const raw of [...HOSTILE_RAW, /\x1b/]) assert.doesNotMatch(ndjson.stdout, raw);
    const print = ndjson.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; kind?: string; message?: string })
      .find((e) => e.type === 'step_done' && e.kind === 'exec');
    assert.ok(print?.message?.includes('\x1b[2J'), 'NDJSON keeps the exact value, JSON-escaped');
    ok(starform(['destroy', '--auto-approve', '--state', state], dir), 'destroy');
  });

  it('shows control characters of a user error message escaped (one message, exit code 1)', () => {
    ok(starform(['apply', pkg, '--auto-approve', '--state', state], dir), 'apply');
    const r = starform(['state', 'show', `service.x\x1b]0;pwned\x07\x1b[2J`, '--state', state], dir);
    assert.equal(r.code, 1);
    for (const raw of [/\x1b/, /\x07/]) assert.doesNotMatch(r.stderr, raw);
    assert.match(r.stderr, /the state has no 'service\.x\\x1b\]0;pwned\\x07\\x1b\[2J'/);
    ok(starform(['destroy', '--auto-approve', '--state', state], dir), 'destroy');
  });

  it('shows a service name with a newline and escapes in an error message without obeying them', () => {
    const r = starform(['plan', join(root, 'fixtures', 'invalid', 'control'), '--state', state], dir);
    assert.equal(r.code, 1);
    for (const raw of [...HOSTILE_RAW, /\x1b/, /\x07/]) assert.doesNotMatch(r.stderr, raw);
    assert.match(r.stderr, /service name 'db\n    starform: all good\\x1b\[2J\\x1bc\\x1b\]0;pwned\\x07/, 'the forged line is indented as part of the message');
  });
});
