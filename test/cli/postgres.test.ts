// The PostgreSQL backend as a user runs it, on the real engine and a real server (a
// throwaway cluster, test/state/helpers/postgres.ts): the apply lifecycle with
// --state postgres://… (encrypted at rest), two applies from two processes, the lock's
// connection killed in the middle of an apply, history and rollback, migrate both ways,
// workspaces, and encrypted plan files with a wrong key. Every failure is one message,
// exit 1, no stack trace.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStateBackend, emptyState, openStateBackend, putService, serviceRecord, withLineage, type State } from '../../lib/state/index.js';
import { parsePostgresUrl } from '../../lib/state/postgres-backend.js';
import { isEnvelope } from '../../lib/util/envelope.js';
import { fixture, useApplyEngine } from '../apply/helpers/engine.js';
import { usePostgres } from '../state/helpers/postgres.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const KEY = { STARFORM_ENCRYPTION_PASSPHRASE: 'team passphrase for tests' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function starformAsync(args: string[], cwd: string, env: Record<string, string> = {}): { done: Promise<Run> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { done: once(child, 'exit').then(([code]) => ({ code: (code as number | null) ?? -1, stdout, stderr })) };
}

function assertUserError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at .+:\d+:\d+\)?\n/);
}

function service(state: State, name: string): State {
  return putService(
    state,
    name,
    serviceRecord({ config: { image: 'x', name }, containerId: `c-${name}`, ipAddress: null, ports: new Map(), status: 'running' }),
  );
}

describe('cli: the PostgreSQL state backend (Docker, PostgreSQL)', function () {
  this.timeout(240_000);
  const engine = useApplyEngine();
  const cluster = usePostgres();
  let dir: string;
  const lineages: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-cli-pg-'));
  });
  afterEach(async () => {
    for (const lineage of lineages.splice(0)) await engine.runtime.removeEnclave(lineage);
    rmSync(dir, { recursive: true, force: true });
  });

  async function readPg(url: string, env: Record<string, string> = {}): Promise<State> {
    const { encryptionFromEnvironment } = await import('../../lib/util/envelope.js');
    const encryption = encryptionFromEnvironment(env);
    const backend = await openStateBackend(url, encryption ? { encryption } : {});
    try {
      return await backend.read();
    } finally {
      await backend.close();
    }
  }

  it('runs the lifecycle with the state in PostgreSQL, encrypted at rest: apply, plan, state, output, history, destroy', async () => {
    const url = cluster().newUrl();
    const applied = starform(['apply', fixture('lifecycle'), '--state', url, '--auto-approve'], dir, KEY);
    assert.equal(applied.code, 0, applied.stderr);
    const state = await readPg(url, KEY);
    lineages.push(state.lineage!);
    assert.deepEqual([...state.services.keys()].sort(), ['cache', 'web', 'worker']);
    const admin = await cluster().admin();
    try {
      const { rows } = await admin.query(`SELECT content FROM "${parsePostgresUrl(url).schema}".states`);
      assert.ok(isEnvelope(rows[0].content as Buffer), 'the stored state is an envelope');
    } finally {
      await admin.end();
    }
    assert.match(starform(['plan', fixture('lifecycle'), '--state', url], dir, KEY).stdout, /No changes\./);
    // Through STARFORM_STATE, the default of --state.
    assert.match(starform(['state', 'list'], dir, { ...KEY, STARFORM_STATE: url }).stdout, /service\.web/);
    assertUserError(starform(['state', 'list', '--state', url], dir), /the state is encrypted, but no encryption key is configured/);
    assertUserError(
      starform(['state', 'list', '--state', url], dir, { STARFORM_ENCRYPTION_PASSPHRASE: 'wrong' }),
      /cannot decrypt the state: it was encrypted with another key .* than STARFORM_ENCRYPTION_PASSPHRASE/,
    );
    const history = starform(['state', 'history', '--state', url], dir, KEY);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, new RegExp(`^\\* ${state.serial} `, 'm'));
    const destroyed = starform(['destroy', '--state', url, '--auto-approve'], dir, KEY);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.equal((await readPg(url, KEY)).services.size, 0);
    assert.deepEqual((await engine.runtime.inspectEnclave(state.lineage!)).containers, []);
  });

  it('lets only one of two applies from two processes run; the other names the holder', async () => {
    const url = cluster().newUrl();
    const [a, b] = await Promise.all([
      starformAsync(['apply', fixture('lifecycle'), '--state', url, '--auto-approve'], dir).done,
      starformAsync(['apply', fixture('lifecycle'), '--state', url, '--auto-approve'], dir).done,
    ]);
    const [won, lost] = a.code === 0 ? [a, b] : [b, a];
    assert.equal(won.code, 0, won.stderr);
    assertUserError(lost, /the state is locked by another operation:\n {2}Lock ID: {3}[0-9a-f-]{36}\n {2}Operation: apply\n {2}Who: {7}\S+@\S+ \(pid \d+/);
    const state = await readPg(url);
    lineages.push(state.lineage!);
    assert.deepEqual([...state.services.keys()].sort(), ['cache', 'web', 'worker']);
    assert.match(starform(['plan', fixture('lifecycle'), '--state', url], dir).stdout, /No changes\./);
  });

  it('stops writing when the lock connection is killed mid-apply; the state stays the last complete write', async () => {
    const url = cluster().newUrl();
    const pkg = join(dir, 'slow');
    mkdirSync(pkg);
    writeFileSync(
      join(pkg, 'main.star'),
      [
        'IMAGE = "starform-test/busybox:latest"',
        'def run(plan):',
        '    plan.add_service(name = "first", config = ServiceConfig(image = IMAGE, cmd = ["sleep", "3600"]))',
        '    plan.exec(service_name = "first", recipe = ExecRecipe(command = ["sleep", "4"]))',
        '    plan.add_service(name = "second", config = ServiceConfig(image = IMAGE, cmd = ["sleep", "3600"]))',
        '',
      ].join('\n'),
    );
    const apply = starformAsync(['apply', pkg, '--state', url, '--auto-approve', '--parallelism', '1'], dir);
    const schema = parsePostgresUrl(url).schema;
    const admin = await cluster().admin();
    let before: State;
    try {
      // Wait until `first` is recorded (the exec is then sleeping), then end the lock's connection.
      const until = Date.now() + 60_000;
      for (;;) {
        const s = await readPg(url).catch(() => emptyState());
        if (s.services.has('first')) {
          before = s;
          break;
        }
        if (Date.now() > until) throw new Error('the apply never recorded its first service');
        await new Promise((r) => setTimeout(r, 100));
      }
      lineages.push(before.lineage!);
      const { rows } = await admin.query(`SELECT backend_pid FROM "${schema}".locks`);
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].backend_pid]);
    } finally {
      await admin.end();
    }
    const r = await apply.done;
    assertUserError(r, /the state lock was lost \(the connection to PostgreSQL .*\); not writing the state/);
    const after = await readPg(url);
    assert.equal(after.serial, before.serial, 'nothing was written after the lock was lost');
    assert.deepEqual([...after.services.keys()], ['first']);
    assert.equal(
      (await engine.runtime.inspectEnclave(before.lineage!)).containers.some((c) => c.service === 'second'),
      false,
      'no step started after',
    );
    // The lock went with the connection: the next apply runs and completes the package.
    const again = starform(['apply', pkg, '--state', url, '--auto-approve'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([...(await readPg(url)).services.keys()].sort(), ['first', 'second']);
  });

  it('lists the history and rolls back to an earlier serial as a new serial', async () => {
    const url = cluster().newUrl();
    const backend = await openStateBackend(url);
    const lock = await backend.lock({ operation: 'test' });
    const one = await backend.write(emptyState(), service(withLineage(emptyState()), 'web'), lock);
    const two = await backend.write(one, service(one, 'db'), lock);
    await lock.release();
    const history = starform(['state', 'history', '--state', url, '--json'], dir);
    assert.equal(history.code, 0, history.stderr);
    const doc = JSON.parse(history.stdout) as { current_serial: number; versions: { serial: number; services: number }[] };
    assert.equal(doc.current_serial, 2);
    assert.deepEqual(
      doc.versions.map((v) => [v.serial, v.services]),
      [
        [2, 2],
        [1, 1],
      ],
    );
    const rolled = starform(['state', 'rollback', '1', '--state', url], dir);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /Rolled back to serial 1: the state is now serial 3/);
    const now = await readPg(url);
    assert.equal(now.serial, 3);
    assert.equal(now.lineage, two.lineage);
    assert.deepEqual([...now.services.keys()], ['web']);
    assertUserError(starform(['state', 'rollback', '9', '--state', url], dir), /the history has no serial 9/);
    // Under the lock: refused while another operation holds it.
    const held = await backend.lock({ operation: 'maintenance' });
    try {
      assertUserError(starform(['state', 'rollback', '2', '--state', url], dir), /the state is locked by another operation:[\s\S]*Operation: maintenance/);
    } finally {
      await held.release();
      await backend.close();
    }
    const file = join(dir, 'local.json');
    assertUserError(starform(['state', 'history', '--state', file], dir), /the file backend keeps no history beyond the previous version/);
  });

  it('migrates a state from a file to PostgreSQL and back, lineage, serial and blobs kept', async () => {
    const file = join(dir, 'starform.state.json');
    const local = await FileStateBackend.open(file);
    const lock = await local.lock({ operation: 'test' });
    const content = new TextEncoder().encode('an archive');
    const digest = await local.blobs.put(content);
    let state = await local.write(emptyState(), service(withLineage(emptyState()), 'web'), lock);
    state = await local.write(state, { ...state, filesArtifacts: new Map([['site', { contentHash: digest, size: content.byteLength }]]) }, lock);
    await lock.release();
    const url = cluster().newUrl();
    const there = starform(['state', 'migrate', '--from', file, '--to', url], dir);
    assert.equal(there.code, 0, there.stderr);
    assert.match(there.stdout, new RegExp(`Migrated the state \\(lineage ${state.lineage}, serial 2, 1 service, 1 files artifact\\)`));
    const remote = await readPg(url);
    assert.equal(remote.lineage, state.lineage);
    assert.equal(remote.serial, 2);
    const pg = await openStateBackend(url);
    assert.equal(Buffer.from(await pg.blobs.get(digest)).toString(), 'an archive');
    await pg.close();
    assertUserError(
      starform(['state', 'migrate', '--from', file, '--to', url], dir),
      /the target has a state already \(lineage .*, serial 2\); not overwriting it/,
    );
    const back = join(dir, 'back.json');
    const home = starform(['state', 'migrate', '--from', url, '--to', `file://${back}`], dir);
    assert.equal(home.code, 0, home.stderr);
    const returned = await (await FileStateBackend.open(back)).read();
    assert.equal(returned.lineage, state.lineage);
    assert.equal(returned.serial, 2);
    assert.equal(readFileSync(back, 'utf8'), readFileSync(file, 'utf8'));
    assert.equal(await (await FileStateBackend.open(back)).blobs.check(digest, content.byteLength), 'ok');
    assertUserError(starform(['state', 'migrate', '--from', join(dir, 'none.json'), '--to', url], dir), /there is no state to migrate/);
  });

  it("loads the PostgreSQL driver without Node's fetch implementation (pg's Cloudflare probe, ~20 ms on Node 20)", () => {
    const url = cluster().newUrl();
    // A trap on the global `Response`, whose first touch loads undici (scripts/build.mjs, pgOnNode).
    const trap = join(dir, 'trap.cjs');
    writeFileSync(
      trap,
      `const d = Object.getOwnPropertyDescriptor(globalThis, 'Response');
       Object.defineProperty(globalThis, 'Response', { configurable: true, get() { process.stderr.write('Response was touched\\n'); return d.get ? d.get.call(globalThis) : d.value; } });\n`,
    );
    const listed = starform(['state', 'list', '--state', url], dir, { NODE_OPTIONS: `--require ${trap}` });
    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stderr, /Response was touched/);
    // The trap works: touching Response under it says so.
    const probe = spawnSync(process.execPath, ['--require', trap, '-e', 'void Response'], { encoding: 'utf8' });
    assert.match(probe.stderr, /Response was touched/);
  });

  it('manages workspaces: default always exists; a workspace is a state of its own', () => {
    const url = cluster().newUrl();
    assert.equal(starform(['workspace', 'list', '--state', url], dir).stdout, '* default\n');
    assert.equal(starform(['workspace', 'new', 'staging', '--state', url], dir).code, 0);
    assertUserError(starform(['workspace', 'new', 'staging', '--state', url], dir), /workspace 'staging' exists already/);
    assert.equal(starform(['workspace', 'list', '--state', `${url}&workspace=staging`], dir).stdout, '  default\n* staging\n');
    assertUserError(starform(['state', 'list', '--state', `${url}&workspace=prod`], dir), /workspace 'prod' does not exist/);
    assertUserError(starform(['workspace', 'delete', 'default', '--state', url], dir), /the 'default' workspace cannot be deleted/);
    assert.equal(starform(['workspace', 'delete', 'staging', '--state', url], dir).code, 0);
    assert.equal(starform(['workspace', 'list', '--state', url], dir).stdout, '* default\n');
    assertUserError(starform(['workspace', 'list', '--state', join(dir, 'x.json')], dir), /the file backend has no workspaces/);
    assertUserError(starform(['state', 'list', '--state', 's3://bucket/key'], dir), /no state backend for 's3:\/\/' URLs/);
  });

  it('encrypts saved plans: show and apply need the key; a wrong key is one clear message', async () => {
    const url = cluster().newUrl();
    const pkg = join(dir, 'pkg');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'main.star'), 'def run(plan):\n    plan.print("hello")\n    return {"greeting": "hi"}\n');
    const out = join(dir, 'change.plan');
    assert.equal(starform(['plan', pkg, '--state', url, '--out', out], dir, KEY).code, 0);
    assert.ok(isEnvelope(readFileSync(out)));
    assertUserError(starform(['show', out], dir), /the plan file is encrypted, but no encryption key is configured/);
    assertUserError(starform(['show', out], dir, { STARFORM_ENCRYPTION_PASSPHRASE: 'nope' }), /cannot decrypt the plan file/);
    assert.match(starform(['show', out], dir, KEY).stdout, /print/);
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, `${KEY.STARFORM_ENCRYPTION_PASSPHRASE}\n`);
    const applied = starform(['apply', out, '--state', url, '--encryption-key-file', keyFile], dir);
    const lineage = (await readPg(url, KEY)).lineage;
    if (lineage !== null) lineages.push(lineage);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(starform(['output', 'greeting', '--state', url], dir, KEY).stdout, 'hi\n');
  });
});
