// Where starform is installed and which version it is. Both come from the package.json
// found by walking up from this module, which works the same from the compiled `dist/`
// tree and from an installed package (where `schemas/` sits beside `dist/`).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'starform' && typeof pkg.version === 'string') return { root: dir, version: pkg.version };
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('starform: cannot find its own package.json');
    dir = parent;
  }
}

const found = findPackageRoot();

/** The directory holding starform's package.json, `schemas/` and `dist/`. */
export const PACKAGE_ROOT: string = found.root;

/** starform's version, as written into state and plan files. */
export const STARFORM_VERSION: string = found.version;
