// Plans of the fixture packages as `starform export` reads them: made in memory against an
// empty state, written as a plan file's text and read back (checksum and all) — the same
// input the command hands lib/export.
import { fileURLToPath } from 'node:url';
import type { ExportInput } from '../../lib/export/index.js';
import { makePlan } from '../../lib/plan/index.js';
import { parsePlan, serializePlan } from '../../lib/planfile/index.js';
import { emptyState } from '../../lib/state/index.js';
import type { JsonObject } from '../../lib/util/json.js';

export const fixturePackage = (name: string): string => fileURLToPath(new URL(`../../../fixtures/packages/${name}`, import.meta.url));

/** The fixture packages (all of them run on the local busybox test image). */
export const FIXTURES = [
  'addresses',
  'checks',
  'compose-web',
  'composite',
  'deps',
  'genesis',
  'legacyargs',
  'lifecycle',
  'lookup',
  'multimodule',
  'p2p-node',
  'redis-package',
  'secrets',
  'webapp',
  'yamlargs',
];

export interface PlannedFixture extends ExportInput {
  readonly text: string;
}

export function planFixture(name: string, args: JsonObject = {}, sensitiveArgs: readonly string[] = []): PlannedFixture {
  const result = makePlan({ dir: fixturePackage(name), locator: `fixtures/packages/${name}`, args, sensitiveArgs, state: emptyState() });
  if (result.plan === null) throw new Error(`planning ${name} failed: ${result.problems.map((p) => p.message).join('; ')}`);
  const { text } = serializePlan(result.plan);
  const loaded = parsePlan(text, `${name}.plan`);
  return { plan: loaded.plan, checksum: loaded.checksum, text };
}
