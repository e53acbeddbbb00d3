// The images apply prepares before its first step: one request per image, pulled when
// missing, with an ImageSpec's registry credentials passed on to the engine.
import assert from 'node:assert/strict';
import type { ImageRequest, Runtime } from '../../lib/docker/index.js';
import type { WorkItem } from '../../lib/apply/graph.js';
import { imagesNeeded, prepareImages, registryAuth } from '../../lib/apply/images.js';
import type { Instruction } from '../../lib/plan/index.js';
import type { ImageJson } from '../../lib/instructions/index.js';

function serviceItem(index: number, name: string, image: ImageJson): WorkItem {
  const instruction = {
    id: `service.${name}`,
    kind: 'add_service',
    args: { name, config: { image } },
    description: '',
    position: { file: 'main.star', line: index + 1, col: 5 },
    stack: [],
    services: [],
    artifacts: [],
    refs: [],
    produces: [],
  } as unknown as Instruction;
  return { index, stepId: instruction.id, kind: 'add_service', action: 'create', reason: '', instruction, reads: [], writes: [], deps: [] };
}

describe('apply: images', () => {
  it('turns ImageSpec credentials into the registry auth of the pull', () => {
    const spec = (registry: string | null, username: string | null, password: string | null): Extract<ImageJson, { type: 'registry' }> => ({
      type: 'registry',
      image: 'registry.example.com/team/app:1',
      registry,
      username,
      password,
    });
    assert.deepEqual(registryAuth(spec(null, null, null)), {});
    assert.deepEqual(registryAuth(spec('https://registry.example.com/', 'me', 's3cret')), {
      auth: { username: 'me', password: 's3cret', serverAddress: 'registry.example.com' },
    });
    assert.deepEqual(registryAuth(spec('http://hub.docker.com', 'me', 's3cret')), { auth: { username: 'me', password: 's3cret' } });
    assert.deepEqual(registryAuth(spec(null, 'me', 's3cret')), { auth: { username: 'me', password: 's3cret' } });
  });

  it('asks the engine for each image once, with the credentials given for it anywhere', async () => {
    const seen: ImageRequest[] = [];
    const runtime = {
      async ensureImages(requests: readonly ImageRequest[]) {
        seen.push(...requests);
        return requests.map((r) => ({ ref: r.ref, ok: true as const, action: 'pulled' as const, id: 'sha256:x' }));
      },
    } as unknown as Runtime;
    const items = [
      serviceItem(0, 'a', { type: 'image', image: 'private.example.com/app:1' }),
      serviceItem(1, 'b', { type: 'image', image: 'busybox:1.36' }),
      serviceItem(2, 'c', { type: 'image', image: 'busybox:1.36' }),
      serviceItem(3, 'd', { type: 'registry', image: 'private.example.com/app:1', registry: 'https://private.example.com', username: 'u', password: 'p' }),
    ];
    const pulled: string[] = [];
    await prepareImages(runtime, imagesNeeded(items), new Map(), (ref, action) => pulled.push(`${action} ${ref}`));
    assert.deepEqual(seen, [
      { ref: 'private.example.com/app:1', pull: 'if-missing', auth: { username: 'u', password: 'p', serverAddress: 'private.example.com' } },
      { ref: 'busybox:1.36', pull: 'if-missing' },
    ]);
    assert.deepEqual(pulled, ['pulled private.example.com/app:1', 'pulled busybox:1.36']);
  });
});
