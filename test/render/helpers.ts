// Plans of fixture packages as `starform show` reads them: planned against a state,
// written to plan-file text and read back (so the comment is rendered from what the file
// holds — warnings, checksum, starform version — exactly as the CLI does).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePlan } from '../../lib/plan/index.js';
import { parsePlan, serializePlan, type LoadedPlan } from '../../lib/planfile/planfile.js';
import { markdownPlanOf, type MarkdownPlan } from '../../lib/render/plan-markdown.js';
import { emptyState, type State } from '../../lib/state/index.js';
import type { JsonObject } from '../../lib/util/json.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { applyForTests } from '../plan/simulate.js';

/** A fixture package by its path from the repository root (`fixtures/packages/deps`). */
export interface Planned {
  readonly loaded: LoadedPlan;
  readonly markdown: MarkdownPlan;
  /** The state an apply of this plan leads to (containers aside). */
  after(): State;
}

export function planFixture(
  locator: string,
  args: JsonObject = {},
  state: State = { ...emptyState(), lineage: '00000000-0000-4000-8000-000000000000' },
  planFile = 'change.plan',
): Planned {
  const r = makePlan({ dir: join(PACKAGE_ROOT, locator), locator, args, state });
  assert.deepEqual(r.problems, [], `${locator} plans without problems`);
  const plan = r.plan!;
  const loaded = parsePlan(serializePlan(plan, '0.0.0-test').text, planFile);
  return { loaded, markdown: markdownPlanOf(loaded, planFile), after: () => applyForTests(plan, state) };
}

/** The text a reader sees of some Markdown source's numeric character references. */
export function decodeReferences(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
}

export function fixtureText(relPath: string): string {
  return readFileSync(join(PACKAGE_ROOT, relPath), 'utf8');
}
