// Test helpers for lib/package: package trees written into temporary directories, and a
// way to assert that a call fails with a UserError whose message says the right things.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../lib/util/errors.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';

/** Writes `files` (relative path → content) below `root`; returns `root`. */
export function writeTree(root: string, files: Readonly<Record<string, string>>): string {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return root;
}

/** A kurtosis.yml declaring `name` (and optional extra YAML lines). */
export function manifest(name: string, extra = ''): string {
  return `name: ${name}\n${extra}`;
}

/** Runs `fn`, expects a UserError, checks each pattern against its message; returns it. */
export function userError(fn: () => unknown, ...patterns: (RegExp | string)[]): UserError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof UserError, `expected a UserError, got ${caught instanceof Error ? caught.stack : String(caught)}`);
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(caught.message.includes(p), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(p)}`);
    else assert.match(caught.message, p);
  }
  return caught;
}

export const FIXTURE_PACKAGES = join(PACKAGE_ROOT, 'fixtures', 'packages');
export const FIXTURE_ARGS = join(PACKAGE_ROOT, 'fixtures', 'args');
