// Docker Compose packages (lib/package/compose.ts): a directory with a Compose file and no
// kurtosis.yml or main.star plans as Kurtosis transpiles it — services in depends_on
// order, container_name as the service name (RFC 1035), ports, .env interpolation,
// relative bind mounts uploaded, absolute ones and named volumes as persistent
// directories, reservations as minimums — and the fixture applies on the real engine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transpileCompose } from '../../lib/package/compose.js';
import { makePlan } from '../../lib/plan/index.js';
import { emptyState } from '../../lib/state/index.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { useApplyEngine } from '../apply/helpers/engine.js';
import { userError } from './helpers.js';

const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'packages', 'compose-web');
const bin = join(PACKAGE_ROOT, 'bin', 'starform');

function transpile(text: string, files: Record<string, string | null> = {}): string {
  return transpileCompose(text, {
    file: 'compose.yaml',
    readText: (p) => (typeof files[p] === 'string' ? files[p] : undefined),
    isDirectory: (p) => (p in files ? files[p] === null : undefined),
  });
}

describe('package: Docker Compose packages', () => {
  it('transpiles as Kurtosis does', () => {
    const src = transpile(
      'services:\n  b:\n    image: "x:${TAG:-1}"\n    ports: ["127.0.0.1:80:80", "5353/udp", "3000-3001:3000-3001"]\n    depends_on: {a: {condition: service_started}}\n' +
        '    environment: ["Z=1", "A=$${literal}", "FROM_ENV"]\n    env_file: extra.env\n    build: {context: ./app, target: prod}\n' +
        '  a:\n    image: y\n    command: sh -c \'echo "a b"\'\n',
      { '.env': 'FROM_ENV=yes\n', 'extra.env': 'E=2\n', app: null },
    );
    assert.equal(
      src,
      '# Transpiled from a Docker Compose file, as Kurtosis transpiles it.\ndef run(plan):\n' +
        '    plan.add_service(name = "a", config = ServiceConfig(image = "y", cmd = ["sh", "-c", "echo \\"a b\\""]))\n' +
        '    plan.add_service(name = "b", config = ServiceConfig(image = ImageBuildSpec(image_name = "b-image", build_context_dir = "./app", target_stage = "prod"), ' +
        'ports = {"port0": PortSpec(number = 80, transport_protocol = "TCP", application_protocol = "http"), "port1": PortSpec(number = 5353, transport_protocol = "UDP"), ' +
        '"port2": PortSpec(number = 3000, transport_protocol = "TCP"), "port3": PortSpec(number = 3001, transport_protocol = "TCP")}, ' +
        'env_vars = {"A": "${literal}", "FROM_ENV": "yes", "Z": "1", "E": "2"}))\n',
    );
  });

  it('refuses a depends_on cycle and a missing required variable', () => {
    userError(() => transpile('services:\n  a: {image: x, depends_on: [b]}\n  b: {image: y, depends_on: [a]}\n'), 'a cycle in depends_on between a, b');
    userError(() => transpile('services:\n  a: {image: "${NEED:?set it}"}\n'), 'required variable NEED is missing a value: set it');
  });

  it('plans the fixture package', () => {
    const r = makePlan({ dir: FIXTURE, args: {}, state: emptyState() });
    assert.deepEqual(r.problems, []);
    const steps = r.plan!.instructions.map((i) => `${i.kind} ${String(i.args['name'])}`);
    assert.deepEqual(steps, ['add_service main-db', 'upload_files web--volume0', 'add_service web']);
    const web = r.plan!.instructions[2]!.args['config'] as { env_vars: Record<string, string>; files: Record<string, unknown> };
    assert.deepEqual(web.env_vars, { DB_HOST: 'Main_DB', GREETING: 'hello from compose' });
    assert.deepEqual(Object.keys(web.files).sort(), ['/var/cache/web', '/www']);
    assert.equal(r.plan!.instructions[0]!.position.file, 'docker-compose.yml');
  });
});

describe('package: a Docker Compose package on the real engine', function () {
  this.timeout(180_000);
  const engine = useApplyEngine();

  it('applies the fixture: the web service serves the uploaded site', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'starform-compose-'));
    try {
      const state = engine.newStatePath();
      const run = (args: string[]) =>
        spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
      const applied = run(['apply', FIXTURE, '--auto-approve', '--state', state]);
      assert.equal(applied.status, 0, applied.stderr + applied.stdout);
      assert.match(applied.stdout, /Apply complete: 3 created/);
      const shown = run(['state', 'show', 'web', '--state', state]);
      const port = /port0 +8080\/TCP \(http\) → 127\.0\.0\.1:(\d+)/.exec(shown.stdout)?.[1];
      assert.ok(port, shown.stdout);
      const body = await (await fetch(`http://127.0.0.1:${port}/index.html`)).text();
      assert.equal(body, '<p>served from a Compose package</p>\n');
      const destroyed = run(['destroy', '--auto-approve', '--state', state]);
      assert.equal(destroyed.status, 0, destroyed.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
