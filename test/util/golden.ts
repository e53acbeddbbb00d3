// Golden files: expected outputs kept in the repository and compared byte for byte, all
// under one home, test/golden/ (test inputs live under fixtures/).
// `UPDATE_GOLDEN=1 npx mocha ...` rewrites them from the current output instead of
// comparing (review the diff before committing); they are never edited by hand.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';

/** Where every golden file lives (from the repository root). */
const HOME = 'test/golden/';

/** Compares `actual` with the golden file at `relPath` (from the repository root, under test/golden/). */
export function expectGolden(actual: string, relPath: string): void {
  assert.ok(relPath.startsWith(HOME), `golden files live under ${HOME} (got ${relPath})`);
  const path = join(PACKAGE_ROOT, relPath);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) assert.fail(`golden file ${relPath} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from ${relPath} (UPDATE_GOLDEN=1 rewrites it)`);
}
