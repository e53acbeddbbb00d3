// Packages by locator: turns `github.com/<owner>/<repo>` at a ref into a local directory,
// the way Kurtosis clones a repository the first time a locator names it — but pinned by
// starform.lock and served from a content-addressed cache (lib/package/cache.ts).
//
// For a repository and a requested ref (tag, branch, commit, or none: the default
// branch), `checkout` decides the commit:
//   1. the lock's entry for that repository and ref, unless `--upgrade`;
//   2. with `--offline`: a full commit id as written, else what the ref last resolved to
//      in this cache (refs.json) — else an error naming the locator;
//   3. else the remote's refs (`git ls-remote`; a full commit id needs no call).
// Then the cache's copy of that commit, its digest checked against the lock's (or the
// copy's own record) — a changed copy is refused — or, online, a fetch of that one
// commit, whose digest must match the lock's when the lock has the entry.
//
// What was used is collected for the lock file (`saveLock`, after an interpretation
// that succeeded: entries no longer used are dropped) and for the plan file (`used`).
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { UserError } from '../util/errors.js';
import type { Digest } from '../util/hash.js';
import { directoryDigest, entriesDigest, PackageCache, tamperedError, type CachedCommit } from './cache.js';
import { fetchCommit, gitRemoteFromEnv, listRemoteRefs, readCommitTree, repositoryUrl, resolveRef, type GitRemoteOptions, type ResolvedRef } from './git.js';
import { GITHUB, parseAbsoluteLocator, type AbsoluteLocator } from './locator.js';
import { lockKey, readLock, writeLock, type Lock, type LockEntry } from './lock.js';

/** What the workspace asks of a package source it cannot find locally. */
export interface PackageRemote {
  /** The local directory holding repository `repo` (`['github.com', owner, name]`) at `ref`. */
  checkout(repo: readonly string[], ref: string | undefined): RepositoryCheckout;
  /** Every repository used so far, in the order first used. */
  used(): readonly ResolvedRepository[];
  /** After an interpretation that succeeded: records what was used in the lock file. */
  saveLock(): void;
}

export interface RepositoryCheckout {
  /** The repository's files (read-only, in the cache). */
  readonly dir: string;
  /** How messages name it: `github.com/o/r@v1 (commit 1a2b3c4)`. */
  readonly label: string;
}

/** A repository as resolved for this run. */
export interface ResolvedRepository extends LockEntry {
  /** Where it came from this time. */
  readonly source: 'lock' | 'resolved' | 'offline-record';
  /** Whether this run fetched it (else it was in the cache). */
  readonly fetched: boolean;
}

export interface FetcherOptions {
  /** The package cache root. */
  readonly cacheDir: string;
  /** The lock file to honour and update; null: no lock file (e.g. `packages fetch LOCATOR`). */
  readonly lockFile: string | null;
  /** Never touch the network. */
  readonly offline?: boolean;
  /** Re-resolve refs instead of using the lock's commits. */
  readonly upgrade?: boolean;
  /** Environment for git ($STARFORM_GIT_BASE_URL, $STARFORM_GIT_TOKEN, credential helpers). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where progress lines go; default stderr. */
  readonly report?: (line: string) => void;
  /** Whether progress goes to a terminal (then git's transfer progress is shown too). */
  readonly terminal?: boolean;
  /** Read the lock but never write it (`packages list`). */
  readonly readOnlyLock?: boolean;
  /** Keep lock entries this run did not use (`packages fetch`, which may run with other args). */
  readonly keepUnused?: boolean;
}

const FULL_COMMIT = /^[0-9a-f]{40}$/;

/** `github.com/...` given as the package to plan, when no such local path exists. */
export function remoteRootLocator(dir: string): AbsoluteLocator | undefined {
  if (!dir.startsWith(`${GITHUB}/`)) return undefined;
  return parseAbsoluteLocator(dir);
}

export class PackageFetcher implements PackageRemote {
  readonly cache: PackageCache;
  private readonly lock: Lock;
  private readonly git: () => GitRemoteOptions;
  private readonly report: (line: string) => void;
  private readonly resolved = new Map<string, { entry: ResolvedRepository; dir: string }>();
  private readonly verified = new Set<string>();

  constructor(private readonly options: FetcherOptions) {
    this.cache = new PackageCache(options.cacheDir);
    this.lock = options.lockFile ? readLock(options.lockFile) : new Map();
    const env = options.env ?? process.env;
    let remote: GitRemoteOptions | undefined;
    // Read lazily: a planning run from the lock and the cache never looks at the variables.
    this.git = () => (remote ??= gitRemoteFromEnv(env, options.terminal ?? false));
    this.report = options.report ?? ((line) => process.stderr.write(`${line}\n`));
  }

  used(): readonly ResolvedRepository[] {
    return [...this.resolved.values()].map((r) => r.entry);
  }

  /**
   * What a fetcher like this one is made from, as plain data (no functions, no environment):
   * the interpreter's worker thread builds its own from it (lib/plan/interpret-worker.ts).
   */
  transferable(): Omit<FetcherOptions, 'env' | 'report'> {
    const { env: _env, report: _report, ...plain } = this.options;
    return plain;
  }

  /** The lock file's entries as read. */
  locked(): readonly LockEntry[] {
    return [...this.lock.values()];
  }

  saveLock(): void {
    if (this.options.lockFile === null || this.options.readOnlyLock) return;
    const entries: LockEntry[] = this.used().map(({ locator, ref, commit, digest }) => ({ locator, ref, commit, digest }));
    if (this.options.keepUnused) {
      for (const [key, e] of this.lock) if (!this.resolved.has(key)) entries.push(e);
    }
    // A run that used no repository leaves a lock it did not need alone (and writes none).
    if (entries.length === 0 && this.lock.size === 0) return;
    if (writeLock(this.options.lockFile, entries)) {
      const changed = entries.filter((e) => this.lock.get(lockKey(e.locator, e.ref))?.commit !== e.commit).length;
      const dropped = [...this.lock.keys()].filter((k) => !entries.some((e) => lockKey(e.locator, e.ref) === k)).length;
      if (changed > 0 || dropped > 0) {
        this.report(
          `Wrote ${this.options.lockFile}: ${entries.length} repositor${entries.length === 1 ? 'y' : 'ies'} pinned${changed ? `, ${changed} new or changed` : ''}${dropped ? `, ${dropped} no longer used dropped` : ''}.`,
        );
      }
    }
  }

  checkout(repo: readonly string[], ref: string | undefined): RepositoryCheckout {
    const locator = repo.join('/');
    const key = lockKey(locator, ref ?? null);
    const known = this.resolved.get(key);
    if (known) return { dir: known.dir, label: labelOf(key, known.entry.commit) };

    const locked = this.options.upgrade ? undefined : this.lock.get(key);
    let commit: string | undefined;
    let want: ResolvedRef | undefined;
    let source: ResolvedRepository['source'];
    if (locked) {
      commit = locked.commit;
      source = 'lock';
    } else if (this.options.offline) {
      const recorded = ref !== undefined && FULL_COMMIT.test(ref) ? ref : this.cache.recordedRef(repo, ref)?.commit;
      if (recorded === undefined) throw this.offlineMiss(key, undefined);
      commit = recorded;
      source = 'offline-record';
    } else {
      const remote = this.git();
      const url = repositoryUrl(remote, repo[1]!, repo[2]!);
      want = resolveRef(ref, () => listRemoteRefs(remote, key, url, tmpdir()), key);
      if (want.kind !== 'short-commit') commit = want.commit;
      source = 'resolved';
    }

    let cached = commit === undefined ? undefined : this.cache.lookup(repo, commit);
    let digest: Digest;
    let fetched = false;
    if (cached && commit !== undefined) {
      digest = this.verify(key, commit, cached, locked?.digest);
    } else if (this.options.offline) {
      throw this.offlineMiss(key, commit);
    } else {
      const got = this.fetch(repo, key, want ?? { kind: 'commit', commit: commit! }, locked);
      commit = got.commit;
      cached = got.cached;
      digest = got.digest;
      fetched = true;
    }
    if (source === 'resolved') this.cache.recordRef(repo, ref, commit!);
    const entry: ResolvedRepository = { locator, ref: ref ?? null, commit: commit!, digest, source, fetched };
    this.resolved.set(key, { entry, dir: cached.tree });
    return { dir: cached.tree, label: labelOf(key, commit!) };
  }

  /** The digest of a cached copy, which must be the lock's (or, unlocked, its own record). */
  private verify(key: string, commit: string, cached: CachedCommit, lockedDigest: Digest | undefined): Digest {
    const expected = lockedDigest ?? cached.recordedDigest;
    const memo = `${cached.tree}\0${expected}`;
    if (expected !== undefined && this.verified.has(memo)) return expected;
    const actual = directoryDigest(cached.tree);
    if (expected !== undefined && actual !== expected) {
      const against = lockedDigest ? `the digest in ${this.options.lockFile}` : 'the digest recorded when it was fetched';
      throw tamperedError(labelOf(key, commit), cached.tree, expected, actual, against);
    }
    this.verified.add(`${cached.tree}\0${actual}`);
    return actual;
  }

  private fetch(
    repo: readonly string[],
    key: string,
    want: ResolvedRef,
    locked: LockEntry | undefined,
  ): { commit: string; cached: CachedCommit; digest: Digest } {
    const remote = this.git();
    const url = repositoryUrl(remote, repo[1]!, repo[2]!);
    const started = performance.now();
    const what = want.kind === 'short-commit' ? key : labelOf(key, want.commit);
    this.report(`Fetching ${what} from ${url}`);
    const scratch = this.cache.scratch();
    try {
      const commit = fetchCommit(remote, key, url, scratch, want);
      if (locked && locked.commit !== commit) throw new Error(`fetched ${commit} for the locked commit ${locked.commit}`);
      const entries = readCommitTree(remote, scratch, commit);
      const digest = entriesDigest(entries);
      if (locked && locked.digest !== digest) {
        throw new UserError(
          `the content of ${labelOf(key, commit)} as fetched does not match the digest in ${this.options.lockFile}: ` +
            `it is ${digest}, the lock says ${locked.digest}`,
          { hint: 'The lock was written from other content for this commit. If you trust the repository, run `starform plan --upgrade` to pin it afresh.' },
        );
      }
      const cached = this.cache.store(repo, commit, entries, digest);
      this.verified.add(`${cached.tree}\0${digest}`);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      this.report(`Fetched ${labelOf(key, commit)}: ${entries.length} file${entries.length === 1 ? '' : 's'} in ${seconds} s`);
      return { commit, cached, digest };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  private offlineMiss(key: string, commit: string | undefined): UserError {
    const which = commit === undefined ? key : labelOf(key, commit);
    return new UserError(`--offline: ${which} is not in the package cache (${this.cache.root})`, {
      hint:
        `Fill the cache beforehand, with the network: starform packages fetch [DIR | ${key}] ` + `(the same STARFORM_PACKAGE_CACHE), or run without --offline.`,
    });
  }
}

function labelOf(key: string, commit: string): string {
  return `${key} (commit ${commit.slice(0, 12)})`;
}
