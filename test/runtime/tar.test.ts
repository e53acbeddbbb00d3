// Tar helpers: packing in-memory files, reading archives back, relocating an archive
// under a mount path (and refusing entries that climb out), streaming a directory.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { packFiles, readArchive } from '../../lib/runtime/index.js';
import { collectStream, packDirectory, relocateArchive } from '../../lib/runtime/tar.js';
import { REPO_ROOT } from '../docker/engine.js';
import tar from 'tar-stream';

async function rawArchive(names: string[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const name of names) pack.entry({ name }, 'x');
  pack.finalize();
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(Buffer.from(c as Uint8Array));
    });
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  return Buffer.concat(chunks);
}

describe('docker runtime: tar helpers', () => {
  it('packs files with their parent directories, deterministically', async () => {
    const files = [
      { path: 'b/c.txt', content: 'C' },
      { path: 'a.txt', content: Buffer.from('A'), mode: 0o600 },
    ];
    const archive = await packFiles(files);
    assert.deepEqual(archive, await packFiles(files));
    const entries = await readArchive(archive);
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.content.toString()]),
      [
        ['a.txt', 'file', 'A'],
        ['b', 'directory', ''],
        ['b/c.txt', 'file', 'C'],
      ],
    );
    assert.equal(entries[0]!.mode, 0o600);
  });

  it('relocates an archive under a mount path', async () => {
    const archive = await packFiles([{ path: 'conf/app.yml', content: 'x: 1' }]);
    const moved = await readArchive(await relocateArchive(archive, '/etc/app/'));
    assert.deepEqual(
      moved.map((e) => e.path),
      ['etc/app/conf', 'etc/app/conf/app.yml'],
    );
    const empty = await readArchive(await relocateArchive(await packFiles([]), '/data'));
    assert.deepEqual(
      empty.map((e) => [e.path, e.type]),
      [['data', 'directory']],
    );
    const root = await readArchive(await relocateArchive(await rawArchive(['./', './x']), '/'));
    assert.deepEqual(
      root.map((e) => e.path),
      ['x'],
    );
  });

  it('refuses entries outside the archive and bad mount paths', async () => {
    await assert.rejects(relocateArchive(await rawArchive(['../evil']), '/srv'), { code: 'invalid-spec' });
    await assert.rejects(relocateArchive(await packFiles([]), 'srv'), { code: 'invalid-spec' });
    await assert.rejects(relocateArchive(await packFiles([]), '/srv/../..'), { code: 'invalid-spec' });
    await assert.rejects(readArchive(Buffer.from('this is not a tar archive'.repeat(40))), { code: 'invalid-spec' });
  });

  it('streams a directory as a tar archive', async () => {
    const archive = await collectStream(packDirectory(join(REPO_ROOT, 'fixtures/images/multistage')));
    const entries = await readArchive(archive);
    assert.deepEqual(
      entries.map((e) => e.path),
      ['Dockerfile', 'message.txt'],
    );
    assert.equal(entries[1]!.content.toString(), 'copied from the build context\n');
  });
});
