// The import rules of eslint.config.js are live: deliberate violations of each kind (a
// planning module that reaches the engine, the language that imports the plan, a way around
// a folder's face, dockerode outside its adapter, an import cycle) fail with the rule and
// the message that names the design, while the same imports from where the design allows
// them pass. Runs the project's own config through ESLint's API, on probe files that exist
// only for the test (the layer probes are never written into lib/; the cycle needs two
// real files, written to a scratch folder and removed).
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';

const root = fileURLToPath(new URL('../../../', import.meta.url));

// The import rules need no type information: without it the probes lint in a second or two.
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: join(root, 'eslint.config.js'),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId.startsWith('import-x/') || ruleId === 'no-restricted-imports' || ruleId === 'no-restricted-properties',
});

async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  assert.ok(result, `no lint result for ${file}`);
  return result.messages;
}

function only(messages: Linter.LintMessage[], ruleId: string, pattern: RegExp): void {
  assert.ok(messages.length > 0, `expected ${ruleId} to report`);
  for (const m of messages) {
    assert.equal(m.ruleId, ruleId, `${m.ruleId}: ${m.message}`);
    assert.match(m.message, pattern);
  }
}

describe('lint: the import rules of the design', function () {
  this.timeout(120_000);

  it('planning never reaches the engine: lib/plan importing lib/docker fails', async () => {
    const messages = await lint('lib/plan/lint-probe.ts', "import { DockerRuntime } from '../docker/index.js';\nexport const probe = DockerRuntime;\n");
    only(messages, 'import-x/no-restricted-paths', /Planning \(lib\/plan\) never reaches a runtime/);
  });

  it('the language imports nothing of ours: lib/starlark importing lib/plan fails', async () => {
    const messages = await lint('lib/starlark/lint-probe.ts', "import { makePlan } from '../plan/index.js';\nexport const probe = makePlan;\n");
    only(messages, 'import-x/no-restricted-paths', /lib\/starlark imports nothing else of ours/);
  });

  it('a folder is entered through its face: a deep import fails, the face passes', async () => {
    const deep = await lint('lib/render/lint-probe.ts', "import type { State } from '../state/model.js';\nexport type Probe = State;\n");
    only(deep, 'import-x/no-restricted-paths', /Import lib\/state through its face/);
    assert.deepEqual(await lint('lib/render/lint-probe.ts', "import type { State } from '../state/index.js';\nexport type Probe = State;\n"), []);
    // Tests may import any module; inside its own folder a file imports its neighbours.
    assert.deepEqual(await lint('test/state/lint-probe.test.ts', "import type { State } from '../../lib/state/model.js';\nexport type Probe = State;\n"), []);
    assert.deepEqual(await lint('lib/state/lint-probe.ts', "import type { State } from './model.js';\nexport type Probe = State;\n"), []);
  });

  it('the plain-data folders import lib/util only', async () => {
    const runtime = await lint('lib/runtime/lint-probe.ts', "import type { State } from '../state/index.js';\nexport type Probe = State;\n");
    only(runtime, 'import-x/no-restricted-paths', /lib\/runtime is the engine-neutral port/);
    const instructions = await lint('lib/instructions/lint-probe.ts', "import { quote } from '../starlark/index.js';\nexport const probe = quote;\n");
    only(instructions, 'import-x/no-restricted-paths', /lib\/instructions is plain data/);
    assert.deepEqual(await lint('lib/instructions/lint-probe.ts', "import type { JsonObject } from '../util/json.js';\nexport type Probe = JsonObject;\n"), []);
  });

  it('apply and the views read the instruction vocabulary through lib/instructions, not through lib/plan', async () => {
    const oldFace = await lint(
      'lib/apply/lint-probe.ts',
      "import type { ServiceConfigJson } from '../plan/types/index.js';\nexport type Probe = ServiceConfigJson;\n",
    );
    only(oldFace, 'import-x/no-restricted-paths', /Import lib\/plan through its face/);
    const deep = await lint('lib/render/lint-probe.ts', "import type { Instruction } from '../instructions/model.js';\nexport type Probe = Instruction;\n");
    only(deep, 'import-x/no-restricted-paths', /Import lib\/instructions through its face/);
    assert.deepEqual(
      await lint('lib/apply/lint-probe.ts', "import type { Instruction } from '../instructions/index.js';\nexport type Probe = Instruction;\n"),
      [],
    );
  });

  it('dockerode is the engine adapters’ alone', async () => {
    only(
      await lint('lib/apply/lint-probe.ts', "import Docker from 'dockerode';\nexport const probe = Docker;\n"),
      'no-restricted-imports',
      /Only the engine adapters/,
    );
    assert.deepEqual(await lint('lib/docker/lint-probe.ts', "import Docker from 'dockerode';\nexport const probe = Docker;\n"), []);
  });

  it('commands write through a view: lib/cli writing to process.stdout or the console fails, the streams module passes', async () => {
    const write = "export function probe(): void {\n  process.stdout.write('plan\\n');\n}\n";
    only(await lint('lib/cli/lint-probe.ts', write), 'no-restricted-properties', /Commands write through a view/);
    const both = await lint('lib/cli/lint-probe.ts', "export function probe(): void {\n  process.stderr.write('note\\n');\n  console.log('x');\n}\n");
    only(both, 'no-restricted-properties', /Commands write through a view/);
    assert.equal(both.length, 2, 'process.stderr and console are both reported');
    // The module that owns the streams, and the views, may name them.
    assert.deepEqual(await lint('lib/cli/streams.ts', write), []);
    assert.deepEqual(await lint('lib/render/lint-probe.ts', write), []);
  });

  it('an import cycle fails', async () => {
    const dir = join(root, 'test', 'lint', `cycle-probe-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const a = "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n";
      writeFileSync(join(dir, 'a.ts'), a);
      writeFileSync(join(dir, 'b.ts'), "import { a } from './a.js';\nexport const b = (): number => a() - 1;\n");
      const messages = await lint(`test/lint/cycle-probe-${process.pid}/a.ts`, a);
      only(messages, 'import-x/no-cycle', /Dependency cycle/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
