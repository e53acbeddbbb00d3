// Small tmpfs file systems for the full-disk tests: `useTmpfs` mounts one (of `sizeKiB`)
// before each test of the suite that calls it and unmounts it afterwards. Mounting needs
// root: without it the tests are skipped with a message, except under CI (CI=true), where
// they must run (.ci/run runs as root and sets CI) and so fail instead.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  /** The mount point of the current test's file system. */
  dir: string;
}

/** Whether the tests run under CI (CI set, as .ci/run sets it), where they must not skip. */
function underCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

export function useTmpfs(sizeKiB: number): Tmpfs {
  const fs: Tmpfs = { dir: '' };
  beforeEach(function () {
    const isRoot = process.getuid?.() === 0;
    if (!isRoot) {
      if (underCi()) throw new Error('the full-disk tests mount a tmpfs and must run as root under CI');
      console.log('      (skipped: the full-disk tests mount a tmpfs, which needs root)');
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'starform-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const why = `cannot mount a ${sizeKiB} KiB tmpfs: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err)}`;
      if (underCi()) throw new Error(why);
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    fs.dir = dir;
  });
  afterEach(() => {
    if (fs.dir === '') return;
    try {
      execFileSync('umount', [fs.dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', fs.dir], { stdio: 'pipe' });
    }
    rmSync(fs.dir, { recursive: true, force: true });
    fs.dir = '';
  });
  return fs;
}

/** Fills the file system holding `dir` up to `leaveBytes` free (with a file `dir`/filler). */
export function fill(dir: string, leaveBytes: number): void {
  const out = execFileSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' });
  const avail = Number(out.trim().split('\n').at(-1));
  writeFileSync(join(dir, 'filler'), Buffer.alloc(Math.max(0, avail - leaveBytes)));
}
