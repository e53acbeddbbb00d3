// The image progress path without an engine: the engine's pull and build events as
// toProgress reads them (events shaped as Docker sends them), the tracker's throttling
// and its "still pulling" notice, and checkImages' decisions (a moved tag, a newer
// registry digest, a registry that cannot be asked) on a fake runtime.
import assert from 'node:assert/strict';
import { toProgress } from '../../lib/docker/image-progress.js';
import type { ImageIdentity } from '../../lib/docker/index.js';
import type { ApplyEvent } from '../../lib/apply/events.js';
import { checkImages } from '../../lib/apply/image-identity.js';
import { ImageProgressTracker } from '../../lib/apply/image-progress.js';
import { RuntimeError } from '../../lib/docker/index.js';
import { emptyState, putService, serviceRecord, withLineage, type State } from '../../lib/state/index.js';
import { UserError } from '../../lib/util/errors.js';
import { FakeRuntime } from './helpers/fake-runtime.js';

const ID_A = `sha256:${'a'.repeat(64)}`;
const ID_B = `sha256:${'b'.repeat(64)}`;
const DIGEST_1 = `sha256:${'1'.repeat(64)}`;
const DIGEST_2 = `sha256:${'2'.repeat(64)}`;

describe('docker: toProgress', () => {
  it('reads layer events with their bytes, image-wide statuses, build steps and output', () => {
    assert.deepEqual(toProgress({ status: 'Downloading', id: 'f770099fec4a', progressDetail: { current: 1200, total: 5000 } } as never), [
      { kind: 'layer', layer: 'f770099fec4a', status: 'Downloading', current: 1200, total: 5000 },
    ]);
    assert.deepEqual(toProgress({ status: 'Pull complete', id: 'f770099fec4a', progressDetail: {} } as never), [
      { kind: 'layer', layer: 'f770099fec4a', status: 'Pull complete' },
    ]);
    assert.deepEqual(toProgress({ status: 'Pulling from op/app', id: 'v1' } as never), [{ kind: 'status', text: 'Pulling from op/app v1' }]);
    assert.deepEqual(toProgress({ stream: 'Step 2/3 : RUN make\n' }), [{ kind: 'step', text: 'Step 2/3 : RUN make' }]);
    assert.deepEqual(toProgress({ stream: ' ---> Running in 3f2a\nbuilt it\n\n' }), [{ kind: 'status', text: 'built it' }]);
    assert.deepEqual(toProgress({ error: 'boom' }), []);
  });
});

describe('apply: ImageProgressTracker', () => {
  it('sends layer status changes at once, byte moves at most every bytesEveryMs, and a notice after quiet time', async () => {
    const events: ApplyEvent[] = [];
    const t = new ImageProgressTracker('op/app:v1', 'pull', (e) => events.push(e), { bytesEveryMs: 10_000, noticeEveryMs: 150 });
    try {
      t.report({ kind: 'layer', layer: 'f770099fec4a', status: 'Downloading', current: 1, total: 3_000_000 });
      t.report({ kind: 'layer', layer: 'f770099fec4a', status: 'Downloading', current: 2, total: 3_000_000 });
      t.report({ kind: 'layer', layer: 'f770099fec4a', status: 'Downloading', current: 3, total: 3_000_000 });
      const messages = events.map((e) => (e.type === 'image_progress' ? e.message : ''));
      // The first byte move is sent; the next one within bytesEveryMs is not.
      assert.deepEqual(messages, ['layer f770099fec4a: Downloading 1 B of 3.0 MB', '2 B of 3.0 MB, 0 of 1 layers done']);
      await new Promise((r) => setTimeout(r, 1300));
      const last = events[events.length - 1]!;
      assert.equal(last.type, 'image_progress');
      assert.match(last.type === 'image_progress' ? last.message : '', /^still pulling… \ds$/);
      assert.deepEqual(last.type === 'image_progress' ? last.layers : [], [{ id: 'f770099fec4a', status: 'Downloading', current: 3, total: 3_000_000 }]);
    } finally {
      t.stop();
    }
  });

  it('says nothing for a pull that never started (the image was present)', async () => {
    const events: ApplyEvent[] = [];
    const t = new ImageProgressTracker('op/app:v1', 'pull', (e) => events.push(e), { noticeEveryMs: 100 });
    await new Promise((r) => setTimeout(r, 1200));
    t.stop();
    assert.deepEqual(events, []);
  });
});

class ImageRuntime extends FakeRuntime {
  local = new Map<string, ImageIdentity>();
  registry = new Map<string, string | Error>();
  override async imageIdentity(ref: string): Promise<ImageIdentity | undefined> {
    return this.local.get(ref);
  }
  async registryDigest(ref: string): Promise<string> {
    const d = this.registry.get(ref);
    if (d instanceof Error) throw d;
    if (d === undefined) throw new RuntimeError('image-not-found', 'its registry has no such image');
    return d;
  }
}

function stateWith(image: string, recorded: { id: string; digest: string | null }): State {
  const config = { name: 'web', config: { image: { type: 'image', image } } };
  return putService(
    withLineage(emptyState()),
    'web',
    serviceRecord({ config, containerId: 'c1', ipAddress: null, ports: new Map(), status: 'running', image: recorded }),
  );
}

describe('apply: checkImages', () => {
  it('marks a service whose tag now names another image, with the reason', async () => {
    const rt = new ImageRuntime();
    rt.local.set('app:latest', { id: ID_A, repoDigests: [] });
    const same = await checkImages(stateWith('app:latest', { id: ID_A, digest: null }), rt);
    assert.equal(same.services.get('web')!.imageChange, undefined);
    rt.local.set('app:latest', { id: ID_B, repoDigests: [] });
    const moved = await checkImages(stateWith('app:latest', { id: ID_A, digest: null }), rt);
    assert.deepEqual(moved.services.get('web')!.imageChange, {
      reason: `image tag app:latest now names sha256:${'b'.repeat(12)}, was sha256:${'a'.repeat(12)}`,
      pull: false,
    });
  });

  it('with pull: a newer registry digest replaces (and pulls); the same digest does not; an unreachable registry is one UserError', async () => {
    const rt = new ImageRuntime();
    rt.local.set('r.example:5000/app:1', { id: ID_A, repoDigests: [`r.example:5000/app@${DIGEST_1}`] });
    const state = stateWith('r.example:5000/app:1', { id: ID_A, digest: DIGEST_1 });
    rt.registry.set('r.example:5000/app:1', DIGEST_1);
    assert.equal((await checkImages(state, rt, { pull: true })).services.get('web')!.imageChange, undefined);
    rt.registry.set('r.example:5000/app:1', DIGEST_2);
    assert.deepEqual((await checkImages(state, rt, { pull: true })).services.get('web')!.imageChange, {
      reason: `registry has sha256:${'2'.repeat(12)} for image tag r.example:5000/app:1; the service runs sha256:${'1'.repeat(12)}`,
      pull: true,
    });
    assert.equal((await checkImages(state, rt)).services.get('web')!.imageChange, undefined, 'without pull, no registry is asked');
    rt.registry.set('r.example:5000/app:1', new RuntimeError('registry-unreachable', 'its registry cannot be reached (dial tcp: refused)'));
    await assert.rejects(checkImages(state, rt, { pull: true }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.equal(
        err.message.split('\n')[0],
        "plan --pull cannot check image 'r.example:5000/app:1' (service 'web'): its registry cannot be reached (dial tcp: refused)",
      );
      return true;
    });
  });
});
