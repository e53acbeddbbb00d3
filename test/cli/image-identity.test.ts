// Image identity on the real engine (issue 13): the state records the image a service
// runs; a tag that now names another image — a rebuilt `:latest` (Kurtosis's issue 2665),
// made here with `docker tag` between applies — makes `plan` replace the service and say
// why; `plan --pull` asks a real registry on loopback (docker-registry) for newer digests,
// and apply pulls the new image with its progress (layers with bytes) before replacing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../lib/util/json.js';
import { schemaValidator } from '../../lib/util/schema.js';
import { TEST_IMAGE, useApplyEngine } from '../apply/helpers/engine.js';
import { docker, useRegistry } from './helpers/registry.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' }, timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function servicePackage(dir: string, image: string): string {
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-test/image-identity\n');
  writeFileSync(join(pkg, 'main.star'), `def run(plan):\n    plan.add_service("web", ServiceConfig(image = "${image}", cmd = ["sleep", "3600"]))\n`);
  return pkg;
}

function recordedImage(statePath: string): { id: string; digest: string | null } {
  return (JSON.parse(readFileSync(statePath, 'utf8')) as { services: { web: { image: { id: string; digest: string | null } } } }).services.web.image;
}

function imageId(ref: string): string {
  return docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
}

describe('cli: image identity — a moved tag replaces its service (Docker)', function () {
  this.timeout(300_000);
  const engine = useApplyEngine();
  let dir: string;
  const tags: string[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-image-identity-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(() => {
    for (const t of tags) spawnSync('docker', ['rmi', t], { encoding: 'utf8' });
  });

  it('records the image id; a re-tagged :latest makes plan replace the service with the reason, and apply runs the new image', () => {
    const tag = `starform-test/retag-${randomBytes(4).toString('hex')}:latest`;
    tags.push(tag);
    docker(['tag', TEST_IMAGE, tag]);
    const state = engine.newStatePath();
    const pkg = servicePackage(dir, tag);
    assert.equal(starform(['apply', pkg, '--auto-approve', '--state', state], dir).code, 0);
    const first = recordedImage(state);
    assert.equal(first.id, imageId(TEST_IMAGE));
    assert.equal(first.digest, null, 'a tag made locally has no registry digest');

    const same = starform(['plan', pkg, '--state', state], dir);
    assert.match(same.stdout, /No changes\./, 'the tag still names the same image');

    // "Rebuild" the tag: it now names another local image.
    docker(['tag', 'starform-test/apply-tools:latest', tag]);
    const other = imageId(tag);
    const plan = starform(['plan', pkg, '--state', state], dir);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      new RegExp(
        `# service\\.web will be replaced \\(image tag ${tag.replace(/[/.:]/g, '\\$&')} now names sha256:${other.slice(7, 19)}, was sha256:${first.id.slice(7, 19)}\\)`,
      ),
    );
    assert.match(plan.stdout, /Plan: 0 to create, 1 to replace, 0 to run, 0 to delete\./);

    const applied = starform(['apply', pkg, '--auto-approve', '--state', state], dir);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /-\/\+ service\.web {2}replaced in/);
    assert.equal(recordedImage(state).id, other);
    assert.match(starform(['plan', pkg, '--state', state], dir).stdout, /No changes\./);
  });

  it('plan --pull: an unreachable registry is one clear error naming the image; --refresh=false is refused', () => {
    const state = engine.newStatePath();
    const pkg = servicePackage(dir, TEST_IMAGE);
    assert.equal(starform(['apply', pkg, '--auto-approve', '--state', state], dir).code, 0);
    const r = starform(['plan', pkg, '--state', state, '--pull'], dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`plan --pull cannot check image '${TEST_IMAGE.replace(/[/.:]/g, '\\$&')}' \\(service 'web'\\): its registry cannot be reached \\(`),
    );
    assert.match(r.stderr, /Without --pull, plan compares the services with the images the engine has\./);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
    const usage = starform(['plan', pkg, '--state', state, '--pull', '--refresh=false'], dir);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /--pull cannot be used with --refresh=false/);
    // Without --pull the same plan needs no registry.
    assert.match(starform(['plan', pkg, '--state', state], dir).stdout, /No changes\./);
  });

  describe('with a registry on loopback', () => {
    const registry = useRegistry();

    it('plan --pull finds the newer image; apply pulls it showing layers and bytes, and records its digest', () => {
      const repo = `${registry.address}/starform-test/app`;
      const tag = `${repo}:v1`;
      tags.push(tag);
      docker(['tag', TEST_IMAGE, tag]);
      docker(['push', tag]);
      const state = engine.newStatePath();
      const pkg = servicePackage(dir, tag);
      assert.equal(starform(['apply', pkg, '--auto-approve', '--state', state], dir).code, 0);
      const first = recordedImage(state);
      assert.match(first.digest ?? '', /^sha256:[0-9a-f]{64}$/, 'a pushed image has a registry digest');

      // Someone pushes a new image under the same tag; this engine still has the old one.
      const ctx = join(dir, 'ctx');
      mkdirSync(ctx);
      // A layer of 3 MB this engine has never seen (COPY: the build runs no container).
      writeFileSync(join(ctx, 'blob'), randomBytes(3_000_000));
      writeFileSync(join(ctx, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY blob /blob\n`);
      docker(['build', '-q', '-t', tag, ctx]);
      const pushed = docker(['push', tag]);
      const newDigest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)![1]!;
      const newId = imageId(tag);
      docker(['tag', TEST_IMAGE, tag]);
      docker(['rmi', newId]);

      assert.match(starform(['plan', pkg, '--state', state], dir).stdout, /No changes\./, 'without --pull the local tag decides');
      const planFile = join(dir, 'pull.plan');
      const plan = starform(['plan', pkg, '--state', state, '--pull', '--out', planFile], dir);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(
        plan.stdout,
        new RegExp(
          `# service\\.web will be replaced \\(registry has sha256:${newDigest.slice(7, 19)} for image tag ${tag.replace(/[/.:]/g, '\\$&')}; the service runs sha256:${first.digest!.slice(7, 19)}\\)`,
        ),
      );

      const applied = starform(['apply', planFile, '--state', state, '--json'], dir);
      assert.equal(applied.code, 0, applied.stderr);
      const events = applied.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as JsonObject);
      const check = schemaValidator('apply-event.schema.json');
      for (const e of events) assert.deepEqual(check(e), [], JSON.stringify(e));
      const progress = events.filter((e) => e['type'] === 'image_progress');
      assert.ok(progress.length > 0, 'the pull reports its progress');
      const layers = progress.flatMap((e) => e['layers'] as { id: string; status: string; current?: number; total?: number }[]);
      assert.ok(
        layers.some((l) => l.status === 'Downloading' && (l.total ?? 0) >= 1_000_000 && l.current !== undefined),
        'a layer with its bytes',
      );
      assert.ok(progress.some((e) => /^layer [0-9a-f]{12}: Pull complete/.test(String(e['message']))));
      assert.ok(events.some((e) => e['type'] === 'image' && e['action'] === 'pulled' && e['ref'] === tag));
      assert.deepEqual(recordedImage(state), { id: imageId(tag), digest: newDigest });
      assert.match(starform(['plan', pkg, '--state', state, '--pull'], dir).stdout, /No changes\./);
    });
  });
});
