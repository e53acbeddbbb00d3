// @ts-check
// The reference Starlark implementation as a benchmark opponent: bench/go/main.go built
// with Debian's Go toolchain against Debian's go.starlark.net sources, offline, in GOPATH
// mode (GO111MODULE=off, GOPATH = the tree holding src/go.starlark.net, GOPROXY=off,
// CGO_ENABLED=0). The binary goes to a temporary directory named after a hash of the
// program, the toolchain version and the source location, so it is built once and
// reused, and never lands in the repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN_GO = fileURLToPath(new URL('../go/main.go', import.meta.url));
const FALLBACK_ROOT = '/usr/share/gocode/src/go.starlark.net';

/**
 * @typedef {{ ok: true, path: string } | { ok: false, reason: string }} ReferenceBinary
 */

/** @returns {string | undefined} the go.starlark.net source directory */
function starlarkSources() {
  /** @type {string[]} */
  const candidates = [];
  try {
    const listing = execFileSync('dpkg', ['-L', 'golang-starlark-dev'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    candidates.push(...listing.split('\n').filter((l) => l.endsWith('/src/go.starlark.net')));
  } catch {
    // not a Debian system, or the package is missing
  }
  candidates.push(FALLBACK_ROOT);
  return candidates.find((d) => existsSync(join(d, 'starlark')) && existsSync(join(d, 'starlarkjson')));
}

/** @type {Promise<ReferenceBinary> | undefined} */
let cached;

/**
 * Build (or reuse) the reference runner.
 * @returns {Promise<ReferenceBinary>}
 */
export function referenceBinary() {
  cached ??= Promise.resolve().then(build);
  return cached;
}

/** @returns {ReferenceBinary} */
function build() {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { ok: false, reason: 'Go is not installed (apt-get install golang-go)' };
  const sources = starlarkSources();
  if (!sources) return { ok: false, reason: 'go.starlark.net sources not found (apt-get install golang-starlark-dev)' };
  const gopath = dirname(dirname(sources));
  const hash = createHash('sha256').update(readFileSync(MAIN_GO)).update(version.stdout).update(sources).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `starform-bench-ref-${hash}`);
  const bin = join(dir, 'starlark-ref');
  if (existsSync(bin)) return { ok: true, path: bin };
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `starlark-ref.${process.pid}.tmp`);
  const result = spawnSync('go', ['build', '-o', partial, MAIN_GO], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: gopath,
      GOFLAGS: '',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      GOCACHE: join(tmpdir(), 'starform-bench-gocache'),
    },
  });
  if (result.status !== 0) {
    return { ok: false, reason: `go build failed: ${(result.stderr || String(result.error)).trim().split('\n').slice(0, 3).join(' | ')}` };
  }
  renameSync(partial, bin);
  return { ok: true, path: bin };
}
