// Compiles every JSON Schema in schemas/ to a standalone validator module
// (dist/schemas/<name>.cjs) with ajv's standalone code generation, so commands check files
// without loading and compiling ajv at start-up (~250 ms). Used by the build
// (scripts/build.mjs) and, for validators older than their schema, by the unit tests
// (scripts/test-unit.mjs), which run without a build.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

// Must match the options lib/util/schema.ts compiles with when no precompiled module exists.
const ajvOptions = { allErrors: true, strict: true, allowUnionTypes: true, validateSchema: false, code: { source: true } };

/** Writes dist/schemas/<name>.cjs for each schema (only those older than their schema when `onlyStale`); returns the names written. */
export function compileSchemas(root, { onlyStale = false } = {}) {
  const Ajv2020 = require('ajv/dist/2020.js').default;
  const standaloneCode = require('ajv/dist/standalone/index.js').default;
  const outSchemas = join(root, 'dist', 'schemas');
  mkdirSync(outSchemas, { recursive: true });
  const written = [];
  for (const name of readdirSync(join(root, 'schemas')).filter((n) => n.endsWith('.schema.json'))) {
    const source = join(root, 'schemas', name);
    const target = join(outSchemas, name.replace(/\.json$/, '.cjs'));
    if (onlyStale && mtime(target) >= mtime(source)) continue;
    const ajv = new Ajv2020(ajvOptions);
    const validate = ajv.compile(JSON.parse(readFileSync(source, 'utf8')));
    writeFileSync(target, standaloneCode(ajv, validate));
    written.push(name);
  }
  return written;
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}
