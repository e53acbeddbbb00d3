// Where compiled Starlark modules are kept between runs (lib/starlark/program-cache.ts
// explains what an entry holds): one file per entry, named by its key, in
// $STARFORM_STARLARK_CACHE, else $XDG_CACHE_HOME/starform/starlark, else
// ~/.cache/starform/starlark; STARFORM_STARLARK_CACHE=off turns the cache off.
//
// Entries are tied to the compiler that wrote them through the running bundle's digest
// (lib/cli/launcher.cts publishes it): without a bundle (tests running the compiled tree)
// there is nothing trustworthy to tie them to, and no cache is used unless a caller passes
// its own. Files are written atomically (temp file + rename) with mode 0600, so a
// concurrent run reads a whole entry or none; a cache that cannot be written is skipped.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ProgramCache, type ProgramCacheStore } from '../starlark/index.js';

/** Set by lib/cli/launcher.cts: the sha256 of the bundle this thread runs. */
const BUNDLE_DIGEST = Symbol.for('starform.bundle-digest');

/** Past this many entries, a save removes the older half (by modification time). */
const MAX_ENTRIES = 4000;

function programCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env['STARFORM_STARLARK_CACHE'];
  if (given === 'off') return undefined;
  if (given) return resolve(given);
  if (env['XDG_CACHE_HOME']) return resolve(env['XDG_CACHE_HOME'], 'starform', 'starlark');
  return join(homedir(), '.cache', 'starform', 'starlark');
}

/** The cache of this process (one per thread), or undefined when there is none to use. */
export function defaultProgramCache(env: NodeJS.ProcessEnv = process.env): ProgramCache | undefined {
  const fingerprint = (globalThis as Record<symbol, unknown>)[BUNDLE_DIGEST];
  if (typeof fingerprint !== 'string') return undefined;
  const dir = programCacheDir(env);
  return dir === undefined ? undefined : new ProgramCache(new DirectoryStore(dir), fingerprint);
}

export class DirectoryStore implements ProgramCacheStore {
  private made = false;
  private written = 0;

  constructor(readonly dir: string) {}

  read(key: string): Buffer | undefined {
    try {
      return readFileSync(join(this.dir, `${key}.entry`));
    } catch {
      return undefined;
    }
  }

  write(key: string, bytes: Buffer): void {
    if (!this.made) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.made = true;
      this.prune();
    }
    const file = join(this.dir, `${key}.entry`);
    const temp = `${file}.${process.pid}.${this.written++}.tmp`;
    try {
      writeFileSync(temp, bytes, { mode: 0o600 });
      renameSync(temp, file);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
  }

  /** Keeps the directory bounded: past MAX_ENTRIES, the older half goes (and leftovers of killed writes). */
  private prune(): void {
    const names = readdirSync(this.dir);
    for (const n of names) if (n.endsWith('.tmp')) rmSync(join(this.dir, n), { force: true });
    const entries = names.filter((n) => n.endsWith('.entry'));
    if (entries.length <= MAX_ENTRIES) return;
    const aged = entries
      .map((n) => {
        try {
          return { n, t: statSync(join(this.dir, n)).mtimeMs };
        } catch {
          return { n, t: 0 };
        }
      })
      .sort((a, b) => a.t - b.t);
    for (const { n } of aged.slice(0, Math.floor(aged.length / 2))) rmSync(join(this.dir, n), { force: true });
  }
}
