// `npm run test:unit`: the fast tests, without a build and without a container engine.
//
// esbuild transpiles lib/ and test/ file by file (types are `npm run typecheck`'s job) into
// .unit/, which sits at the same depth as dist/ so that tests find fixtures/, schemas/ and
// package.json exactly as they do from dist/; then mocha runs the pure suites: the language,
// templates, planning, saved plans, the state model and file, the views, the utilities and
// the lint rules. Suites that need the engine, child processes, a tmpfs or the bundle run in
// `npm test` only: they are listed in SLOW with the reason. DOCKER_HOST points nowhere, so
// a unit test that starts needing the engine fails here instead of quietly getting slow.
//
//   npm run test:unit                     # every unit suite
//   npm run test:unit -- test/plan        # the unit suites under a folder (or given files)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { compileSchemas } from './compile-schemas.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.unit');

/** The folders of test/ whose suites are unit tests. */
const UNIT = ['test/starlark', 'test/template', 'test/instructions', 'test/plan', 'test/planfile', 'test/state', 'test/render', 'test/util', 'test/lint'];

/** Suites under UNIT that are not unit tests, and why. */
const SLOW = new Map([
  ['test/state/crash.test.ts', 'kills child processes mid-write'],
  ['test/state/full-disk.test.ts', 'mounts small tmpfs file systems (root)'],
  ['test/state/lock.test.ts', 'races child processes for the lock'],
  ['test/render/json-outputs.test.ts', 'runs bin/starform against the engine'],
  ['test/render/show-markdown-cli.test.ts', 'runs bin/starform (the bundle)'],
  ['test/plan/fidelity.test.ts', 'applies packages on the engine'],
]);

const args = process.argv.slice(2);
const started = Date.now();

const sources = [...walk('lib'), ...walk('test')].filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'));
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: sources.map((f) => join(root, f)),
  outdir: out,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  jsx: 'automatic',
  logLevel: 'warning',
});
// lib/util/schema.ts prefers the build's precompiled validators: keep them from going stale.
if (existsSync(join(root, 'dist', 'schemas'))) compileSchemas(root, { onlyStale: true });

const chosen = (args.length > 0 ? args : UNIT).map((a) => a.replace(/\/+$/, ''));
const suites = sources
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => UNIT.some((d) => f.startsWith(`${d}/`)) && !SLOW.has(f))
  .filter((f) => chosen.some((c) => f === c || f.startsWith(`${c}/`)));
if (suites.length === 0) {
  console.error(`test:unit: no unit suite matches ${chosen.join(' ')} (unit folders: ${UNIT.join(', ')})`);
  process.exit(1);
}
console.log(`test:unit: ${suites.length} suites, transpiled in ${Date.now() - started} ms`);

const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const run = spawnSync(
  process.execPath,
  ['--enable-source-maps', mocha, '--no-config', '--timeout', '30000', '--reporter', 'dot', ...suites.map((f) => join(out, f.replace(/\.tsx?$/, '.js')))],
  { cwd: root, stdio: 'inherit', env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/starform-unit-tests.sock' } },
);
console.log(`test:unit: ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(run.status ?? 1);

/** The files under a folder of the repository, as relative paths with forward slashes. */
function walk(dir) {
  const found = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures' && entry.name !== 'golden' && entry.name !== 'node_modules') found.push(...walk(path));
    } else found.push(relative(root, join(root, path)).split(sep).join('/'));
  }
  return found;
}
