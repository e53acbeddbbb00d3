// A symbolic link in one files artifact must not let another artifact, mounted below it
// on the same service, write outside its mount path inside the container (issue 18.11).
// On the real engine: a service makes /out/sub -> /etc, store_service_files keeps it in
// an artifact, and a second service mounts that artifact at /data and an upload at
// /data/out/sub — which, unpacked through the link, would land in the container's /etc.
// The apply refuses that service, naming both artifacts and the link, and creates no
// container for it. Also unit cases of the check (lib/apply/mount-links.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkMountLinks } from '../../lib/apply/mount-links.js';
import { relocateArchive } from '../../lib/runtime/tar.js';
import { packEntriesForTests } from './helpers/archives.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const IMAGE = 'starform-test/busybox:latest';

const PACKAGE = `def run(plan):
    plan.add_service(name = "src", config = ServiceConfig(image = "${IMAGE}", cmd = ["sleep", "3600"]))
    plan.exec(service_name = "src", recipe = ExecRecipe(command = ["sh", "-c", "mkdir -p /out && ln -s /etc /out/sub && echo kept > /out/a.txt"]))
    linked = plan.store_service_files(service_name = "src", src = "/out", name = "linked")
    payload = plan.upload_files(src = "./payload", name = "payload")
    plan.add_service(
        name = "victim",
        config = ServiceConfig(image = "${IMAGE}", cmd = ["sleep", "3600"], files = {"/data": linked, "/data/out/sub": payload}),
    )
`;

function docker(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '' };
}

describe('apply: files artifacts mounted below a symbolic link (Docker)', function () {
  this.timeout(180_000);
  let dir: string;
  before(function () {
    if (docker(['image', 'inspect', IMAGE]).status !== 0) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-mountlinks-'));
  });
  afterEach(() => {
    spawnSync(process.execPath, [bin, 'destroy', '--auto-approve', '--state', join(dir, 's.json')], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the service whose mount would be written through the link, and creates no container for it', () => {
    const pkg = join(dir, 'pkg');
    mkdirSync(join(pkg, 'payload'), { recursive: true });
    writeFileSync(join(pkg, 'main.star'), PACKAGE);
    writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-test/mountlinks\n');
    writeFileSync(join(pkg, 'payload', 'escaped.txt'), 'written outside the mount path\n');
    const r = spawnSync(process.execPath, [bin, 'apply', pkg, '--auto-approve', '--state', join(dir, 's.json')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 1, `apply should fail:\n${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stderr,
      /^main\.star:6:21: service\.victim .*failed: files artifact 'payload' mounted at \/data\/out\/sub in service 'victim' would be written through a symbolic link/m,
    );
    assert.match(r.stderr, /files artifact 'linked' \(mounted at \/data\) has \/data\/out\/sub -> \/etc/);
    assert.doesNotMatch(r.stderr, /internal error/);
    const victims = docker(['ps', '-a', '--filter', 'label=starform.service=victim', '--format', '{{.ID}}']).stdout.trim();
    assert.equal(victims, '', 'no container was created for the refused service');
  });
});

describe('mount links check', () => {
  const linkArchive = (path: string, target: string) => packEntriesForTests([{ name: path, type: 'symlink', linkname: target }]);
  const fileArchive = (path: string) => packEntriesForTests([{ name: path, type: 'file', content: 'x' }]);

  it('allows nested mounts without links, and links nothing is mounted under', async () => {
    await checkMountLinks('s', [
      { mountPath: '/data', artifact: 'a', archive: await linkArchive('cfg', '/etc') },
      { mountPath: '/data/other', artifact: 'b', archive: await fileArchive('f.txt') },
      { mountPath: '/data2', artifact: 'c', archive: await fileArchive('cfg/x') },
    ]);
  });

  it('refuses a mount at, or files below, a link another artifact made', async () => {
    await assert.rejects(
      checkMountLinks('s', [
        { mountPath: '/data', artifact: 'a', archive: await linkArchive('cfg', '/etc') },
        { mountPath: '/data/cfg/deeper', artifact: 'b', archive: await fileArchive('f.txt') },
      ]),
      /files artifact 'b' mounted at \/data\/cfg\/deeper .* has \/data\/cfg -> \/etc, and the mount path \/data\/cfg\/deeper lies below it/,
    );
    await assert.rejects(
      checkMountLinks('s', [
        { mountPath: '/data', artifact: 'a', archive: await linkArchive('cfg', '../../etc') },
        { mountPath: '/data', artifact: 'b', archive: await fileArchive('cfg/passwd') },
      ]),
      /files artifact 'b' mounted at \/data .* has \/data\/cfg -> \.\.\/\.\.\/etc, and its entry \/data\/cfg\/passwd lies below it/,
    );
  });

  it('refuses an archive whose own files lie below its own link', async () => {
    const archive = await packEntriesForTests([
      { name: 'l', type: 'symlink', linkname: '/etc' },
      { name: 'l/passwd', type: 'file', content: 'x' },
    ]);
    await assert.rejects(checkMountLinks('s', [{ mountPath: '/m', artifact: 'a', archive }]), /its entry \/m\/l\/passwd lies below it/);
    // relocateArchive keeps such entries as they are: the check is what stops them.
    assert.ok((await relocateArchive(archive, '/m')).length > 0);
  });
});
