// Expected plans of the fixture packages, kept as golden files under test/golden/plans/:
// the text view against an empty state for every package, and for `deps` the plan of a
// change against the state its first plan leads to (test/golden/states/deps.state.json);
// the Markdown view has its own golden files (test/render/plan-markdown.test.ts).
// A change in interpretation, the diff or the views shows up here as a reviewable diff.
// `UPDATE_GOLDEN=1` rewrites the files (review before committing).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePlan } from '../../lib/plan/index.js';
import { renderPlanText } from '../../lib/render/plan-view.js';
import { emptyState, parseState, serializeState, type State } from '../../lib/state/index.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import type { JsonObject } from '../../lib/util/json.js';
import { expectGolden } from '../util/golden.js';
import { usesText } from '../../lib/render/uses-view.js';
import { applyForTests } from './simulate.js';

const packages = join(PACKAGE_ROOT, 'fixtures', 'packages');
const argsFor: Record<string, string> = { yamlargs: 'yamlargs.json', legacyargs: 'legacyargs.json' };

function args(name: string): JsonObject {
  const file = argsFor[name];
  return file ? (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'fixtures', 'args', file), 'utf8')) as JsonObject) : {};
}

function planOf(name: string, state: State, extra: JsonObject = {}) {
  const r = makePlan({ dir: join(packages, name), args: { ...args(name), ...extra }, state });
  assert.deepEqual(r.problems, [], `${name} plans without problems`);
  return { instructions: r.plan!.instructions, changes: r.plan!.changes, summary: r.summary!, outputs: r.plan!.outputs };
}

describe('plan: expected plans of the fixtures (golden)', () => {
  for (const name of readdirSync(packages).sort()) {
    if (name === 'redis-package') continue; // a library package, imported by composite
    if (name === 'shared-tooling') continue; // reads shared-chain's state: below
    it(`${name}: against an empty state`, () => {
      expectGolden(renderPlanText(planOf(name, emptyState())), `test/golden/plans/${name}.txt`);
    });
  }

  it('shared-tooling: against the state shared-chain leaves, which it reads and never deletes', () => {
    const owner = 'github.com/starform-fixtures/shared-chain';
    const chain = applyForTests(planOf('shared-chain', emptyState()), emptyState());
    const owned: State = {
      ...chain,
      services: new Map([...chain.services].map(([n, r]) => [n, { ...r, package: owner }])),
      filesArtifacts: new Map([...chain.filesArtifacts].map(([n, r]) => [n, { ...r, package: owner }])),
      steps: chain.steps.map((x) => ({ ...x, package: owner })),
    };
    const r = makePlan({ dir: join(packages, 'shared-tooling'), args: {}, state: owned });
    assert.deepEqual(r.problems, []);
    const view = { instructions: r.plan!.instructions, changes: r.plan!.changes, summary: r.summary!, outputs: r.plan!.outputs };
    expectGolden(`${renderPlanText(view)}${usesText(r.plan!.package.uses)}`, 'test/golden/plans/shared-tooling.txt');
    assert.equal(r.summary!.delete, 0);
  });

  it('deps: the state after the first apply, then a change to the database', () => {
    const first = planOf('deps', emptyState());
    const state = applyForTests(first, emptyState());
    expectGolden(serializeState(state, '0.0.0-test'), 'test/golden/states/deps.state.json');
    const saved = parseState(readFileSync(join(PACKAGE_ROOT, 'test', 'golden', 'states', 'deps.state.json'), 'utf8'), 'deps.state.json');
    const change = planOf('deps', saved, { db_version: '2' });
    expectGolden(renderPlanText(change), 'test/golden/plans/deps-change.txt');
  });
});
