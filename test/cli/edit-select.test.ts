// Selecting and forcing on the real engine (issue 12): plan --target / --exclude /
// --replace saved, reviewed and applied; plan --destroy as a reviewable plan; plan
// --refresh-only and `starform drift`; usage errors that do nothing. Fixture:
// fixtures/packages/select (db, cl-1 and cl-2 using db's address, monitor using cl-1's).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaValidator } from '../../lib/util/schema.js';
import type { JsonValue } from '../../lib/util/json.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = join(root, 'fixtures', 'packages', 'select');
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

interface StateFile {
  lineage: string;
  serial: number;
  services: Record<string, { container_id: string; status: string }>;
  enclave: unknown;
}
const readStateFile = (path: string): StateFile => JSON.parse(readFileSync(path, 'utf8')) as StateFile;

/** service name → container id and state, of every container labelled with the lineage. */
function containers(lineage: string): Map<string, { id: string; state: string }> {
  const r = docker(['ps', '-a', '--no-trunc', '--filter', `label=starform.lineage=${lineage}`, '--format', '{{.Label "starform.service"}} {{.ID}} {{.State}}']);
  const out = new Map<string, { id: string; state: string }>();
  for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
    const [service, id, state] = line.split(' ');
    if (service) out.set(service, { id: id!, state: state! });
  }
  return out;
}

describe('cli: plan --target/--exclude/--replace/--destroy/--refresh-only and drift (Docker)', function () {
  this.timeout(300_000);
  let dir: string;
  let state: string;
  const extra: string[] = [];
  before(function () {
    if (docker(['image', 'inspect', IMAGE]).status !== 0) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-select-'));
    state = join(dir, 's.json');
  });
  afterEach(() => {
    if (existsSync(state)) starform(['destroy', '--auto-approve', '--state', state], dir);
    for (const x of extra.splice(0)) docker(x.split(' '));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a targeted plan creates only its steps and what they need; --exclude leaves out what needs the excluded step; --replace recreates', () => {
    ok(starform(['plan', pkg, '--state', state, '--target', 'service.cl-1', '--out', join(dir, 't.plan')], dir));
    ok(starform(['apply', join(dir, 't.plan'), '--state', state], dir));
    const lineage = readStateFile(state).lineage;
    assert.deepEqual([...containers(lineage).keys()].sort(), ['cl-1', 'db']);

    const args = ['plan', pkg, '--state', state, '--exclude', 'service.cl-1'];
    const shown = ok(starform(args, dir));
    assert.match(shown, /--exclude service\.cl-1: service\.cl-1, and with it the steps that need it: service\.monitor/);
    assert.match(shown, /service\.monitor \(excluded: needs service\.cl-1, which is excluded; would create: new service\)/);
    ok(starform([...args, '--out', join(dir, 'x1.plan')], dir));
    ok(starform([...args, '--out', join(dir, 'x2.plan')], dir));
    assert.equal(readFileSync(join(dir, 'x1.plan'), 'utf8'), readFileSync(join(dir, 'x2.plan'), 'utf8'), 'an edited plan is byte-identical across runs');
    const file = JSON.parse(readFileSync(join(dir, 'x1.plan'), 'utf8')) as { edits: JsonValue };
    assert.deepEqual(file.edits, [{ kind: 'exclude', address: 'service.cl-1', matched: ['service.cl-1'], dependents: ['service.monitor'] }]);
    const show = ok(starform(['show', join(dir, 'x1.plan')], dir));
    assert.ok(show.startsWith('This plan was edited:\n  --exclude service.cl-1'), show);
    const md = ok(starform(['show', join(dir, 'x1.plan'), '--markdown'], dir));
    assert.match(md, /\*\*This plan was edited:\*\*\n\n- <code>&#45;&#45;exclude service&#46;cl&#45;1&#58; /);
    assert.match(md, /\*\*Left out of this plan \(1\):\*\*/);
    assert.ok(md.indexOf('This plan was edited') < md.indexOf('| Action | Steps |'), 'the edits come before the summary');
    const json = JSON.parse(ok(starform(['show', join(dir, 'x1.plan'), '--json'], dir))) as {
      edits: JsonValue;
      changes: { step_id: string; left_out?: JsonValue }[];
    };
    assert.deepEqual(json.edits, file.edits);
    assert.deepEqual(json.changes.find((c) => c.step_id === 'service.monitor')?.left_out, { action: 'create', reason: 'new service', by: 'exclude' });
    assert.deepEqual(schemaValidator('output-plan.schema.json')(json as unknown as JsonValue), []);

    ok(starform(['apply', join(dir, 'x1.plan'), '--state', state], dir));
    assert.deepEqual([...containers(lineage).keys()].sort(), ['cl-1', 'cl-2', 'db']);
    const stale = starform(['apply', join(dir, 'x2.plan'), '--state', state], dir);
    assert.equal(stale.code, 1, stale.stdout);
    assert.match(stale.stderr, /stale plan/);

    const before = containers(lineage);
    ok(starform(['plan', pkg, '--state', state, '--replace', 'service.db', '--target', 'service.db', '--out', join(dir, 'r.plan')], dir));
    const replacing = ok(starform(['show', join(dir, 'r.plan')], dir));
    assert.match(replacing, /# service\.db will be replaced \(replacement requested \(--replace\)\)/);
    ok(starform(['apply', join(dir, 'r.plan'), '--state', state], dir));
    const after = containers(lineage);
    assert.notEqual(after.get('db')!.id, before.get('db')!.id, 'db was recreated');
    assert.equal(after.get('cl-1')!.id, before.get('cl-1')!.id, "cl-1 only uses db's address, which a replace keeps");
    assert.equal(after.get('cl-2')!.id, before.get('cl-2')!.id);
  });

  it('usage errors: an address that matches nothing, and flags that do not go together, exit 1 and do nothing', () => {
    for (const args of [
      ['--target', 'service.nope'],
      ['--exclude', 'service.cl-9*'],
      ['--replace', 'artifact.notes'],
      ['--destroy', '--refresh-only'],
      ['--refresh-only', '--target', 'service.db'],
      ['--target', ''],
    ]) {
      const r = starform(['plan', pkg, '--state', state, '--out', join(dir, 'p.plan'), ...args], dir);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      if (args[1] !== undefined && args[1] !== '' && !args[1].startsWith('--'))
        assert.ok(r.stderr.includes(args[1]), `the message names ${args[1]}: ${r.stderr}`);
      assert.ok(!existsSync(state) && !existsSync(join(dir, 'p.plan')), 'nothing was written');
    }
    for (const flag of ['--destroy', '--refresh-only']) {
      const r = starform(['plan', flag, '--state', state, '--out', join(dir, 'p.plan')], dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /nothing to (destroy|refresh): there is no state yet/);
      assert.ok(!existsSync(state) && !existsSync(join(dir, 'p.plan')));
    }
  });

  it('plan --destroy is a saved, reviewable plan; apply destroys exactly that, and refuses it once stale', () => {
    ok(starform(['apply', pkg, '--auto-approve', '--state', state], dir));
    const { lineage } = readStateFile(state);
    assert.equal(containers(lineage).size, 4);
    ok(starform(['plan', '--destroy', '--state', state, '--target', 'service.monitor', '--out', join(dir, 'one.plan')], dir));
    ok(starform(['plan', '--destroy', '--state', state, '--out', join(dir, 'all.plan')], dir));
    const shown = ok(starform(['show', join(dir, 'one.plan')], dir));
    assert.match(shown, /--destroy: this plan deletes/);
    assert.match(shown, /# service\.monitor will be deleted \(destroy\)/);
    assert.match(shown, /Plan: 0 to create, 0 to replace, 0 to run, 1 to delete\./);
    ok(starform(['apply', join(dir, 'one.plan'), '--state', state], dir));
    assert.deepEqual([...containers(lineage).keys()].sort(), ['cl-1', 'cl-2', 'db']);
    const stale = starform(['apply', join(dir, 'all.plan'), '--state', state], dir);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /stale plan/);
    assert.equal(containers(lineage).size, 3, 'a stale destroy plan removes nothing');

    ok(starform(['plan', '--destroy', '--state', state, '--out', join(dir, 'all.plan')], dir));
    ok(starform(['apply', join(dir, 'all.plan'), '--state', state], dir));
    assert.equal(containers(lineage).size, 0);
    assert.equal(docker(['network', 'ls', '-q', '--filter', `label=starform.lineage=${lineage}`]).stdout, '', 'a whole destroy removes the network');
    const after = readStateFile(state);
    assert.deepEqual(after.services, {});
    assert.equal(after.lineage, lineage);
    assert.equal(ok(starform(['state', 'list', '--state', state], dir)), '');
  });

  it('drift lists stopped, removed, changed and unknown containers (exit 2); plan --refresh-only records them without touching a container', () => {
    const tag = `starform-test/select-drift:${process.pid}`;
    assert.equal(docker(['tag', IMAGE, tag]).status, 0);
    extra.push(`rmi ${tag}`);
    ok(starform(['apply', pkg, '--auto-approve', '--state', state, '--args', JSON.stringify({ db_image: tag })], dir));
    const { lineage } = readStateFile(state);
    assert.equal(ok(starform(['drift', '--state', state], dir)), `No drift: the engine matches the state (serial ${readStateFile(state).serial}).\n`);

    const c = containers(lineage);
    docker(['stop', '-t', '0', c.get('cl-1')!.id]);
    docker(['rm', '-f', c.get('cl-2')!.id]);
    docker(['rmi', tag]); // the db container now runs an image no tag names
    const ghost = docker(['create', '--label', `starform.lineage=${lineage}`, '--label', 'starform.service=ghost', IMAGE, 'sleep', '3600']).stdout;
    extra.push(`rm -f ${ghost}`);
    const task = docker(['create', '--label', `starform.lineage=${lineage}`, '--label', 'starform.task=leftover', IMAGE, 'true']).stdout;
    extra.push(`rm -f ${task}`);

    const text = ok(starform(['drift', '--state', state], dir), 2);
    assert.match(text, /service 'cl-1': its container [0-9a-f]{12} is exited, not running/);
    assert.match(text, /service 'cl-2': its container [0-9a-f]{12} no longer exists/);
    assert.match(text, new RegExp(`service 'db': its container [0-9a-f]{12} runs image sha256:[0-9a-f]+, the state records ${tag.replace(/[.]/g, '\\.')}`));
    assert.match(text, /service 'ghost': container [0-9a-f]{12} carries the enclave's labels, but the state does not name it/);
    const doc = JSON.parse(ok(starform(['drift', '--state', state, '--json'], dir), 2)) as JsonValue & { drift: { kind: string; service: string }[] };
    assert.deepEqual(schemaValidator('output-drift.schema.json')(doc), []);
    assert.deepEqual(
      doc.drift.map((d) => `${d.kind} ${d.service ?? 'task'}`),
      ['stopped cl-1', 'removed cl-2', 'changed db', 'unknown-container ghost', 'unknown-container task'],
    );
    assert.match(text, /task container [0-9a-f]{12} \('leftover'\) carries the enclave's labels/);

    const serial = readStateFile(state).serial;
    const planned = ok(starform(['plan', '--refresh-only', '--state', state, '--out', join(dir, 'r.plan'), '--detailed-exitcode'], dir), 2);
    assert.match(planned, /--refresh-only: this plan only updates the state to what the engine has \(3 differences\)/);
    ok(starform(['plan', '--refresh-only', '--state', state, '--out', join(dir, 'r2.plan')], dir));
    assert.equal(readFileSync(join(dir, 'r.plan'), 'utf8'), readFileSync(join(dir, 'r2.plan'), 'utf8'));
    assert.equal(readStateFile(state).serial, serial, 'planning wrote no state');
    ok(starform(['apply', join(dir, 'r.plan'), '--state', state], dir));
    const refreshed = readStateFile(state);
    assert.equal(refreshed.serial, serial + 1);
    assert.deepEqual(Object.keys(refreshed.services).sort(), ['cl-1', 'db', 'monitor']);
    assert.equal(refreshed.services['cl-1']!.status, 'stopped');
    const now = containers(lineage);
    assert.equal(now.get('cl-1')!.state, 'exited', 'no container was started');
    assert.ok(now.has('ghost'), 'no container was removed');
    const stale = starform(['apply', join(dir, 'r2.plan'), '--state', state], dir);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /stale plan/);

    ok(starform(['plan', '--refresh-only', '--state', state, '--out', join(dir, 'r3.plan')], dir));
    docker(['start', c.get('cl-1')!.id]);
    const moved = starform(['apply', join(dir, 'r3.plan'), '--state', state], dir);
    assert.equal(moved.code, 1, moved.stdout);
    assert.match(moved.stderr, /the engine changed since this refresh-only plan was made/);
    assert.equal(readStateFile(state).serial, serial + 1, 'the state was not changed');
  });
});
