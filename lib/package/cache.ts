// The package cache: fetched repositories, one read-only copy per commit, so a commit is
// fetched once per machine and planning from the cache needs no network.
//
//   <cache>/git/github.com/<owner>/<repo>/<commit>/tree/...      the commit's files
//   <cache>/git/github.com/<owner>/<repo>/<commit>/meta.json     its digest, when fetched
//   <cache>/git/github.com/<owner>/<repo>/refs.json              ref → commit, last resolved
//   <cache>/tmp/                                                 scratch repositories
//
// (<cache> is $STARFORM_PACKAGE_CACHE, else the user's cache directory; hand-filled copies
// at <cache>/github.com/... are the workspace's business and never collide with `git/`.)
//
// An entry is written under a temporary name and renamed into place, so it exists
// complete or not at all, whatever interrupts a fetch, and two processes fetching the same
// commit both end with the one copy. Its content digest — sha256 over every path, kind
// (file, executable, symlink) and content hash, sorted — is computed from the bytes git
// gave and recomputed from the disk before a copy is used, so a cache changed after the
// fetch is noticed (against starform.lock's digest, or the entry's own when unlocked).
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { UserError } from '../util/errors.js';
import { digestOf, isDigest, sha256Hex, type Digest } from '../util/hash.js';
import type { TreeEntry } from './git.js';

/** A commit's copy in the cache. */
export interface CachedCommit {
  /** The directory holding the commit's files (the repository root). */
  readonly tree: string;
  /** The digest recorded when it was fetched; undefined when meta.json is missing or bad. */
  readonly recordedDigest: Digest | undefined;
}

/** A ref as last resolved against the remote. */
export interface RecordedRef {
  readonly commit: string;
  readonly resolvedAt: string;
}

/** The `refs.json` key of a requested ref; the default branch has none. */
function refKey(ref: string | undefined): string {
  return ref === undefined ? 'HEAD' : `@${ref}`;
}

type Kind = TreeEntry['kind'];

/** The content digest of a tree given as entries. */
function treeDigest(entries: readonly { readonly path: string; readonly kind: Kind | 'other'; readonly hash: string }[]): Digest {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return digestOf(sorted.map((e) => `${e.kind}\0${e.path}\0${e.hash}\n`).join(''));
}

/** The digest of fetched entries. */
export function entriesDigest(entries: readonly TreeEntry[]): Digest {
  return treeDigest(entries.map((e) => ({ path: e.path, kind: e.kind, hash: sha256Hex(e.bytes) })));
}

/** The digest of a directory on disk, computed the same way (empty directories do not count). */
export function directoryDigest(root: string): Digest {
  const found: { path: string; kind: Kind | 'other'; hash: string }[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(abs);
      if (st.isDirectory()) walk(abs, path);
      else if (st.isSymbolicLink()) found.push({ path, kind: 'symlink', hash: sha256Hex(Buffer.from(readlinkSync(abs), 'utf8')) });
      else if (st.isFile()) found.push({ path, kind: st.mode & 0o100 ? 'executable' : 'file', hash: sha256Hex(readFileSync(abs)) });
      else found.push({ path, kind: 'other', hash: '' });
    }
  };
  walk(root, '');
  return treeDigest(found);
}

export class PackageCache {
  constructor(readonly root: string) {}

  /** The directory of a repository's entries (`repo` is `['github.com', owner, name]`). */
  repositoryDir(repo: readonly string[]): string {
    return join(this.root, 'git', ...repo);
  }

  entryDir(repo: readonly string[], commit: string): string {
    return join(this.repositoryDir(repo), commit);
  }

  /** The cached copy of a commit, if there is one. */
  lookup(repo: readonly string[], commit: string): CachedCommit | undefined {
    const dir = this.entryDir(repo, commit);
    try {
      if (!lstatSync(join(dir, 'tree')).isDirectory()) return undefined;
    } catch {
      return undefined;
    }
    let recordedDigest: Digest | undefined;
    try {
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { digest?: unknown };
      if (typeof meta.digest === 'string' && isDigest(meta.digest)) recordedDigest = meta.digest;
    } catch {
      recordedDigest = undefined;
    }
    return { tree: join(dir, 'tree'), recordedDigest };
  }

  /** A new scratch directory for a fetch; the caller removes it. */
  scratch(): string {
    const base = join(this.root, 'tmp');
    mkdirSync(base, { recursive: true });
    return mkdtempSync(join(base, 'fetch-'));
  }

  /**
   * Writes a fetched commit into the cache (atomically) and returns its copy. When another
   * process stored the same commit meanwhile, that copy is kept.
   */
  store(repo: readonly string[], commit: string, entries: readonly TreeEntry[], digest: Digest): CachedCommit {
    const final = this.entryDir(repo, commit);
    mkdirSync(dirname(final), { recursive: true });
    const tmp = mkdtempSync(join(dirname(final), `.${commit}.partial-`));
    try {
      const tree = join(tmp, 'tree');
      mkdirSync(tree);
      const dirs = new Set<string>();
      for (const e of entries) {
        const abs = join(tree, ...e.path.split('/'));
        const parent = dirname(abs);
        if (!dirs.has(parent)) {
          mkdirSync(parent, { recursive: true });
          dirs.add(parent);
        }
        if (e.kind === 'symlink') symlinkSync(e.bytes.toString('utf8'), abs);
        else {
          writeFileSync(abs, e.bytes, { flag: 'wx' });
          // Read-only, so an edit in the cache is a deliberate act (and the digest sees it).
          chmodSync(abs, e.kind === 'executable' ? 0o555 : 0o444);
        }
      }
      const meta = { format_version: 1, repository: repo.join('/'), commit, digest, files: entries.length, fetched_at: new Date().toISOString() };
      writeFileSync(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
      try {
        renameSync(tmp, final);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return { tree: join(final, 'tree'), recordedDigest: digest };
  }

  /** What `ref` last resolved to (for --offline without a lock entry). */
  recordedRef(repo: readonly string[], ref: string | undefined): RecordedRef | undefined {
    const refs = this.readRefs(repo);
    return refs[refKey(ref)];
  }

  /** Records what `ref` resolved to. A cache that cannot be written only loses the record. */
  recordRef(repo: readonly string[], ref: string | undefined, commit: string): void {
    const refs = this.readRefs(repo);
    refs[refKey(ref)] = { commit, resolvedAt: new Date().toISOString() };
    try {
      mkdirSync(this.repositoryDir(repo), { recursive: true });
      writeFileAtomic.sync(join(this.repositoryDir(repo), 'refs.json'), JSON.stringify({ format_version: 1, refs }, null, 2) + '\n');
    } catch {
      // The cache is a convenience; the lock file is the record that matters.
    }
  }

  private readRefs(repo: readonly string[]): Record<string, RecordedRef> {
    try {
      const raw = JSON.parse(readFileSync(join(this.repositoryDir(repo), 'refs.json'), 'utf8')) as { refs?: unknown };
      const out: Record<string, RecordedRef> = {};
      if (raw.refs && typeof raw.refs === 'object') {
        for (const [k, v] of Object.entries(raw.refs as Record<string, unknown>)) {
          const r = v as { commit?: unknown; resolvedAt?: unknown } | null;
          if (r && typeof r.commit === 'string' && /^[0-9a-f]{40}$/.test(r.commit)) {
            out[k] = { commit: r.commit, resolvedAt: typeof r.resolvedAt === 'string' ? r.resolvedAt : '' };
          }
        }
      }
      return out;
    } catch {
      return {};
    }
  }
}

/** The error for a cached copy whose content is not what was fetched. */
export function tamperedError(what: string, tree: string, expected: Digest, actual: Digest, against: string): UserError {
  return new UserError(`the cached copy of ${what} does not match ${against}: its content digest is ${actual}, expected ${expected}`, {
    hint:
      `The files in ${tree} were changed after they were fetched. Remove ${dirname(tree)} ` +
      `(the next plan fetches the commit again and checks it against the lock).`,
  });
}
