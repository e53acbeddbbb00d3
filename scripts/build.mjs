// The build after `tsc`: (1) compiles every JSON Schema in schemas/ to a standalone
// validator module (dist/schemas/<name>.cjs, scripts/compile-schemas.mjs), so commands
// check files without loading and compiling ajv at start-up (~250 ms); (2)
// bundles the CLI with esbuild into dist/bundle/starform.cjs (plus the ink progress view as
// an ES module), so starting starform reads one file instead of hundreds of modules; (3)
// saves V8's code cache for it. Tests run against the unbundled dist/ tree; bin/starform
// runs the bundle.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { compileSchemas } from './compile-schemas.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
compileSchemas(root);

// Built beside the live bundle and swapped in at the end, so a running starform (or a
// concurrent build) never sees a half-written bundle.
const staging = join(root, 'dist', `bundle.${process.pid}`);
rmSync(staging, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};
// The CLI: one CommonJS file, so lib/cli/launcher.cts can run it through vm.Script with V8's
// code cache (Node 20 caches no ES module code). Everything a command needs is inside;
// modules that a command loads lazily stay lazy (esbuild initialises them on first import).
await build({
  ...common,
  entryPoints: { starform: join(root, 'dist', 'lib', 'cli', 'main.js') },
  outExtension: { '.js': '.cjs' },
  outdir: staging,
  format: 'cjs',
  // import() of CommonJS packages (jq-wasm) becomes require(): see lib/render/progress/load.ts.
  supported: { 'dynamic-import': false },
  // Native or WebAssembly-carrying packages and ajv (only needed where no precompiled
  // validator exists) load from node_modules when used; the live progress view is its
  // own ES module below (ink is ES-module-only, with top-level await).
  external: ['dockerode', 'ssh2', 'cpu-features', 'jq-wasm', 'ajv', 'ajv/*', 'pg-native', 'pg-cloudflare'],
  plugins: [externalProgressView(), pgOnNode()],
  define: { 'import.meta.url': '__starformModuleUrl' },
  banner: { js: "const __starformModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// The live progress view (ink + React, only on a terminal during apply).
await build({
  ...common,
  entryPoints: { progress: join(root, 'dist', 'lib', 'render', 'progress', 'index.js') },
  outExtension: { '.js': '.mjs' },
  outdir: staging,
  format: 'esm',
  external: ['ink', 'react', 'react/jsx-runtime'],
});
// The launcher decodes an ASCII bundle as Latin-1, several milliseconds faster than UTF-8.
// esbuild escapes other characters in code but keeps some comments as written: those
// characters become \uXXXX text (harmless in a comment; code holds none by then).
const bundleText = readFileSync(join(staging, 'starform.cjs'), 'utf8');
if (/[^\x00-\x7f]/.test(bundleText)) {
  writeFileSync(
    join(staging, 'starform.cjs'),
    bundleText.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}
const live = join(root, 'dist', 'bundle');
const old = join(root, 'dist', `bundle.old.${process.pid}`);
try {
  renameSync(live, old);
} catch {
  // no previous bundle
}
renameSync(staging, live);
rmSync(old, { recursive: true, force: true });

// The code cache: run starform on example packages in one process and save the code V8
// compiled for it (lib/cli/launcher.cts explains why).
const training = spawnSync(process.execPath, [join(root, 'scripts', 'train-code-cache.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
if (training.status !== 0) throw new Error(`scripts/train-code-cache.mjs failed (exit ${training.status})`);

/** Leaves lib/render/progress/load.ts's import of the view to the separately built ES module. */
function externalProgressView() {
  return {
    name: 'external-progress-view',
    setup(b) {
      b.onResolve({ filter: /index\.js$/ }, (args) =>
        args.importer.endsWith(join('render', 'progress', 'load.js')) ? { path: './progress.mjs', external: true } : undefined,
      );
    },
  };
}

/**
 * When it loads, pg asks whether it runs in a Cloudflare Worker (pg/lib/stream.js,
 * `isCloudflareRuntime`); on Node 20, which has no `navigator`, it asks by constructing a
 * `Response`, and that first touch of `Response` loads Node's whole fetch implementation
 * (undici): about 20 ms of every command with a postgres:// state. The bundle runs on Node
 * only, so its copy answers no at once. Should a pg release reword the function, the build
 * says so and bundles it unchanged (slower, not wrong).
 */
function pgOnNode() {
  return {
    name: 'pg-on-node',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const patched = text.replace(/function isCloudflareRuntime\(\) \{/, '$&\n  return false; // starform: Node only (scripts/build.mjs)');
        if (patched === text)
          return {
            contents: text,
            loader: 'js',
            warnings: [{ text: 'pg/lib/stream.js has no isCloudflareRuntime() any more: pg loads undici at start again' }],
          };
        return { contents: patched, loader: 'js' };
      });
    },
  };
}
