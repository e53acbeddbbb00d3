// Makes dist/bundle/starform.cjs.v8cache (see lib/cli/launcher.cts): loads the fresh bundle,
// runs the everyday commands on the example packages in this one process, then saves the
// code V8 compiled along the way. Run by scripts/build.mjs with standard output discarded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../dist/lib/cli/launcher.cjs';

// Interpret on this thread, so the interpreter's code is in the cache (the worker thread
// that interprets for the real commands loads the same bundle and cache).
process.env.STARFORM_INTERPRET_IN_PROCESS = '1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (p) => join(root, 'fixtures', p);
const scratch = mkdtempSync(join(tmpdir(), 'starform-train-'));
const plan = join(scratch, 'saved.plan');
// A compiled-Starlark cache of its own, so both of its paths are trained: the first plan
// compiles and saves, the second loads (lib/starlark/program-cache.ts).
process.env.STARFORM_STARLARK_CACHE = join(scratch, 'starlark-cache');
// The state the deps package leads to: a golden file the plan tests keep up to date.
const depsState = join(root, 'test', 'golden', 'states', 'deps.state.json');
const runs = [
  ['plan', fixture('packages/webapp'), '--refresh=false', '--state', join(scratch, 'none.state.json'), '--out', plan],
  ['plan', fixture('packages/webapp'), '--refresh=false', '--state', join(scratch, 'none.state.json')],
  ['show', plan],
  ['show', plan, '--json'],
  ['plan', fixture('packages/deps'), '--refresh=false', '--state', depsState],
  ['validate', fixture('packages/multimodule')],
  ['state', 'list', '--state', depsState],
];
// The PostgreSQL driver's code (loaded only for postgres:// states): a state URL on a port
// where nothing listens loads it and makes a connection attempt, which is refused (exit 1).
const failing = [['state', 'list', '--state', 'postgres://starform@127.0.0.1:1/starform']];
try {
  const bundle = loadBundle();
  for (const argv of runs) {
    const code = await bundle.cli.main(argv);
    if (code !== 0) throw new Error(`training run \`starform ${argv.join(' ')}\` exited ${code}`);
  }
  const write = process.stderr.write;
  process.stderr.write = () => true; // its expected "cannot connect" message
  try {
    for (const argv of failing) await bundle.cli.main(argv);
  } finally {
    process.stderr.write = write;
  }
  bundle.saveCache();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
