// Images: presence, pulling when no registry is reachable, building from a context with
// a target stage and build args (fixtures/images), and preparing a set in parallel.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, TEST_IMAGE, useEngine } from './engine.js';

describe('docker runtime: images', function () {
  this.timeout(120_000);
  const env = useEngine('img');
  const tag = (name: string): string => `starform-test/${name}-${env.lineage}:latest`;
  const built: string[] = [];

  after(async function () {
    for (const ref of built)
      await env.docker
        ?.getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('knows which images are present', async () => {
    assert.equal(await env.runtime.imageExists(TEST_IMAGE), true);
    assert.equal(await env.runtime.imageExists('starform-test/definitely-absent:0'), false);
  });

  it('explains a pull whose registry cannot be reached', async () => {
    await assert.rejects(
      env.runtime.pullImage('127.0.0.1:1/starform/absent:1'),
      (err: Error & { code?: string }) => err.code === 'registry-unreachable' && err.message.includes("'127.0.0.1:1/starform/absent:1'"),
    );
  });

  it('builds a target stage with build args', async () => {
    const ref = tag('base');
    built.push(ref);
    const id = await env.runtime.buildImage(ref, {
      contextDir: join(REPO_ROOT, 'fixtures/images/multistage'),
      targetStage: 'base',
      buildArgs: { GREETING: 'hi' },
      labels: { purpose: 'test' },
    });
    assert.match(id, /^sha256:/);
    const result = await env.runtime.runTask(env.lineage, {
      name: 'check-base',
      image: ref,
      cmd: ['sh', '-c', 'cat /srv/greeting /srv/message.txt; test -e /srv/stage && echo has-final || echo no-final'],
    });
    assert.equal(result.stdout, 'hi from base\ncopied from the build context\nno-final\n');
  });

  it('prepares several images in parallel and reports each', async () => {
    const final = tag('final');
    built.push(final);
    const outcomes = await env.runtime.ensureImages([
      { ref: TEST_IMAGE },
      { ref: final, build: { contextDir: join(REPO_ROOT, 'fixtures/images/multistage') } },
      { ref: tag('broken'), build: { contextDir: join(REPO_ROOT, 'fixtures/images/broken') } },
      { ref: 'starform-test/absent:1', pull: 'never' },
      { ref: TEST_IMAGE },
    ]);
    assert.equal(outcomes.length, 5);
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? o.action : o.error.code)),
      ['present', 'built', 'build-failed', 'image-not-found', 'present'],
    );
    const broken = outcomes[2]!;
    assert.ok(
      !broken.ok && /about to fail/.test(broken.error.message) && /returned a non-zero code: 7/.test(broken.error.message),
      !broken.ok ? broken.error.message : '',
    );
    const result = await env.runtime.runTask(env.lineage, { name: 'check-final', image: final, cmd: ['cat', '/srv/stage', '/srv/greeting'] });
    assert.equal(result.stdout, 'final\nhello from base\n');
  });

  it('refuses a build context or Dockerfile that does not exist', async () => {
    await assert.rejects(env.runtime.buildImage(tag('x'), { contextDir: join(REPO_ROOT, 'fixtures/images/nope') }), { code: 'build-failed' });
    await assert.rejects(
      env.runtime.buildImage(tag('x'), { contextDir: join(REPO_ROOT, 'fixtures/images/multistage'), dockerfile: 'Nope.Dockerfile' }),
      (err: Error & { code?: string }) => err.code === 'build-failed' && err.message.includes("no Dockerfile 'Nope.Dockerfile'"),
    );
    await assert.rejects(
      env.runtime.buildImage(tag('x'), { contextDir: join(REPO_ROOT, 'fixtures/images/multistage'), dockerfile: '../broken/Dockerfile' }),
      (err: Error & { code?: string }) => err.code === 'build-failed' && err.message.includes('outside the build context'),
    );
  });
});
