// plan --override on the real engine (issue 12): a package that creates its own
// "postgres" (fixtures/packages/bound) planned with an override file that binds it to a
// container the test started itself, to an external endpoint, or that overrides its
// fields; the app that uses it sees the bound address; destroy leaves the bound container
// running; bad override files exit 1 and do nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestOf } from '../../lib/util/hash.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = join(root, 'fixtures', 'packages', 'bound');
const overrides = join(root, 'fixtures', 'overrides');
const IMAGE = 'starform-test/busybox:latest';

function starform(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function docker(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  return { status: r.status, stdout: (r.stdout ?? '').trim(), stderr: r.stderr ?? '' };
}

function ok(r: { code: number; stdout: string; stderr: string }, code = 0): string {
  assert.equal(r.code, code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const lineageOf = (state: string): string => (JSON.parse(readFileSync(state, 'utf8')) as { lineage: string }).lineage;

/** The id of the container of `service` in the enclave of `lineage` ('' when there is none). */
function containerOf(lineage: string, service: string): string {
  return docker(['ps', '-aq', '--no-trunc', '--filter', `label=starform.lineage=${lineage}`, '--filter', `label=starform.service=${service}`]).stdout;
}

function envOf(container: string): Record<string, string> {
  const lines = JSON.parse(docker(['inspect', '-f', '{{json .Config.Env}}', container]).stdout) as string[];
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('cli: plan --override (Docker)', function () {
  this.timeout(300_000);
  let dir: string;
  let state: string;
  const bound = `starform-test-bound-pg-${process.pid}`;
  // The test's own network: the engine's default bridge may be unavailable.
  const network = `starform-test-bound-net-${process.pid}`;
  before(function () {
    if (docker(['image', 'inspect', IMAGE]).status !== 0) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-override-'));
    state = join(dir, 's.json');
  });
  afterEach(() => {
    if (existsSync(state)) starform(['destroy', '--auto-approve', '--state', state], dir);
    docker(['rm', '-f', bound]);
    docker(['network', 'rm', network]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds a service to an existing container: never created or deleted, its users see its address', () => {
    // First the package as written: it creates its own postgres.
    ok(starform(['apply', pkg, '--auto-approve', '--state', state], dir));
    const lineage = lineageOf(state);
    const own = containerOf(lineage, 'postgres');
    assert.notEqual(own, '');

    // An explicit subnet: the shared engine's default pools can be used up by other networks.
    let net = docker(['network', 'create', network]);
    for (let i = 0; net.status !== 0 && i < 40; i++) net = docker(['network', 'create', '--subnet', `10.${180 + i}.${process.pid % 250}.0/24`, network]);
    assert.equal(net.status, 0, net.stderr);
    const run = docker(['run', '-d', '--name', bound, '--network', network, IMAGE, 'sleep', '3600']);
    assert.equal(run.status, 0, run.stderr);
    const boundIp = docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', bound]).stdout;
    assert.match(boundIp, /^\d+\.\d+\.\d+\.\d+$/);
    const file = join(dir, 'bind.yaml');
    const text = `services:\n  service.postgres:\n    existing:\n      container: ${bound}\n`;
    writeFileSync(file, text);

    const args = ['plan', pkg, '--state', state, '--override', file];
    const shown = ok(starform(args, dir));
    assert.ok(
      shown.startsWith(`This plan was edited:\n  --override ${file} (${digestOf(text)})\n      service.postgres: bound to the existing container ${bound}\n`),
      shown,
    );
    assert.match(
      shown,
      new RegExp(
        `# service\\.postgres will be replaced \\(bound by the override file: the container starform made for it is removed\\)[^\\n]*\\n  -/\\+ Binding service 'postgres' to the existing container '${bound}' \\(--override\\)`,
      ),
    );
    ok(starform([...args, '--out', join(dir, 'a.plan')], dir));
    ok(starform([...args, '--out', join(dir, 'b.plan')], dir));
    assert.equal(readFileSync(join(dir, 'a.plan'), 'utf8'), readFileSync(join(dir, 'b.plan'), 'utf8'), 'an overridden plan is byte-identical across runs');
    const saved = JSON.parse(readFileSync(join(dir, 'a.plan'), 'utf8')) as { edits: unknown };
    assert.deepEqual(saved.edits, [
      { kind: 'override', file, digest: digestOf(text), content: { services: { 'service.postgres': { existing: { container: bound } } } } },
    ]);
    const json = JSON.parse(ok(starform(['show', join(dir, 'a.plan'), '--json'], dir))) as { edits: unknown };
    assert.deepEqual(json.edits, saved.edits);
    assert.match(ok(starform(['show', join(dir, 'a.plan'), '--markdown'], dir)), /\*\*This plan was edited:\*\*\n\n- <code>&#45;&#45;override /);

    ok(starform(['apply', join(dir, 'a.plan'), '--state', state], dir));
    assert.equal(docker(['inspect', own]).status === 0, false, "the package's own postgres was deleted");
    assert.equal(containerOf(lineage, 'postgres'), '', 'no postgres container was created');
    const env = envOf(containerOf(lineage, 'app'));
    assert.equal(env['DB_IP'], boundIp, "the app sees the bound container's address");
    assert.equal(env['DB_HOST'], boundIp, 'outside the enclave network its address is its host name');
    assert.equal(env['DB_PORT'], '5432');
    assert.doesNotMatch(ok(starform(['state', 'list', '--state', state], dir)), /postgres/, 'a bound service is not a service of the state');
    assert.match(ok(starform(['output', 'db', '--state', state], dir)), new RegExp(`^${boundIp.replace(/\./g, '\\.')}\\n?$`));
    const stale = starform(['apply', join(dir, 'b.plan'), '--state', state], dir);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /stale plan/);
    assert.match(ok(starform([...args, '--detailed-exitcode'], dir)), /No changes/);

    ok(starform(['destroy', '--auto-approve', '--state', state], dir));
    assert.equal(docker(['inspect', '-f', '{{.State.Running}}', bound]).stdout, 'true', 'destroy leaves the bound container running');
  });

  it('binds a service to an external endpoint, and overrides fields the package reads back', () => {
    ok(starform(['plan', pkg, '--state', state, '--override', join(overrides, 'fields.yaml'), '--out', join(dir, 'f.plan')], dir));
    ok(starform(['apply', join(dir, 'f.plan'), '--state', state], dir));
    const lineage = lineageOf(state);
    const pg = containerOf(lineage, 'postgres');
    const pgEnv = envOf(pg);
    assert.equal(pgEnv['ROLE'], 'primary');
    assert.equal(pgEnv['EXTRA'], 'yes');
    assert.equal(
      docker(['inspect', '-f', '{{index .Config.Labels "team"}} {{.HostConfig.Memory}} {{json .Config.Cmd}}', pg]).stdout,
      `data ${256 * 1000 * 1000} ["sleep","7200"]`,
    );
    assert.equal(envOf(containerOf(lineage, 'app'))['DB_PORT'], '6543', 'the app reads the overridden port');

    const planned = ok(starform(['plan', pkg, '--state', state, '--override', join(overrides, 'external.yaml'), '--out', join(dir, 'e.plan')], dir));
    assert.match(planned, /service\.postgres: bound to the external endpoint db\.example\.internal/);
    ok(starform(['apply', join(dir, 'e.plan'), '--state', state], dir));
    assert.equal(containerOf(lineage, 'postgres'), '');
    const env = envOf(containerOf(lineage, 'app'));
    assert.deepEqual([env['DB_HOST'], env['DB_IP'], env['DB_PORT']], ['db.example.internal', '127.0.0.1', '15432']);
  });

  it('a bad override file exits 1 naming the problem, and nothing is written', () => {
    const cases: [string, RegExp][] = [
      [
        'services:\n  service.nope:\n    image: x\n',
        /override: service\.nope matches no service the package adds \(its services: service\.app, service\.postgres\)/,
      ],
      ['services:\n  service.postgres:\n    imagee: x\n', /does not match schemas\/override\.schema\.json/],
      ['services:\n  service.postgres:\n    existing: {container: a}\n    external: {ip: 127.0.0.1}\n', /does not match schemas\/override\.schema\.json/],
      ['services: [\n', /override|YAML|yaml/],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, 'o.yaml');
      writeFileSync(file, text);
      const r = starform(['plan', pkg, '--state', state, '--override', file, '--out', join(dir, 'p.plan')], dir);
      assert.equal(r.code, 1, `${text}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.ok(r.stderr.includes('o.yaml'), `the message names the file: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.ok(!existsSync(state) && !existsSync(join(dir, 'p.plan')));
    }
    const missing = starform(['plan', pkg, '--state', state, '--override', join(dir, 'none.yaml')], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /none\.yaml/);
  });
});
