// `state rm` (forget), `state mv`, `state pull` and `state push`. rm and mv on the real
// engine: a forgotten container keeps running and apply, refresh, plan and destroy leave
// it alone (a package that still adds it is refused at its position); a renamed service
// keeps its container, answers to its new name, and the next plan of a package that names
// it so is a no-op. pull and push on a state file alone: lineage and serial decide, --force
// overrides, and every refusal leaves the state byte for byte as it was.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, root, starform } from './state-edit-helpers.js';

const pkg = join(root, 'fixtures', 'packages', 'rename');

interface StateFile {
  lineage: string;
  serial: number;
  services: Record<string, { container_id: string; label_name?: string; ip_address: string | null }>;
  forgotten?: { container_id: string; service: string }[];
}

describe('cli: state rm and state mv (Docker)', function () {
  this.timeout(240_000);
  let dir: string;
  let state: string;
  const leftover: string[] = [];
  const read = (): StateFile => JSON.parse(readFileSync(state, 'utf8')) as StateFile;
  const running = (id: string): boolean => docker(['inspect', '-f', '{{.State.Running}}', id]).stdout === 'true';

  before(function () {
    if (docker(['image', 'inspect', 'starform-test/busybox:latest']).status !== 0) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-edits-'));
    state = join(dir, 's.json');
  });
  afterEach(() => {
    if (existsSync(state)) starform(['destroy', '--auto-approve', '--state', state], dir);
    for (const id of leftover.splice(0)) docker(['rm', '-f', id]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('state rm forgets: the container keeps running, and apply, plan and destroy leave it alone', () => {
    const first = starform(['apply', pkg, '--auto-approve', '--state', state], dir);
    assert.equal(first.code, 0, first.stderr);
    const peer = read().services['peer']!.container_id;
    leftover.push(peer);
    const rm = starform(['state', 'rm', 'service.peer', '--state', state], dir);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, new RegExp(`Forgot service\\.peer: its container ${peer.slice(0, 12)} keeps running`));
    assert.deepEqual(read().forgotten, [{ container_id: peer, service: 'peer' }]);
    assert.equal(read().services['peer'], undefined);

    // Without the peer in the package: nothing to do, no container "left by an interrupted apply".
    const plan = starform(['plan', pkg, '--args', '{"peer": false}', '--state', state, '--detailed-exitcode'], dir);
    assert.equal(plan.code, 0, `${plan.stdout}\n${plan.stderr}`);
    assert.doesNotMatch(plan.stdout, /Apply will also remove/);
    const apply = starform(['apply', pkg, '--args', '{"peer": false}', '--auto-approve', '--state', state], dir);
    assert.equal(apply.code, 0, apply.stderr);
    assert.ok(running(peer), 'apply left the forgotten container running');

    // A package that still adds it is refused: the forgotten container holds the name.
    const again = starform(['plan', pkg, '--state', state], dir);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(`main\\.star:\\d+:\\d+: error: service 'peer' cannot be created: container ${peer.slice(0, 12)}, which \`starform state rm\` forgot`),
    );

    const destroy = starform(['destroy', '--auto-approve', '--state', state], dir);
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.ok(running(peer), 'destroy left the forgotten container running');
    assert.deepEqual(read().forgotten, [{ container_id: peer, service: 'peer' }], 'and remembers it');

    // Once it is gone from the engine, the state lets go of it and the name is free again.
    docker(['rm', '-f', peer]);
    const recreate = starform(['apply', pkg, '--auto-approve', '--state', state], dir);
    assert.equal(recreate.code, 0, `${recreate.stdout}\n${recreate.stderr}`);
    assert.equal(read().forgotten, undefined);
  });

  it('state mv renames without recreating: the next plan is a no-op and peers reach the new name', () => {
    assert.equal(starform(['apply', pkg, '--auto-approve', '--state', state], dir).code, 0);
    const web = read().services['web']!;
    const peer = read().services['peer']!.container_id;
    const mv = starform(['state', 'mv', 'service.web', 'service.www', '--state', state], dir);
    assert.equal(mv.code, 0, mv.stderr);
    assert.match(mv.stdout, /Moved service\.web to service\.www\./);
    const moved = read().services['www']!;
    assert.equal(moved.container_id, web.container_id);
    assert.equal(moved.label_name, 'web');
    assert.equal(moved.ip_address, web.ip_address, 'it keeps its address');

    const plan = starform(['plan', pkg, '--args', '{"name": "www"}', '--state', state, '--detailed-exitcode'], dir);
    assert.equal(plan.code, 0, `${plan.stdout}\n${plan.stderr}`);
    const fetched = docker(['exec', peer, 'wget', '-q', '-O', '-', 'http://www/hostname']);
    assert.equal(fetched.status, 0, fetched.stderr);
    const apply = starform(['apply', pkg, '--args', '{"name": "www"}', '--auto-approve', '--state', state], dir);
    assert.equal(apply.code, 0, apply.stderr);
    assert.equal(read().services['www']!.container_id, web.container_id);
    // Steps on the renamed service reach its container (labelled 'web').
    const stop = starform(['plan', pkg, '--args', '{"name": "web"}', '--state', state], dir);
    assert.equal(stop.code, 1, 'a new service of the old name is refused while the renamed container carries it');
    assert.match(
      stop.stderr,
      /service 'web' cannot be created: the container of service 'www' \(renamed by `starform state mv`\) still carries the name 'web'/,
    );
  });

  it('refuses bad edits with exit 1 and leaves the state as it was', () => {
    assert.equal(starform(['apply', pkg, '--auto-approve', '--state', state], dir).code, 0);
    const before = readFileSync(state, 'utf8');
    const cases: [string[], RegExp][] = [
      [['state', 'rm', 'service.nope'], /the state has no 'service\.nope'/],
      [['state', 'rm', 'service.web', 'service.nope'], /the state has no 'service\.nope'/],
      [['state', 'mv', 'service.web', 'service.peer'], /the state has service\.peer already/],
      [['state', 'mv', 'service.web', 'service.Not_A_Name'], /is not a service address/],
      [['state', 'mv', 'service.nope', 'service.other'], /the state has no 'service\.nope'/],
      [['state', 'mv', 'service.web'], /Not enough non-option arguments|missing/i],
      [['state', 'rm'], /Not enough non-option arguments|missing/i],
    ];
    for (const [args, message] of cases) {
      const r = starform([...args, '--state', state], dir);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(readFileSync(state, 'utf8'), before, args.join(' '));
    }
  });
});

describe('cli: state pull and state push', function () {
  this.timeout(60_000);
  let dir: string;
  let state: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-push-'));
    state = join(dir, 's.json');
    copyFileSync(join(root, 'test', 'golden', 'states', 'deps.state.json'), state);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const pull = (): { lineage: string; serial: number; [k: string]: unknown } => {
    const r = starform(['state', 'pull', '--state', state], dir);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { lineage: string; serial: number };
  };

  it('pull prints the state; push takes it back when lineage and serial allow, under the lock', () => {
    const pulled = pull();
    assert.equal(pulled.lineage, '00000000-0000-4000-8000-000000000000');
    assert.equal(pulled.serial, 1);
    assert.deepEqual({ ...pulled, starform_version: '' }, { ...(JSON.parse(readFileSync(state, 'utf8')) as object), starform_version: '' });
    // Edited and pushed back: the next version of the state.
    const edited = { ...pulled, outputs: { note: 'edited' } };
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited));
    const push = starform(['state', 'push', 'edited.json', '--state', state], dir);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /The state is now at serial 2\./);
    assert.deepEqual(pull().outputs, { note: 'edited' });
    // From standard input too.
    const stdin = starform(['state', 'push', '-', '--state', state], dir, JSON.stringify({ ...pull(), outputs: { note: 'stdin' } }));
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.deepEqual(pull().outputs, { note: 'stdin' });
  });

  it('refuses another lineage or an older serial unless --force, and anything that is not a state', () => {
    const pulled = pull();
    const write = (name: string, value: unknown): string => {
      writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
      return name;
    };
    assert.equal(starform(['state', 'push', write('next.json', { ...pulled, outputs: 1 }), '--state', state], dir).code, 0);
    const before = readFileSync(state, 'utf8');
    const cases: [string[], RegExp][] = [
      [['state', 'push', write('old.json', { ...pulled, outputs: 2 })], /cannot push: the file is at serial 1, the current state at 2/],
      [
        ['state', 'push', write('other.json', { ...pulled, serial: 9, lineage: '11111111-1111-4111-8111-111111111111' })],
        /cannot push: the file is another state \(lineage 11111111-1111-4111-8111-111111111111/,
      ],
      [['state', 'push', write('bad.json', '{"format_version": 1}')], /bad\.json: not a valid state file/],
      [['state', 'push', write('text.json', 'not json')], /text\.json/],
      [['state', 'push', 'missing.json'], /missing\.json: cannot read the state file to push/],
      [['state', 'push'], /Not enough non-option arguments|missing/i],
      [['state', 'pull', 'extra'], /Unknown argument|extra/i],
    ];
    for (const [args, message] of cases) {
      const r = starform([...args, '--state', state], dir);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(readFileSync(state, 'utf8'), before, args.join(' '));
    }
    const forced = starform(['state', 'push', 'other.json', '--force', '--state', state], dir);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(pull().lineage, '11111111-1111-4111-8111-111111111111');
    assert.ok(existsSync(`${state}.backup`), 'the state it replaced is kept as the backup');
  });

  it('push waits for the state lock like every writer, and pull of no state is an error', () => {
    const missing = starform(['state', 'pull', '--state', join(dir, 'none.json')], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /there is no state to pull/);
    writeFileSync(join(dir, 'same.json'), JSON.stringify(pull()));
    writeFileSync(`${state}.lock`, 'held by someone else');
    const locked = starform(['state', 'push', 'same.json', '--state', state], dir);
    assert.equal(locked.code, 1);
    assert.match(locked.stderr, /lock/i);
  });
});
