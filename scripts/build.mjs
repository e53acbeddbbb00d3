// The build after `tsc`: (1) compiles every JSON Schema in schemas/ to a standalone
// validator module (dist/schemas/<name>.cjs) with ajv's standalone code generation, so
// commands check files without loading and compiling ajv at start-up (~250 ms); (2)
// bundles the CLI with esbuild into dist/bundle/ (one file per lazily loaded part), so
// starting starform reads a handful of files instead of hundreds of modules. Tests run
// against the unbundled dist/ tree; bin/starform runs the bundle.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020.js').default;
const standaloneCode = require('ajv/dist/standalone/index.js').default;

// Must match the options lib/util/schema.ts compiles with when no precompiled module exists.
const ajvOptions = { allErrors: true, strict: true, allowUnionTypes: true, validateSchema: false, code: { source: true } };

const outSchemas = join(root, 'dist', 'schemas');
mkdirSync(outSchemas, { recursive: true });
for (const name of readdirSync(join(root, 'schemas')).filter((n) => n.endsWith('.schema.json'))) {
  const schema = JSON.parse(readFileSync(join(root, 'schemas', name), 'utf8'));
  const ajv = new Ajv2020(ajvOptions);
  const validate = ajv.compile(schema);
  writeFileSync(join(outSchemas, name.replace(/\.json$/, '.cjs')), standaloneCode(ajv, validate));
}

// Built beside the live bundle and swapped in at the end, so a running starform (or a
// concurrent build) never sees a half-written bundle.
const staging = join(root, 'dist', `bundle.${process.pid}`);
rmSync(staging, { recursive: true, force: true });
await build({
  entryPoints: { starform: join(root, 'dist', 'lib', 'cli', 'main.js') },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // Native or WebAssembly-carrying packages, and the terminal UI, load from node_modules when used.
  external: ['dockerode', 'ssh2', 'cpu-features', 'jq-wasm', 'ink', 'react', 'react/jsx-runtime', 'ajv', 'ajv/*'],
  // CommonJS dependencies bundled into ESM still expect require, __filename and __dirname
  // (the latter two only where a module does not declare them itself: `define`).
  define: { __filename: 'import.meta.filename', __dirname: 'import.meta.dirname' },
  banner: {
    js: [
      "import { createRequire as __starformRequire } from 'node:module';",
      'const require = __starformRequire(import.meta.url);',
    ].join(' '),
  },
});
const live = join(root, 'dist', 'bundle');
const old = join(root, 'dist', `bundle.old.${process.pid}`);
try {
  renameSync(live, old);
} catch {
  // no previous bundle
}
renameSync(staging, live);
rmSync(old, { recursive: true, force: true });
