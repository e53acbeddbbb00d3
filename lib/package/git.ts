// The system `git`, run for fetching packages: resolving a ref on a remote repository,
// fetching one commit into a scratch repository, and reading that commit's tree as bytes.
//
// Why the git binary and not a library (docs/decisions.md): it speaks every transport and
// honours the user's own git set-up — credential helpers, `url.<base>.insteadOf`
// rewrites, proxies, CA bundles — which is how people reach private repositories.
//
// Every invocation is hardened, with settings passed through GIT_CONFIG_COUNT/KEY/VALUE
// (the command line's priority, but invisible in `ps`): hooks point at /dev/null, only the
// network transports are allowed (no `file::`, no `ext::`), submodules are never fetched,
// received objects are fsck'ed, and git never prompts (`GIT_TERMINAL_PROMPT=0`). A token
// ($STARFORM_GIT_TOKEN) travels as an `http.extraHeader` the same way, and is scrubbed
// from every message. The tree is read with `ls-tree` and `cat-file --batch` rather than
// checked out, so no filter, attribute or checkout-time path trick of the repository ever
// runs: the bytes of each blob are what the package gets.
//
// Calls are synchronous (spawnSync): they happen in the middle of an interpretation,
// which is synchronous, the way Kurtosis clones when an import first names a repository.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { UserError } from '../util/errors.js';

/** Where a repository is fetched from, and with what. */
export interface GitRemoteOptions {
  /** `https://github.com` unless $STARFORM_GIT_BASE_URL says otherwise; no trailing '/'. */
  readonly baseUrl: string;
  /** A token for HTTP(S) servers (sent as Basic auth, user `x-access-token`); never printed. */
  readonly token?: string;
  /** The environment git runs with (credential helpers and git config come from it). */
  readonly env: NodeJS.ProcessEnv;
  /** Show git's own transfer progress on the terminal (stderr is a TTY). */
  readonly showProgress?: boolean;
}

/** One entry of a commit's tree, as read from git. */
export interface TreeEntry {
  /** Relative posix path inside the repository. */
  readonly path: string;
  readonly kind: 'file' | 'executable' | 'symlink';
  /** Content; for a symlink, its target. */
  readonly bytes: Buffer;
}

const DEFAULT_GIT_BASE_URL = 'https://github.com';
const FULL_COMMIT = /^[0-9a-f]{40}$/;
const SHORT_COMMIT = /^[0-9a-f]{7,39}$/;

/** The remote options from the environment: STARFORM_GIT_BASE_URL and STARFORM_GIT_TOKEN. */
export function gitRemoteFromEnv(env: NodeJS.ProcessEnv = process.env, showProgress = false): GitRemoteOptions {
  const base = (env['STARFORM_GIT_BASE_URL'] ?? '').trim() || DEFAULT_GIT_BASE_URL;
  if (!/^(https?|ssh|git):\/\//.test(base)) {
    throw new UserError(`STARFORM_GIT_BASE_URL must be an http(s)://, ssh:// or git:// URL, got '${base}'`, {
      hint: 'It replaces https://github.com in https://github.com/<owner>/<repo>.git, e.g. http://127.0.0.1:8418.',
    });
  }
  const token = env['STARFORM_GIT_TOKEN'];
  return { baseUrl: base.replace(/\/+$/, ''), env, showProgress, ...(token ? { token } : {}) };
}

/** The URL of `github.com/<owner>/<repo>`. */
export function repositoryUrl(remote: GitRemoteOptions, owner: string, repo: string): string {
  return `${remote.baseUrl}/${owner}/${repo}.git`;
}

/** The hardened git configuration, as GIT_CONFIG_* variables appended to `env`. */
function gitEnv(remote: GitRemoteOptions): NodeJS.ProcessEnv {
  const settings: [string, string][] = [
    ['core.hooksPath', '/dev/null'],
    ['core.fsmonitor', 'false'],
    ['protocol.allow', 'never'],
    ['protocol.https.allow', 'always'],
    ['protocol.http.allow', 'always'],
    ['protocol.ssh.allow', 'always'],
    ['protocol.git.allow', 'always'],
    ['submodule.recurse', 'false'],
    ['fetch.recurseSubmodules', 'false'],
    ['transfer.fsckObjects', 'true'],
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
    ['advice.detachedHead', 'false'],
    ['init.defaultBranch', 'main'],
  ];
  if (remote.token) {
    const basic = Buffer.from(`x-access-token:${remote.token}`).toString('base64');
    settings.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
  }
  const env: NodeJS.ProcessEnv = { ...remote.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: remote.env['GIT_ASKPASS'] ?? '', LC_ALL: 'C' };
  delete env['GIT_DIR'];
  delete env['GIT_WORK_TREE'];
  delete env['GIT_INDEX_FILE'];
  let count = Number(env['GIT_CONFIG_COUNT'] ?? '0');
  if (!Number.isInteger(count) || count < 0) count = 0;
  for (const [key, value] of settings) {
    env[`GIT_CONFIG_KEY_${count}`] = key;
    env[`GIT_CONFIG_VALUE_${count}`] = value;
    count++;
  }
  env['GIT_CONFIG_COUNT'] = String(count);
  return env;
}

/** Replaces the token (and its Basic form) in text git printed. */
export function scrub(text: string, remote: GitRemoteOptions): string {
  if (!remote.token) return text;
  const basic = Buffer.from(`x-access-token:${remote.token}`).toString('base64');
  return text.split(remote.token).join('***').split(basic).join('***');
}

interface RunOptions {
  readonly cwd: string;
  readonly input?: string;
  /** Let git write its progress to our stderr. */
  readonly inheritStderr?: boolean;
}

function run(remote: GitRemoteOptions, args: readonly string[], options: RunOptions): SpawnSyncReturns<Buffer> {
  const result = spawnSync('git', args, {
    cwd: options.cwd,
    env: gitEnv(remote),
    input: options.input,
    stdio: ['pipe', 'pipe', options.inheritStderr ? 'inherit' : 'pipe'],
    maxBuffer: 4 * 1024 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError('cannot fetch packages: the `git` command is not installed', {
        hint: 'Install git (Debian/Ubuntu: apt-get install git), or provide the package locally with --package LOCATOR=DIR.',
      });
    }
    throw new UserError(`cannot run git: ${result.error.message}`, { cause: result.error });
  }
  return result;
}

/** git's message, cleaned for a one-paragraph error: token scrubbed, hints dropped. */
function gitMessage(result: SpawnSyncReturns<Buffer>, remote: GitRemoteOptions): string {
  const text = scrub(result.stderr ? result.stderr.toString('utf8') : '', remote);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:'));
  return lines.join('; ') || `git exited with status ${result.status}`;
}

/** A UserError for a failed network operation on `repo`, worded by what went wrong. */
function remoteError(result: SpawnSyncReturns<Buffer>, remote: GitRemoteOptions, repo: string, url: string): UserError {
  const msg = gitMessage(result, remote);
  const where = `${repo} (${scrub(url, remote)})`;
  if (/Authentication failed|could not read Username|terminal prompts disabled|requested URL returned error: 40[13]|403 Forbidden/.test(msg)) {
    return new UserError(
      remote.token
        ? `cannot fetch ${where}: the server refused the token in STARFORM_GIT_TOKEN`
        : `cannot fetch ${where}: the server asks for credentials (a private repository?)`,
      { hint: 'Set STARFORM_GIT_TOKEN to a token that can read the repository, or configure a git credential helper (git config credential.helper).' },
    );
  }
  if (/not found|does not exist|returned error: 404/i.test(msg)) {
    return new UserError(`cannot fetch ${where}: no such repository (${msg})`, {
      hint: 'Check the locator\'s owner and repository names; a private repository also answers "not found" without credentials.',
    });
  }
  if (/Could not resolve host|Failed to connect|Connection refused|timed out|unable to access/i.test(msg)) {
    return new UserError(`cannot fetch ${where}: the server cannot be reached (${msg})`, {
      hint: 'With the packages already in the cache (starform packages fetch), pass --offline to plan without the network.',
    });
  }
  return new UserError(`cannot fetch ${where}: ${msg}`);
}

/** The refs of a remote repository: `HEAD`, `refs/heads/*`, `refs/tags/*` (tags peeled). */
export function listRemoteRefs(remote: GitRemoteOptions, repo: string, url: string, cwd: string): Map<string, string> {
  const result = run(remote, ['ls-remote', '--', url], { cwd });
  if (result.status !== 0) throw remoteError(result, remote, repo, url);
  const refs = new Map<string, string>();
  const peeled = new Map<string, string>();
  for (const line of result.stdout.toString('utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const sha = line.slice(0, tab);
    const name = line.slice(tab + 1);
    if (!FULL_COMMIT.test(sha)) continue;
    if (name.endsWith('^{}')) peeled.set(name.slice(0, -3), sha);
    else refs.set(name, sha);
  }
  for (const [name, sha] of peeled) refs.set(name, sha);
  return refs;
}

/** What a requested ref turned out to be. */
export type ResolvedRef =
  | { readonly kind: 'tag' | 'branch' | 'default-branch'; readonly commit: string }
  | { readonly kind: 'commit'; readonly commit: string }
  /** A short commit: only a full fetch of the repository can tell which commit it is. */
  | { readonly kind: 'short-commit'; readonly prefix: string };

/**
 * Resolves `ref` (`repo` names the repository and ref in messages: `github.com/o/r@v1`) (a tag, a branch or a commit, as in Kurtosis: tags first, then branches;
 * none: the default branch) against a remote's refs. A full commit id needs no network.
 */
export function resolveRef(ref: string | undefined, refs: () => Map<string, string>, repo: string): ResolvedRef {
  if (ref !== undefined && FULL_COMMIT.test(ref)) return { kind: 'commit', commit: ref };
  const all = refs();
  if (ref === undefined) {
    const head = all.get('HEAD');
    if (!head) throw new UserError(`cannot fetch ${repo}: the repository has no default branch (it is empty?)`);
    return { kind: 'default-branch', commit: head };
  }
  const tag = all.get(`refs/tags/${ref}`);
  if (tag) return { kind: 'tag', commit: tag };
  const branch = all.get(`refs/heads/${ref}`);
  if (branch) return { kind: 'branch', commit: branch };
  if (SHORT_COMMIT.test(ref)) return { kind: 'short-commit', prefix: ref };
  throw new UserError(`cannot fetch ${repo}: the repository has no tag, branch or commit '${ref}'`);
}

/**
 * Fetches `commit` (or, for a short commit, every branch and tag, then finds it) from
 * `url` into the empty scratch directory `scratch`; returns the full commit id.
 */
export function fetchCommit(remote: GitRemoteOptions, repo: string, url: string, scratch: string, want: ResolvedRef): string {
  const init = run(remote, ['init', '--bare', '--quiet', '.'], { cwd: scratch });
  if (init.status !== 0) throw new UserError(`cannot prepare a scratch repository in ${scratch}: ${gitMessage(init, remote)}`);
  const progress = remote.showProgress ? ['--progress'] : ['--no-progress'];
  if (want.kind !== 'short-commit') {
    const fetched = run(remote, ['fetch', '--quiet', ...progress, '--no-tags', '--no-recurse-submodules', '--depth=1', '--', url, want.commit], {
      cwd: scratch,
      inheritStderr: remote.showProgress,
    });
    if (fetched.status !== 0) {
      if (remote.showProgress) {
        // git wrote to the terminal; ask again quietly to word the error (credentials, network).
        listRemoteRefs({ ...remote, showProgress: false }, repo, url, scratch);
        throw new UserError(`cannot fetch ${repo} at commit ${want.commit} from ${scrub(url, remote)} (git's message is above)`);
      }
      if (want.kind === 'commit' && /not our ref|no such remote ref|couldn't find remote ref|upload-pack: not our ref/i.test(gitMessage(fetched, remote))) {
        throw new UserError(`cannot fetch ${repo}: the repository has no commit ${want.commit}`);
      }
      throw remoteError(fetched, remote, repo, url);
    }
    return want.commit;
  }
  const fetched = run(
    remote,
    ['fetch', '--quiet', ...progress, '--no-tags', '--no-recurse-submodules', '--', url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'],
    { cwd: scratch, inheritStderr: remote.showProgress },
  );
  if (fetched.status !== 0) {
    if (remote.showProgress) {
      listRemoteRefs({ ...remote, showProgress: false }, repo, url, scratch);
      throw new UserError(`cannot fetch ${repo} from ${scrub(url, remote)} (git's message is above)`);
    }
    throw remoteError(fetched, remote, repo, url);
  }
  const parsed = run(remote, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${want.prefix}^{commit}`], { cwd: scratch });
  const commit = parsed.stdout.toString('utf8').trim();
  if (parsed.status !== 0 || !FULL_COMMIT.test(commit)) {
    throw new UserError(`cannot fetch ${repo}: the repository has no tag, branch or commit '${want.prefix}' (or it is an ambiguous abbreviation)`);
  }
  return commit;
}

/**
 * Every file of `commit`'s tree, read from the scratch repository. Submodules (gitlinks)
 * are left out: they are never fetched. Paths are checked again here (git's fsck already
 * refuses `..`, `.git` and absolute names) so a path can only ever land inside the copy.
 */
export function readCommitTree(remote: GitRemoteOptions, scratch: string, commit: string): TreeEntry[] {
  const listed = run(remote, ['ls-tree', '-r', '-z', '--full-tree', commit], { cwd: scratch });
  if (listed.status !== 0) throw new UserError(`cannot list the files of commit ${commit}: ${gitMessage(listed, remote)}`);
  const wanted: { path: string; kind: TreeEntry['kind']; oid: string }[] = [];
  for (const record of listed.stdout.toString('utf8').split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    const path = record.slice(tab + 1);
    if (type !== 'blob' || !oid) continue;
    checkTreePath(path, commit);
    const kind = mode === '120000' ? 'symlink' : mode === '100755' ? 'executable' : 'file';
    wanted.push({ path, kind, oid });
  }
  if (wanted.length === 0) return [];
  const batch = run(remote, ['cat-file', '--batch'], { cwd: scratch, input: wanted.map((w) => w.oid).join('\n') + '\n' });
  if (batch.status !== 0) throw new UserError(`cannot read the files of commit ${commit}: ${gitMessage(batch, remote)}`);
  const out = batch.stdout;
  const entries: TreeEntry[] = [];
  let at = 0;
  for (const w of wanted) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8').split(' ');
    const size = Number(header[2]);
    if (header[0] !== w.oid || header[1] !== 'blob' || !Number.isInteger(size)) {
      throw new Error(`git cat-file answered '${header.join(' ')}' for blob ${w.oid}`);
    }
    entries.push({ path: w.path, kind: w.kind, bytes: Buffer.from(out.subarray(eol + 1, eol + 1 + size)) });
    at = eol + 1 + size + 1;
  }
  return entries;
}

function checkTreePath(path: string, commit: string): void {
  const segments = path.split('/');
  if (path.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git')) {
    throw new UserError(`commit ${commit} has a file named '${path}', which starform refuses to write`);
  }
}
