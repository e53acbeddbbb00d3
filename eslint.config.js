// ESLint flat config: typescript-eslint plus import rules that state the design of
// docs/architecture.md, so that a change which breaks it fails `npm run lint` (and CI).
//
// The import rules, in words (docs/architecture.md has the picture):
//   1. Faces. A folder of lib/ with an index.ts is entered through it: code outside the
//      folder imports its index.ts only (a few folders have a second face, listed in FACES
//      with the reason). Inside a folder, files import each other freely. lib/util,
//      lib/render and lib/cli have no face: each of their files is a module in its own right.
//      Tests may import any module (they test modules). lib/cli, the composition root, loads
//      most modules lazily with import() so a command loads no more than it needs (start-up
//      is measured); it may name a module behind a face, except in lib/starlark.
//   2. Layers. lib/starlark imports nothing of ours; lib/util imports nothing of ours either;
//      lib/instructions and lib/runtime import lib/util only; lib/package, lib/planfile and
//      lib/state import lib/util and lib/instructions only; planning (lib/plan,
//      lib/planfile, lib/state, lib/package) never reaches a runtime (lib/runtime, its
//      adapters lib/docker and lib/swarm, dockerode) nor lib/apply, lib/render or lib/cli;
//      lib/apply and the adapters never reach lib/render or lib/cli; lib/render never
//      reaches the adapters or lib/cli.
//   3. No import cycles (import-x/no-cycle), type-only imports included.
// And one rule of output: commands (lib/cli) never write to process.stdout/stderr or the
// console themselves; they hand results to views (lib/render) with lib/cli/streams.ts.
// test/lint/rules.test.ts proves each kind of rule is live on a deliberate violation.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const root = dirname(fileURLToPath(import.meta.url));

/** The files of a folder that code outside it may import, where it is not index.ts alone. */
const FACES = {
  // The plan pipeline, and the same pipeline in a worker thread (interruptible by Ctrl-C).
  // sensitive is the masking of secrets (which values; it reads the state, so it cannot
  // live in lib/instructions), which apply's commands and the views use without the
  // pipeline. canonical holds Kurtosis's canonical forms (Go durations, ...), which the
  // export reads. The instruction vocabulary itself is lib/instructions (its index.ts).
  plan: ['index.ts', 'interpret-worker.ts', 'sensitive.ts', 'canonical.ts'],
  // The events progress views are built from: the live view is a bundle of its own, which
  // must not pull in the executor and the engine client through index.ts.
  // graph: the steps' dependency graph, a pure function of the plan that the export reads
  // without loading the executor.
  apply: ['index.ts', 'events.ts', 'graph.ts'],
};

/** lib's folders that have a face (index.ts): today's and those this design names. */
const faced = readdirSync(join(root, 'lib'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && (existsSync(join(root, 'lib', d.name, 'index.ts')) || existsSync(join(root, 'lib', d.name, 'index.tsx'))))
  .map((d) => d.name);

const ours = [
  'apply',
  'cli',
  'docker',
  'export',
  'instructions',
  'package',
  'plan',
  'planfile',
  'render',
  'runtime',
  'starlark',
  'state',
  'swarm',
  'template',
  'util',
];
const others = (...keep) => ours.filter((d) => !keep.includes(d)).map((d) => `lib/${d}`);

/** Zones of import-x/no-restricted-paths: a file under `target` may not import one under `from`. */
const faceZones = faced.map((dir) => ({
  // The Swarm adapter drives the same engine API: it builds on the Docker adapter's parts.
  target: [`lib/!(${dir}${dir === 'starlark' ? '' : '|cli'}${dir === 'docker' ? '|swarm' : ''})/**`],
  from: [`lib/${dir}/**`],
  // Absolute globs: the rule matches exceptions of a glob zone against absolute paths.
  except: [`${root}/lib/${dir}/@(${(FACES[dir] ?? ['index.ts', 'index.tsx']).join('|')})`],
  message: `Import lib/${dir} through its face (${(FACES[dir] ?? ['index.ts']).join(', ')}); see docs/architecture.md.`,
}));

const layerZones = [
  { target: 'lib/starlark', from: others('starlark'), message: 'lib/starlark imports nothing else of ours: it is the language alone.' },
  { target: 'lib/util', from: others('util'), message: 'lib/util imports nothing else of ours: everything may use it.' },
  {
    target: 'lib/instructions',
    from: others('instructions', 'util'),
    message: 'lib/instructions is plain data: it imports lib/util only (no interpreter, no engine).',
  },
  {
    target: 'lib/runtime',
    from: others('runtime', 'util'),
    message: 'lib/runtime is the engine-neutral port: it imports lib/util only (adapters import it, never the reverse).',
  },
  ...['package', 'planfile', 'state'].map((d) => ({
    target: `lib/${d}`,
    from: others(d, 'util', 'instructions'),
    message: `lib/${d} knows nothing of Starlark, plans or engines: it imports lib/util (and lib/instructions) only.`,
  })),
  ...['plan', 'planfile', 'state', 'package'].map((d) => ({
    target: `lib/${d}`,
    from: ['runtime', 'docker', 'swarm', 'apply', 'render', 'cli'].map((f) => `lib/${f}`),
    message: `Planning (lib/${d}) never reaches a runtime, the executor, the views or the CLI.`,
  })),
  ...['apply', 'docker', 'swarm'].map((d) => ({
    target: `lib/${d}`,
    from: ['render', 'cli'].map((f) => `lib/${f}`),
    message: `lib/${d} never reaches the views or the CLI: it reports through its results and events.`,
  })),
  { target: 'lib/render', from: ['docker', 'swarm', 'cli'].map((f) => `lib/${f}`), message: 'Views (lib/render) never reach an engine adapter or the CLI.' },
];

const noDockerode = {
  paths: [{ name: 'dockerode', message: 'Only the engine adapters (lib/docker, lib/swarm) talk to the engine.' }],
  patterns: [{ group: ['dockerode/*'], message: 'Only the engine adapters (lib/docker, lib/swarm) talk to the engine.' }],
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.unit/**', 'tmp/**', 'fixtures/**', 'test/**/fixtures/**', 'bench/go/**'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.cts', '**/*.mts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        projectService: true,
        tsconfigRootDir: root,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    settings: {
      // Without these, import-x reads no TypeScript file it is led to, and no-cycle sees nothing.
      'import-x/extensions': ['.ts', '.tsx', '.cts', '.mts', '.js', '.cjs', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx', '.cts', '.mts'] },
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.cts', '.mts', '.js', '.cjs', '.mjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'], '.cjs': ['.cts', '.cjs'], '.mjs': ['.mts', '.mjs'] },
          conditionNames: ['types', 'import', 'require', 'node', 'default'],
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/consistent-type-exports': ['error', { fixMixedExportsWithInlineTypeSpecifier: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/prefer-as-const': 'error',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'import-x/no-unresolved': ['error', { ignore: ['^node:'] }],
      'no-var': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['lib/**/*.ts', 'lib/**/*.tsx', 'lib/**/*.cts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: [...faceZones, ...layerZones] }],
    },
  },
  {
    // Commands write through a view (docs/architecture.md, "Commands and views"): a file of
    // lib/cli hands its result to a view of lib/render with the streams lib/cli/streams.ts
    // owns; only that file names the process's output streams (or console). The launcher
    // (lib/cli/launcher.cts) runs before the bundle and is not a command.
    files: ['lib/cli/**/*.ts'],
    ignores: ['lib/cli/streams.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['stdout', 'stderr'].map((property) => ({
          object: 'process',
          property,
          message: 'Commands write through a view: hand the result to a view of lib/render with the streams of lib/cli/streams.ts.',
        })),
        { object: 'console', message: 'Commands write through a view: hand the result to a view of lib/render with the streams of lib/cli/streams.ts.' },
      ],
    },
  },
  {
    files: ['lib/!(docker|swarm)/**/*.ts', 'lib/!(docker|swarm)/**/*.tsx'],
    rules: { 'no-restricted-imports': ['error', noDockerode] },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      'no-var': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-undef': 'off',
    },
  },
);
