// `starform.lock`: the dependency lock file, in the spirit of Terraform's
// .terraform.lock.hcl. For every repository a plan used (root package by locator, imports,
// read_file/upload_files, replace targets), the ref requested, the commit it resolved to
// and a digest of that commit's files (schemas/lock.schema.json, docs/formats.md).
//
// It lives beside the root package — in the package directory for a local package, in the
// current directory for a package named by locator — and is meant to be committed: two
// people planning the same commit of the root package then use the same commits of every
// package, whatever the branches did meanwhile. `--upgrade` re-resolves the refs.
// The file is rewritten only when its content changes, atomically.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { UserError, bulletList } from '../util/errors.js';
import { isDigest, type Digest } from '../util/hash.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import { schemaValidator } from '../util/schema.js';

export const LOCK_FILE = 'starform.lock';

export interface LockEntry {
  /** The repository, `github.com/<owner>/<repo>`. */
  readonly locator: string;
  /** The requested tag, branch or commit; null for the default branch. */
  readonly ref: string | null;
  readonly commit: string;
  readonly digest: Digest;
}

/** The lock file's entries, keyed by `lockKey`. */
export type Lock = ReadonlyMap<string, LockEntry>;

export function lockKey(locator: string, ref: string | null): string {
  return ref === null ? locator : `${locator}@${ref}`;
}

/** Where the lock of the package given as `dir` goes: beside it, or here for a locator. */
export function lockFileFor(dir: string, byLocator: boolean, cwd: string = process.cwd()): string {
  if (byLocator) return join(cwd, LOCK_FILE);
  const abs = resolve(cwd, dir);
  return join(dir.endsWith('.star') ? dirname(abs) : abs, LOCK_FILE);
}

/** Reads a lock file; an empty lock when there is none. */
export function readLock(file: string): Lock {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new UserError(`cannot read the lock file: ${(err as Error).message}`, { location: { file }, cause: err });
  }
  let raw: JsonValue;
  try {
    raw = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new UserError(`the lock file is not valid JSON: ${(err as Error).message}`, {
      location: { file },
      hint: `Fix it, or delete it and run \`starform plan --upgrade\` to write it afresh.`,
    });
  }
  const problems = schemaValidator('lock.schema.json')(raw);
  if (problems.length > 0) {
    throw new UserError(`the lock file does not match its schema (schemas/lock.schema.json):\n${bulletList(problems)}`, { location: { file } });
  }
  const entries = new Map<string, LockEntry>();
  // The schema has checked every field; this only reads them out.
  const list = (raw as JsonObject)['packages'] as readonly JsonObject[];
  for (const e of list) {
    const locator = String(e['locator']);
    const ref = typeof e['ref'] === 'string' ? e['ref'] : null;
    const digest = String(e['digest']);
    if (!isDigest(digest)) continue;
    const key = lockKey(locator, ref);
    if (entries.has(key)) throw new UserError(`the lock file has ${key} twice`, { location: { file } });
    entries.set(key, { locator, ref, commit: String(e['commit']), digest });
  }
  return entries;
}

/** The lock file's text for `entries` (sorted, so the file is stable). */
export function lockText(entries: Iterable<LockEntry>): string {
  const sorted = [...entries].sort((a, b) => {
    const ka = `${a.locator}\0${a.ref ?? ''}`;
    const kb = `${b.locator}\0${b.ref ?? ''}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const packages = sorted.map((e) => ({ locator: e.locator, ref: e.ref, commit: e.commit, digest: e.digest }));
  return JSON.stringify({ format_version: 1, packages }, null, 2) + '\n';
}

/** Writes the lock when its content differs from what is there; returns whether it wrote. */
export function writeLock(file: string, entries: Iterable<LockEntry>): boolean {
  const text = lockText(entries);
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return false;
  try {
    writeFileAtomic.sync(file, text);
  } catch (err) {
    throw new UserError(`cannot write the lock file: ${(err as Error).message}`, { location: { file }, cause: err });
  }
  return true;
}
