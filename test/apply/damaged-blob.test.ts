// Issue 18 item 2, end to end: a files artifact's blob damaged under its final name (as a
// full disk used to leave it) is found by `plan`, which plans the artifact again, and
// `apply` stores it afresh from the package, so that the services mounting it work; it
// used to be "unchanged" in the plan and "files artifact content is damaged" in every apply.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { rmSync, truncateSync } from 'node:fs';
import { BlobStore, readState } from '../../lib/state/index.js';
import { REPO_ROOT, fixture, useApplyEngine } from './helpers/engine.js';

const BIN = join(REPO_ROOT, 'bin', 'starform');

function starform(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('a damaged files artifact blob (Docker, bin/starform)', function () {
  this.timeout(180_000);
  const engine = useApplyEngine();

  for (const damage of ['truncated', 'missing'] as const) {
    it(`is found by plan when ${damage}, and re-created from the package by apply`, async () => {
      const path = engine.newStatePath();
      const pkg = fixture('lifecycle');
      const first = starform(['apply', pkg, '--state', path, '--auto-approve']);
      assert.equal(first.code, 0, first.stderr);
      const record = (await readState(path)).filesArtifacts.get('site')!;
      const store = BlobStore.forState(path);
      const blob = store.pathOf(record.contentHash);
      if (damage === 'truncated') truncateSync(blob, Math.floor(record.size / 2));
      else rmSync(blob);

      const plan = starform(['plan', pkg, '--state', path]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(
        plan.stderr,
        new RegExp(
          `note: files artifact 'site': its stored content \\(${record.contentHash}\\) is ${damage === 'truncated' ? 'damaged' : 'missing'}; it will be created again`,
        ),
      );
      assert.doesNotMatch(plan.stdout, /No changes/);
      assert.match(plan.stdout, /artifact\.site|site/);

      const again = starform(['apply', pkg, '--state', path, '--auto-approve']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(await store.check(record.contentHash, record.size), 'ok', 'the blob was stored afresh');
      assert.equal(dirname(blob), dirname(store.pathOf(record.contentHash)));
      const state = await readState(path);
      assert.equal((state.outputs as { page: string }).page, '<p>hello, world</p>\n');
      assert.match(starform(['plan', pkg, '--state', path]).stdout, /No changes\./);
    });
  }
});
