// The workspace: the root package being planned, and every file the interpretation reads
// from it and from the packages it uses. The plan module asks it two things — "which file
// does this locator name, seen from that module?" (`resolve`) and "give me its bytes"
// (`read`, `readText`, `readFiles`) — and never touches the file system itself.
//
// Resolution follows Kurtosis (docs/kurtosis-api.md §5.2), with local directories in place
// of git clones, since starform downloads nothing:
//
//   ./x ../x    relative to the calling module's directory, inside its package
//   /x          relative to the calling module's package root (Kurtosis says repository
//               root; without git repositories the package root is what we have)
//   github.com/o/r/path[@version]
//     1. below the root package's name: a file of the root package (accepted, with a
//        warning: newer Kurtosis engines want relative locators there);
//     2. the ROOT package's `replace:` (dependencies' replace maps are ignored, as in
//        Kurtosis), longest whole-segment prefix first: to another locator, or to a local
//        directory (relative paths are relative to the root kurtosis.yml);
//     3. `--package LOCATOR=DIR` mappings, longest prefix first;
//     4. the package cache: <cache>/github.com/o/r@version when the locator has a version
//        and that directory exists, else <cache>/github.com/o/r.
//     5. fetching (`remote` option, lib/package/remote.ts): the repository at the version
//        asked for, pinned by starform.lock, from the content-addressed cache or git. A
//        read_file/upload_files locator may name a file of a fetched repository that has
//        no kurtosis.yml (the repository is then its package), as in Kurtosis.
//   Versions are otherwise ignored: a local directory serves every version.
//   In the directory found, the file belongs to the package whose kurtosis.yml is the
//   nearest one above it (not above the mapped directory): sibling packages of one
//   repository stay apart, and a file outside every package is an error.
//
// Confinement: a package reads only below its own root. Relative locators that climb out
// are refused before the file system is asked; everything else is checked on real paths
// (realpath of the file inside realpath of the package), so a symbolic link inside the
// package that points outside is refused too — checked again at read time.
//
// Every file read is recorded with its sha256 under its display name, so the plan can
// carry one digest of all the sources it was computed from (`sourcesDigest`).
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { posix } from 'node:path';
import { UserError, formatLocation } from '../util/errors.js';
import { digestOf, jsonDigest, type Digest } from '../util/hash.js';
import { GITHUB, formatAbsolute, isSegmentPrefix, joinSegments, longestPrefixMatch, parseLocator, parsePackageName, type AbsoluteLocator } from './locator.js';
import { describeUrl, download, type DownloadOptions } from './download.js';
import { COMPOSE_FILES, transpileCompose } from './compose.js';
import { IgnoreRules } from './ignore.js';
import { MANIFEST_FILE, readManifest, type Manifest, type PackageWarning, type ReplaceEntry } from './manifest.js';
import { remoteRootLocator, type PackageRemote } from './remote.js';

/** A package: a directory (with a kurtosis.yml, except possibly the root) and its name. */
export interface PackageInfo {
  /** Its locator (`github.com/o/r[/path]`); for a root without kurtosis.yml, `local/<dirname>`. */
  readonly name: string;
  /** Absolute real path of the package root. */
  readonly dir: string;
  /** Its kurtosis.yml `replace` map as written (only the root package's is applied). */
  readonly replace: Readonly<Record<string, string>>;
  readonly description: string | undefined;
  /** Absolute path of its kurtosis.yml; null for a root package without one. */
  readonly manifest: string | null;
}

/** A file or directory of a package, as a locator resolved to it. */
export interface ModuleRef {
  readonly pkg: PackageInfo;
  /** Relative posix path inside the package; '' for the package root itself. */
  readonly path: string;
  /** How messages and plan files name it: `main.star`, `lib/db.star`, `github.com/org/repo/lib.star`. */
  readonly display: string;
  /** Absolute path (below `pkg.dir`). */
  readonly abs: string;
  readonly kind: 'file' | 'directory';
  /** Something worth telling the user about how the locator was written (shown as a warning). */
  readonly warning?: string;
}

/** One file of a directory read for upload, path relative to that directory. */
export interface StaticFile {
  /** Relative posix path; for a single file, its base name. */
  readonly path: string;
  readonly bytes: Buffer;
  /** 0o755 when the file is executable by anyone, else 0o644 (umask-independent). */
  readonly mode: number;
}

/** A source file that was read, for the plan's record. */
export interface SourceRecord {
  readonly display: string;
  readonly digest: Digest;
}

export interface WorkspaceOptions {
  /** `--package LOCATOR=DIR` mappings; relative directories are relative to the current directory. */
  readonly packages?: Readonly<Record<string, string>>;
  /** Local package cache; default `defaultPackageCacheDir()`. */
  readonly cacheDir?: string;
  /** The main file, relative to the package root (Kurtosis's `--main-file`); default main.star. */
  readonly mainFile?: string;
  /**
   * Fetching by locator (lib/package/remote.ts): asked for a repository that no replace,
   * --package mapping or hand-filled cache directory provides, and for a root package
   * given as `github.com/...`. Without it, such locators are errors.
   */
  readonly remote?: PackageRemote;
  /** Limits of upload_files downloads (lib/package/download.ts). */
  readonly download?: DownloadOptions;
}

/** How a locator is used: read_file and upload_files may name a file in no package. */
export interface ResolveOptions {
  /** Accept a file of a repository without kurtosis.yml (as Kurtosis does for read_file and upload_files). */
  readonly anyFile?: boolean;
}

export const MAIN_FILE = 'main.star';

/** $STARFORM_PACKAGE_CACHE, else $XDG_CACHE_HOME/starform/packages, else ~/.cache/starform/packages. */
export function defaultPackageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['STARFORM_PACKAGE_CACHE']) return resolve(env['STARFORM_PACKAGE_CACHE']);
  if (env['XDG_CACHE_HOME']) return resolve(env['XDG_CACHE_HOME'], 'starform', 'packages');
  return join(homedir(), '.cache', 'starform', 'packages');
}

/** Parses repeated `--package LOCATOR=DIR` values into the `packages` option. */
export function parsePackageFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) {
      throw new UserError(`--package expects LOCATOR=DIR (e.g. github.com/owner/repo=../repo), got '${value}'`);
    }
    const key = value.slice(0, eq);
    if (Object.hasOwn(out, key)) throw new UserError(`--package ${key} is given twice`);
    out[key] = value.slice(eq + 1);
  }
  return out;
}

/** Opens the package at `dir` (or the package directory of a `.star` file given as `dir`). */
export function openWorkspace(dir: string, options: WorkspaceOptions = {}): Workspace {
  return new Workspace(dir, options);
}

interface Mapping {
  readonly key: string;
  readonly segments: readonly string[];
  readonly dir: string;
  /** Where the mapping comes from, for messages. */
  readonly via: string;
}

interface Pkg {
  readonly info: PackageInfo;
  /** The name as locator segments; null for a root named `local/...`. */
  readonly segments: readonly string[] | null;
  readonly isRoot: boolean;
  readonly repo: Repo;
  /** The package directory relative to `repo.top` (posix; '' when it is the top). */
  readonly pkgRel: string;
  /** False for the stand-in package of repository files outside every package. */
  readonly isPackage: boolean;
}

/**
 * The part of a package's repository on this machine: `top` is the highest directory
 * of it available (the repository root when known), `topPath` the repository path `top`
 * stands for ('' for the root). `..` may climb to `top` and no further.
 */
interface Repo {
  /** `github.com/o/r`; null for a root package without kurtosis.yml. */
  readonly segments: readonly string[] | null;
  readonly top: string;
  readonly topPath: string;
}

type Problem = NodeJS.ErrnoException;

export class Workspace {
  readonly root: PackageInfo;
  readonly main: ModuleRef;
  readonly cacheDir: string;
  private readonly rootPkg: Pkg;
  private readonly rootManifest: Manifest | null;
  private readonly flagMappings: readonly Mapping[];
  private readonly loaded = new Map<string, Pkg>();
  private readonly byInfo = new Map<PackageInfo, Pkg>();
  private readonly read_ = new Map<string, Digest>();
  private readonly warnings_: PackageWarning[] = [];
  private readonly remote: PackageRemote | undefined;
  private readonly downloadOptions: DownloadOptions;
  private composeMain = false;
  private readonly resolved = new Map<string, ModuleRef>();
  /** The root package's .kurtosisignore: what the Kurtosis CLI would not upload. */
  private readonly rootIgnore: IgnoreRules | null;

  /** Use `openWorkspace`. */
  constructor(dir: string, options: WorkspaceOptions) {
    this.remote = options.remote;
    // Fetching: a root package named by locator (when no such local path exists).
    const rootLoc = this.remote && !existsAtAll(dir) ? remoteRootLocator(dir) : undefined;
    const given = rootLoc ? join(this.remote!.checkout(rootLoc.segments.slice(0, 3), rootLoc.version).dir, ...rootLoc.segments.slice(3)) : resolve(dir);
    let st;
    try {
      st = statSync(given);
    } catch (err) {
      const code = (err as Problem).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`package directory not found`, { location: { file: dir } });
      throw new UserError(`cannot open the package: ${(err as Error).message}`, { location: { file: dir }, cause: err });
    }
    let rootDir = given;
    let mainFile = options.mainFile ?? MAIN_FILE;
    if (st.isFile()) {
      if (options.mainFile !== undefined) {
        throw new UserError(`a main file was given twice: as the package (${dir}) and as ${options.mainFile}`);
      }
      rootDir = dirname(given);
      mainFile = basename(given);
    } else if (!st.isDirectory()) {
      throw new UserError(`not a directory or a .star file`, { location: { file: dir } });
    }
    const realRoot = realpathSync(rootDir);
    this.rootManifest = readManifest(realRoot, join(rootDir, MANIFEST_FILE));
    if (this.rootManifest) this.warnings_.push(...this.rootManifest.warnings);
    const repo = rootRepo(realRoot, this.rootManifest);
    this.rootPkg = makePkg(realRoot, this.rootManifest, this.rootManifest?.name ?? `local/${basename(realRoot)}`, true, repo.repo, repo.pkgRel);
    this.root = this.rootPkg.info;
    this.byInfo.set(this.root, this.rootPkg);
    this.cacheDir = resolve(options.cacheDir ?? defaultPackageCacheDir());
    this.downloadOptions = options.download ?? {};
    this.rootIgnore = IgnoreRules.load(realRoot);
    this.flagMappings = Object.entries(options.packages ?? {}).map(([key, target]) => flagMapping(key, target));

    let main = posix.normalize(mainFile.replaceAll(sep, '/'));
    // A Docker Compose package: no kurtosis.yml, no main.star, a Compose file (as Kurtosis).
    if (!this.rootManifest) {
      if (st.isFile()) this.composeMain = COMPOSE_FILES.includes(main);
      else if (options.mainFile === undefined && !isFileOrLinkedFile(join(realRoot, MAIN_FILE))) {
        const compose = COMPOSE_FILES.find((f) => isFileOrLinkedFile(join(realRoot, f)));
        if (compose !== undefined) {
          main = compose;
          this.composeMain = true;
        }
      }
    }
    if (main.startsWith('../') || main === '..' || posix.isAbsolute(main)) {
      throw new UserError(`the main file '${mainFile}' must be a path inside the package directory ${rootDir}`);
    }
    const abs = join(realRoot, main);
    if (!isFileOrLinkedFile(abs)) {
      throw new UserError(`no ${main} in the package directory ${rootDir}`, {
        hint:
          main === MAIN_FILE
            ? `A Kurtosis package has its entry point, a file main.star defining run(plan, ...), at its root beside kurtosis.yml ` +
              `(or, without kurtosis.yml, a Docker Compose file: ${COMPOSE_FILES.join(', ')}).`
            : undefined,
      });
    }
    this.main = this.entry(this.rootPkg, main, main);
  }

  /** Warnings about kurtosis.yml files read so far (unknown keys). */
  get warnings(): readonly PackageWarning[] {
    return this.warnings_;
  }

  /**
   * The file or directory `locator` names when written in module `from`. Throws a
   * UserError (without location: the caller adds the Starlark position) when the locator
   * is malformed, names nothing, or leads outside its package.
   */
  resolve(locator: string, from: ModuleRef, options: ResolveOptions = {}): ModuleRef {
    // One interpretation sees the packages as they are when it asks: a locator written in
    // one directory names the same file every time (reads check confinement again).
    const dir = from.kind === 'directory' ? from.path : posix.dirname(from.path);
    const key = `${from.pkg.dir}\0${from.pkg.name}\0${dir}\0${locator}\0${options.anyFile === true ? 1 : 0}`;
    const known = this.resolved.get(key);
    if (known) return known;
    const ref = this.resolveUncached(locator, from, options);
    this.resolved.set(key, ref);
    return ref;
  }

  private resolveUncached(locator: string, from: ModuleRef, options: ResolveOptions): ModuleRef {
    const loc = parseLocator(locator);
    const pkg = this.pkgOf(from);
    switch (loc.kind) {
      case 'relative': {
        const base = from.kind === 'directory' ? from.path : posix.dirname(from.path);
        const callerDir = posix.join(pkg.repo.topPath, pkg.pkgRel, base === '' ? '.' : base);
        return this.inRepo(pkg, posix.join(callerDir, loc.path), locator);
      }
      case 'package-root':
        return this.inRepo(
          pkg,
          loc.path.slice(1) || '.',
          locator,
          `'/' locators start at the root of the repository of ${pkg.info.name}, not of the file system.`,
        );
      case 'url':
        throw new UserError(`'${locator}' is a URL: only upload_files downloads files (locators have no scheme)`, {
          hint: `A file of a package is named github.com/<owner>/<repo>/<path>, or by a path relative to the calling module.`,
        });
      case 'absolute':
        return this.resolveAbsolute(loc, locator, options);
    }
  }

  /** The bytes of a file, recorded for `sourcesDigest`. */
  read(ref: ModuleRef): Buffer {
    if (!this.pkgOf(ref).isPackage) {
      throw new UserError(
        `'${ref.display}' is in no Kurtosis package: there is no ${MANIFEST_FILE} in its directory or above it in its repository, ` +
          `and files are read (import_module, read_file) from Kurtosis packages only`,
      );
    }
    return this.readBytes(ref);
  }

  private readBytes(ref: ModuleRef): Buffer {
    if (ref.kind !== 'file') throw new UserError(`'${ref.display}' is a directory, not a file`);
    const real = this.confined(this.pkgOf(ref), ref.abs, ref.display);
    let data: Buffer;
    try {
      data = readFileSync(real);
    } catch (err) {
      throw new UserError(`cannot read '${ref.display}': ${(err as Error).message}`, { cause: err });
    }
    this.read_.set(ref.display, digestOf(data));
    return data;
  }

  /**
   * A file's content as UTF-8 text (a leading byte-order mark is dropped); for the main
   * file of a Docker Compose package, the Starlark Kurtosis transpiles it to.
   */
  readText(ref: ModuleRef): string {
    if (this.composeMain && ref === this.main) return this.transpiledCompose();
    const data = this.read(ref);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      throw new UserError(`'${ref.display}' is not UTF-8 text`);
    }
  }

  /** Whether the package is a Docker Compose package (its main file a Compose file). */
  get isCompose(): boolean {
    return this.composeMain;
  }

  private transpiledCompose(): string {
    const optional = (path: string): ModuleRef | undefined => {
      try {
        return this.inside(this.rootPkg, path, path);
      } catch {
        return undefined;
      }
    };
    const text = new TextDecoder('utf-8').decode(this.read(this.main));
    return transpileCompose(text, {
      file: this.main.display,
      readText: (path) => {
        const ref = optional(path);
        return ref && ref.kind === 'file' ? new TextDecoder('utf-8').decode(this.read(ref)) : undefined;
      },
      isDirectory: (path) => {
        const ref = optional(path);
        return ref === undefined ? undefined : ref.kind === 'directory';
      },
    });
  }

  /**
   * The files `upload_files` stores for a locator: a file alone under its base name, or a
   * directory's files (recursively, sorted, paths relative to the directory; empty
   * directories are not represented). Symbolic links are followed when they stay inside
   * the package and refused otherwise.
   */
  readFiles(ref: ModuleRef): StaticFile[] {
    const pkg = this.pkgOf(ref);
    if (ref.kind === 'file') {
      const bytes = this.readBytes(ref);
      return [{ path: posix.basename(ref.path), bytes, mode: modeOf(statSync(ref.abs).mode) }];
    }
    const out: StaticFile[] = [];
    // As Kurtosis packs a directory: its own .kurtosisignore, and (for the root package,
    // which the Kurtosis CLI uploads packed) the package's.
    const own = IgnoreRules.load(this.confined(pkg, ref.abs, ref.display));
    const rootRules = pkg.isRoot ? this.rootIgnore : null;
    const walk = (realDir: string, rel: string, ancestors: ReadonlySet<string>): void => {
      for (const name of readdirSync(realDir).sort()) {
        const relChild = rel === '' ? name : `${rel}/${name}`;
        const inPkg = posix.join(ref.path, relChild);
        const shown = displayOf(pkg, inPkg);
        const isDirEntry = lstatSync(join(realDir, name)).isDirectory();
        if (own?.matches(relChild, isDirEntry) || rootRules?.matches(inPkg, isDirEntry)) continue;
        const real = this.confined(pkg, join(realDir, name), shown);
        const st = statSync(real);
        if (st.isDirectory()) {
          if (ancestors.has(real)) throw new UserError(`'${shown}' is a symbolic link to one of its own parent directories`);
          walk(real, relChild, new Set([...ancestors, real]));
        } else if (st.isFile()) {
          let bytes: Buffer;
          try {
            bytes = readFileSync(real);
          } catch (err) {
            throw new UserError(`cannot read '${shown}': ${(err as Error).message}`, { cause: err });
          }
          this.read_.set(shown, digestOf(bytes));
          out.push({ path: relChild, bytes, mode: modeOf(st.mode) });
        } else {
          throw new UserError(`'${shown}' is not a regular file or directory`);
        }
      }
    };
    const realDir = this.confined(pkg, ref.abs, ref.display);
    walk(realDir, '', new Set([realDir]));
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * What upload_files stores for an http(s) URL: the body, downloaded now, as one file
   * (recorded for `sourcesDigest` under the URL without its query).
   */
  downloadFile(url: string): { display: string; file: StaticFile } {
    if (this.downloadOptions.offline === true) {
      throw new UserError(`upload_files: --offline: ${describeUrl(url)} is not downloaded (starform downloads URLs while planning)`, {
        hint: 'Plan without --offline on a machine that reaches the server, or upload a local copy of the file instead.',
      });
    }
    const got = download(url, this.downloadOptions);
    const display = describeUrl(url);
    this.read_.set(display, digestOf(got.bytes));
    return { display, file: { path: got.name, bytes: got.bytes, mode: 0o644 } };
  }

  /** Every file read so far, sorted by display name. */
  sources(): SourceRecord[] {
    return [...this.read_.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([display, digest]) => ({ display, digest }));
  }

  /** One digest over (display name, content hash) of every file read so far. */
  sourcesDigest(): Digest {
    return jsonDigest(Object.fromEntries(this.read_));
  }

  /**
   * A path of `pkg`'s repository (posix, relative to the repository root, possibly with
   * `..`), as a ref of the package that holds it. As in Kurtosis, it may leave `pkg` but
   * not the repository; a file outside every package of it can be uploaded, not read.
   */
  private inRepo(pkg: Pkg, repoPath: string, locator: string, notFoundHint?: string): ModuleRef {
    const { repo } = pkg;
    const target = posix.normalize(repoPath);
    const outside = (): never => {
      const what = repo.segments ? `repository ${joinSegments(repo.segments)}` : `package ${pkg.info.name}`;
      throw new UserError(`'${locator}' leads outside ${what}: a package can read files of its own repository only`);
    };
    if (target === '..' || target.startsWith('../')) outside();
    const inTop = relativeTo(repo.topPath, target === '.' ? '' : target);
    if (inTop === undefined) outside();
    const inPkg = relativeTo(pkg.pkgRel, inTop!);
    if (inPkg !== undefined) return this.inside(pkg, inPkg === '' ? '.' : inPkg, locator, notFoundHint);
    // Another package of the same repository, or no package at all.
    const abs = join(repo.top, ...inTop!.split('/').filter((x) => x !== ''));
    let owner: Pkg | undefined;
    for (let d = isDirectory(abs) ? abs : dirname(abs); isWithin(d, repo.top); d = dirname(d)) {
      if (isFileOrLinkedFile(join(d, MANIFEST_FILE))) {
        const rel = relative(repo.top, d)
          .split(sep)
          .filter((x) => x !== '')
          .join('/');
        owner = this.loadPackage(d, joinSegments([...(repo.segments ?? []), ...splitPath(repo.topPath), ...splitPath(rel)]), repo, rel);
        break;
      }
      if (d === repo.top) break;
    }
    owner ??= this.loadPackage(repo.top, joinSegments([...(repo.segments ?? []), ...splitPath(repo.topPath)]), repo, '', false);
    return this.inside(owner, relativeTo(owner.pkgRel, inTop!) || '.', locator, notFoundHint);
  }

  private resolveAbsolute(loc: AbsoluteLocator, locator: string, options: ResolveOptions): ModuleRef {
    const inRoot = this.inRootPackage(loc, locator);
    if (inRoot) return inRoot;

    let current = loc;
    let replacedBy: ReplaceEntry | undefined;
    const replace = this.rootManifest ? longestPrefixMatch(this.rootManifest.replace, loc.segments) : undefined;
    if (replace) {
      const rest = loc.segments.slice(replace.segments.length);
      const where = `the replace entry at ${formatLocation(replace.location)} (${replace.key}: ${replace.value})`;
      if (replace.target.kind === 'directory') {
        return this.inMappedDir({ key: replace.key, segments: replace.segments, dir: replace.target.dir, via: where }, loc, locator, options);
      }
      current = { segments: [...replace.target.segments, ...rest], version: replace.target.version ?? loc.version };
      replacedBy = replace;
      const again = this.inRootPackage(current, locator);
      if (again) return again;
    }

    const flag = longestPrefixMatch(this.flagMappings, current.segments);
    if (flag) return this.inMappedDir(flag, current, locator, options);

    const repo = current.segments.slice(0, 3);
    const candidates = current.version === undefined ? [] : [join(this.cacheDir, ...repo.slice(0, 2), `${repo[2]}@${current.version}`)];
    candidates.push(join(this.cacheDir, ...repo));
    for (const dir of candidates) {
      if (isDirectory(dir)) {
        return this.inMappedDir({ key: joinSegments(repo), segments: repo, dir, via: `the package cache` }, current, locator, options);
      }
    }

    const repoName = joinSegments(repo);
    const replaced = replacedBy ? ` (replaced by ${formatAbsolute(current)} through ${replacedBy.key} in ${formatLocation(replacedBy.location)})` : '';
    const manifest = this.rootManifest ? this.rootManifest.file : join(this.root.dir, MANIFEST_FILE);
    const localCopy =
      `Provide a local copy: add a 'replace:' entry (${repoName}: ../path/to/it) to ${manifest}, ` +
      `pass --package ${repoName}=DIR, or put it in ${join(this.cacheDir, ...repo)}.`;
    // Fetching (lib/package/remote.ts): the repository at the version asked for.
    if (this.remote) {
      let got;
      try {
        got = this.remote.checkout(repo, current.version);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        throw new UserError(`cannot find package ${repoName} for '${locator}'${replaced}: ${err.detail}`, {
          hint: err.hint ? `${err.hint} Or: ${localCopy.replace('Provide', 'provide')}` : localCopy,
          cause: err,
        });
      }
      return this.inMappedDir({ key: joinSegments(repo), segments: repo, dir: got.dir, via: got.label }, current, locator, { ...options, fetched: true });
    }
    throw new UserError(`cannot find package ${repoName} for '${locator}'${replaced}: starform does not download packages`, { hint: localCopy });
  }

  private inRootPackage(loc: AbsoluteLocator, locator: string): ModuleRef | undefined {
    const rootSegments = this.rootPkg.segments;
    if (!rootSegments || !isSegmentPrefix(rootSegments, loc.segments)) return undefined;
    const rest = joinSegments(loc.segments.slice(rootSegments.length));
    const ref = this.inside(this.rootPkg, rest === '' ? '.' : rest, locator);
    return {
      ...ref,
      warning:
        `'${locator}' names a file of this package (${this.root.name}) with an absolute locator; ` +
        `newer Kurtosis engines accept only relative ones there: write '/${rest}'`,
    };
  }

  private inMappedDir(mapping: Mapping, loc: AbsoluteLocator, locator: string, options: ResolveOptions & { fetched?: boolean }): ModuleRef {
    let mappedReal: string;
    try {
      mappedReal = realpathSync(mapping.dir);
      if (!statSync(mappedReal).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (err) {
      const code = (err as Problem).code;
      const what =
        code === 'ENOENT' ? 'which does not exist' : code === 'ENOTDIR' ? 'which is not a directory' : `which cannot be read (${(err as Error).message})`;
      throw new UserError(`cannot resolve '${locator}': ${mapping.via} maps ${mapping.key} to ${mapping.dir}, ${what}`);
    }
    const rest = loc.segments.slice(mapping.segments.length);
    const target = join(mappedReal, ...rest);
    let pkgDir: string | undefined;
    for (let d = isDirectory(target) ? target : dirname(target); ; d = dirname(d)) {
      if (isFileOrLinkedFile(join(d, MANIFEST_FILE))) {
        pkgDir = d;
        break;
      }
      if (d === mappedReal || !isWithin(d, mappedReal)) break;
    }
    // read_file/upload_files of a fetched repository without kurtosis.yml: the repository is the package.
    if (pkgDir === undefined && options.anyFile && options.fetched) pkgDir = mappedReal;
    if (pkgDir === undefined) {
      throw new UserError(
        `cannot resolve '${locator}': it is not inside a Kurtosis package — no ${MANIFEST_FILE} in ${mappedReal} ` +
          `or below it on the way to ${joinSegments(rest) || '.'} (${mapping.key} is mapped there by ${mapping.via})`,
      );
    }
    const pkgRel = relative(mappedReal, pkgDir)
      .split(sep)
      .filter((s) => s !== '');
    const name = joinSegments([...mapping.segments, ...pkgRel]);
    const repo: Repo = { segments: mapping.segments.slice(0, 3), top: mappedReal, topPath: joinSegments(mapping.segments.slice(3)) };
    const pkg = this.loadPackage(pkgDir, name, repo, pkgRel.join('/'));
    const inPkg = rest.slice(pkgRel.length);
    return this.inside(pkg, inPkg.length === 0 ? '.' : joinSegments(inPkg), locator);
  }

  private loadPackage(dir: string, name: string, repo: Repo, pkgRel: string, isPackage = true): Pkg {
    const real = realpathSync(dir);
    if (this.rootPkg && real === this.root.dir && isPackage) return this.rootPkg;
    const key = `${name}\0${real}\0${isPackage}`;
    const known = this.loaded.get(key);
    if (known) return known;
    const manifest = isPackage ? readManifest(real, join(dir, MANIFEST_FILE)) : null;
    if (manifest) this.warnings_.push(...manifest.warnings);
    const pkg = makePkg(real, manifest, name, false, repo, pkgRel, isPackage);
    this.loaded.set(key, pkg);
    this.byInfo.set(pkg.info, pkg);
    return pkg;
  }

  private pkgOf(ref: ModuleRef): Pkg {
    const pkg = this.byInfo.get(ref.pkg);
    if (!pkg) throw new Error(`ModuleRef ${ref.display} does not come from this workspace`);
    return pkg;
  }

  /** A path inside `pkg` (posix, relative, possibly climbing), checked and turned into a ref. */
  private inside(pkg: Pkg, rel: string, locator: string, notFoundHint?: string): ModuleRef {
    const path = posix.normalize(rel);
    if (path === '..' || path.startsWith('../')) {
      throw new UserError(`'${locator}' leads outside package ${pkg.info.name}: a package can only read files below its root`);
    }
    return this.entry(pkg, path === '.' ? '' : path.replace(/\/$/, ''), locator, notFoundHint);
  }

  private entry(pkg: Pkg, path: string, locator: string, notFoundHint?: string): ModuleRef {
    const abs = path === '' ? pkg.info.dir : join(pkg.info.dir, ...path.split('/'));
    if (pkg.isRoot && path !== '' && this.rootIgnore?.excludes(path, isDirectory(abs))) {
      throw new UserError(`'${locator}' not found: ${path} is left out of package ${pkg.info.name} by its .kurtosisignore`);
    }
    const real = this.confined(pkg, abs, locator, notFoundHint);
    const st = statSync(real);
    if (!st.isFile() && !st.isDirectory()) throw new UserError(`'${locator}' is not a regular file or directory (${displayOf(pkg, path)})`);
    return { pkg: pkg.info, path, display: displayOf(pkg, path), abs, kind: st.isFile() ? 'file' : 'directory' };
  }

  /** The real path of `abs`, which must exist and lie inside `pkg`. */
  private confined(pkg: Pkg, abs: string, what: string, notFoundHint?: string): string {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch (err) {
      const code = (err as Problem).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        let link: string | undefined;
        try {
          if (lstatSync(abs).isSymbolicLink()) link = readlinkSync(abs);
        } catch {
          link = undefined;
        }
        if (link !== undefined) throw new UserError(`'${what}' is a symbolic link to ${link}, which does not exist`);
        const shown = relative(pkg.info.dir, abs).split(sep).join('/') || '.';
        throw new UserError(`'${what}' not found: there is no ${shown} in package ${pkg.info.name}`, notFoundHint ? { hint: notFoundHint } : {});
      }
      if (code === 'ELOOP') throw new UserError(`'${what}' is a loop of symbolic links`);
      throw new UserError(`cannot read '${what}': ${(err as Error).message}`, { cause: err });
    }
    if (!isWithin(real, pkg.repo.top)) {
      throw new UserError(
        `'${what}' leads outside ${pkg.repo.segments ? `repository ${joinSegments(pkg.repo.segments)}` : `package ${pkg.info.name}`}: ` +
          `it is a symbolic link to ${real}, and a package can only read files of its own repository`,
      );
    }
    return real;
  }
}

function makePkg(realDir: string, manifest: Manifest | null, name: string, isRoot: boolean, repo: Repo, pkgRel = '', isPackage = true): Pkg {
  const replace: Record<string, string> = {};
  for (const e of manifest?.replace ?? []) replace[e.key] = e.value;
  const segments = name === manifest?.name ? manifest.nameSegments : name.startsWith(`${GITHUB}/`) ? parsePackageName(name) : null;
  const info: PackageInfo = { name, dir: realDir, replace, description: manifest?.description, manifest: manifest?.file ?? null };
  return { info, segments, isRoot, repo, pkgRel, isPackage };
}

/**
 * The root package's repository: when the directories above the package carry the names
 * of the path its kurtosis.yml name gives it in its repository (github.com/o/r/a/b in
 * .../a/b), the repository root is that far up; otherwise only the package is at hand.
 */
function rootRepo(realRoot: string, manifest: Manifest | null): { repo: Repo; pkgRel: string } {
  if (!manifest) return { repo: { segments: null, top: realRoot, topPath: '' }, pkgRel: '' };
  const segments = manifest.nameSegments.slice(0, 3);
  const sub = manifest.nameSegments.slice(3);
  let top = realRoot;
  for (let i = sub.length - 1; i >= 0; i--) {
    if (basename(top) !== sub[i]) return { repo: { segments, top: realRoot, topPath: sub.join('/') }, pkgRel: '' };
    top = dirname(top);
  }
  return { repo: { segments, top, topPath: '' }, pkgRel: sub.join('/') };
}

/** `path` relative to `base` (posix, '' for the base itself); undefined when not below it. */
function relativeTo(base: string, path: string): string | undefined {
  if (base === '') return path;
  if (path === base) return '';
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : undefined;
}

function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

function flagMapping(key: string, target: string): Mapping {
  let segments: readonly string[];
  try {
    segments = parsePackageName(key);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`--package ${key}=${target}: ${err.detail}`, { hint: 'Versions are not part of --package: a local directory serves every version.' });
  }
  if (target === '') throw new UserError(`--package ${key}=: the directory is empty`);
  const dir = resolve(target);
  if (!isDirectory(dir)) {
    throw new UserError(`--package ${key}=${target}: ${dir} ${existsAtAll(dir) ? 'is not a directory' : 'does not exist'}`);
  }
  return { key, segments, dir, via: `--package ${key}=${target}` };
}

/** Root package files are shown by their path alone; other packages' with their name. */
function displayOf(pkg: Pkg, path: string): string {
  if (pkg.isRoot) return path === '' ? '.' : path;
  return path === '' ? pkg.info.name : `${pkg.info.name}/${path}`;
}

function isWithin(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFileOrLinkedFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function existsAtAll(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function modeOf(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}
