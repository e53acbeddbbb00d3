// Files artifacts that hold a sensitive value become Swarm secrets on the Swarm runtime,
// the others stay Swarm configs: `starform apply --runtime swarm` of a package rendering a
// password into one file and nothing secret into another makes one secret (named without
// any trace of its content, labelled with the enclave and the service) and one config, no
// config holds the password, the task reads both files, copying the directory back out
// gives the secret's content, and destroy removes the secret. The same on the runtime port
// directly: a FileMount marked sensitive is a secret, removed with its service.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { packFiles, readArchive } from '../../lib/runtime/index.js';
import { SwarmRuntime } from '../../lib/swarm/index.js';
import { TEST_IMAGE } from '../docker/engine.js';
import { requireSwarm } from './swarm-engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = join(root, 'test', 'swarm', 'fixtures', 'secret');

function starform(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('swarm runtime: sensitive files artifacts are Swarm secrets', function () {
  this.timeout(300_000);
  const docker = new Docker();
  const runtime = new SwarmRuntime();
  const lineages = new Set<string>();
  let dir: string;

  const secretsOf = async (lineage: string): Promise<{ ID: string; Spec?: { Name?: string; Labels?: Record<string, string>; Data?: string } }[]> =>
    (await docker.listSecrets({ filters: { label: [`starform.lineage=${lineage}`] } })) as {
      ID: string;
      Spec?: { Name?: string; Labels?: Record<string, string> };
    }[];
  const configsOf = async (lineage: string): Promise<{ ID: string; Spec?: { Data?: string; Labels?: Record<string, string> } }[]> =>
    (await docker.listConfigs({ filters: { label: [`starform.lineage=${lineage}`, 'starform.config=file'] } })) as { ID: string; Spec?: { Data?: string } }[];

  before(async function () {
    await requireSwarm(this, runtime);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-swarm-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(async function () {
    this.timeout(120_000);
    for (const l of lineages) await runtime.removeEnclave(l);
  });

  it('keeps a rendered file holding a password as a secret, and the other file as a config (CLI)', async () => {
    const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
    const state = join(dir, 'starform.state.json');
    const applied = starform(['apply', pkg, '--state', state, '--auto-approve', '--runtime', 'swarm', '--args', JSON.stringify({ password })], dir);
    const { lineage, outputs } = JSON.parse(readFileSync(state, 'utf8')) as { lineage: string; outputs: Record<string, string> };
    lineages.add(lineage);
    assert.equal(applied.code, 0, applied.stderr);
    assert.doesNotMatch(applied.stdout + applied.stderr, new RegExp(password), 'never printed in clear');
    assert.equal(Number(outputs['bytes']), 'welcome\n'.length + `password=${password}\n`.length, 'the task read both files');

    const secrets = await secretsOf(lineage);
    assert.equal(secrets.length, 1, 'one secret: the file holding the password');
    const secret = secrets[0]!;
    assert.equal(secret.Spec?.Labels?.['starform.service'], 'app');
    assert.doesNotMatch(secret.Spec?.Name ?? '', /pw-/);
    const inspected = (await docker.getSecret(secret.ID).inspect()) as { Spec?: { Data?: string } };
    assert.equal(inspected.Spec?.Data, undefined, 'the engine never gives a secret back');
    const configs = await configsOf(lineage);
    assert.equal(configs.length, 1, 'one config: the file holding nothing secret');
    for (const c of configs) {
      const data = Buffer.from(((await docker.getConfig(c.ID).inspect()) as { Spec?: { Data?: string } }).Spec?.Data ?? '', 'base64').toString('utf8');
      assert.equal(data, 'welcome\n');
    }

    // Copying the directory out reads the secret in the running task.
    const archive = await runtime.copyFromService({ lineage, name: 'app' }, '/etc/app');
    const files = (await readArchive(archive)).filter((e) => e.type === 'file');
    assert.deepEqual(
      files.map((f) => [f.path, Buffer.from(f.content).toString('utf8')]),
      [['app/app.conf', `password=${password}\n`]],
    );

    const destroyed = starform(['destroy', '--state', state, '--auto-approve'], dir);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual(await secretsOf(lineage), []);
  });

  it('makes a FileMount marked sensitive a secret, and removes it with its service (runtime port)', async () => {
    const lineage = `sf-secret-${process.pid}`;
    lineages.add(lineage);
    const archive = await packFiles([{ path: 'token', content: 'tok-123\n', mode: 0o400 }]);
    await runtime.createService(lineage, {
      name: 'keeper',
      image: TEST_IMAGE,
      cmd: ['sleep', '3600'],
      files: [{ mountPath: '/run/keys', archive, sensitive: true }],
    });
    assert.equal((await secretsOf(lineage)).length, 1);
    assert.deepEqual(await configsOf(lineage), []);
    const read = await runtime.exec({ lineage, name: 'keeper' }, ['sh', '-c', 'cat /run/keys/token; stat -c %a /run/keys/token']);
    assert.equal(read.stdout, 'tok-123\n400\n');
    assert.equal(await runtime.removeService({ lineage, name: 'keeper' }), true);
    assert.deepEqual(await secretsOf(lineage), []);
  });
});
