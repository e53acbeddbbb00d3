// The instruction kinds' descriptors (lib/instructions/kinds.ts) against
// schemas/instructions.schema.json and against what the builtins record, so that the
// argument types, the descriptors and the schema cannot drift apart:
//   - the kinds are the same in all three, and the schema has one branch per kind;
//   - every argument key the schema describes or requires is one the kind's type has
//     (descriptor.args lists the type's keys, all of them: the compiler checks that below),
//     and where the schema closes the object, the two key sets are equal;
//   - every instruction the fixture packages record uses only keys its kind declares;
//   - the descriptors are coherent (a `state` kind says which end state, an artifact kind
//     creates its artifact...).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  INSTRUCTION_KINDS,
  argsOf,
  descriptorOf,
  isOfKind,
  isInstructionKind,
  type InstructionArgs,
  type InstructionKind,
  type KINDS,
} from '../../lib/instructions/index.js';
import { makePlan } from '../../lib/plan/index.js';
import { emptyState } from '../../lib/state/index.js';
import type { Instruction } from '../../lib/instructions/index.js';

// Compile-time: each descriptor lists every key of its kind's argument type (a key left
// out makes `Missing` non-never and this line an error).
type Missing = { [K in InstructionKind]: Exclude<keyof InstructionArgs[K], (typeof KINDS)[K]['args'][number]> }[InstructionKind];
const complete: [Missing] extends [never] ? true : Missing = true;

interface SchemaObject {
  readonly $ref?: string;
  readonly required?: readonly string[];
  readonly properties?: { readonly [key: string]: unknown };
  readonly additionalProperties?: unknown;
}
interface Branch {
  readonly if: { readonly properties: { readonly kind: { readonly const?: string; readonly enum?: readonly string[] } } };
  readonly then: { readonly properties: { readonly args: SchemaObject } };
}
interface Schema {
  readonly properties: { readonly kind: { readonly enum: readonly string[] } };
  readonly allOf: readonly Branch[];
  readonly $defs: { readonly [name: string]: SchemaObject };
}

const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../../schemas/instructions.schema.json', import.meta.url)), 'utf8')) as Schema;

function argsSchemaOf(kind: string): SchemaObject[] {
  const out: SchemaObject[] = [];
  for (const b of schema.allOf) {
    const k = b.if.properties.kind;
    if (k.const !== kind && !(k.enum ?? []).includes(kind)) continue;
    const args = b.then.properties.args;
    out.push(args.$ref !== undefined ? schema.$defs[args.$ref.replace('#/$defs/', '')]! : args);
  }
  return out;
}

describe('instructions/kinds', () => {
  it('every key of each kind’s argument type is in its descriptor (checked when compiling)', () => {
    assert.equal(complete, true);
  });

  it('the schema names exactly the descriptors’ kinds, each with one branch for its arguments', () => {
    assert.deepEqual([...schema.properties.kind.enum].sort(), [...INSTRUCTION_KINDS].sort());
    for (const kind of INSTRUCTION_KINDS) assert.equal(argsSchemaOf(kind).length, 1, `schema branches for ${kind}`);
    assert.ok(!isInstructionKind('no_such_kind'));
    assert.ok(!isInstructionKind('toString'), 'an Object.prototype key is no kind');
  });

  it('the schema’s argument keys are the argument type’s (equal where the schema closes the object)', () => {
    for (const kind of INSTRUCTION_KINDS) {
      const [args] = argsSchemaOf(kind);
      const keys = new Set<string>(descriptorOf(kind).args);
      assert.equal(keys.size, descriptorOf(kind).args.length, `${kind}: a key is listed twice`);
      for (const k of args!.required ?? []) assert.ok(keys.has(k), `${kind}: the schema requires '${k}', which its type lacks`);
      const described = Object.keys(args!.properties ?? {});
      for (const k of described) assert.ok(keys.has(k), `${kind}: the schema describes '${k}', which its type lacks`);
      if (args!.additionalProperties === false) assert.deepEqual([...keys].sort(), described.sort(), `${kind}: the schema's closed key set`);
    }
  });

  it('what the fixture packages record uses only the keys its kind declares, and every kind they use is described', () => {
    const root = fileURLToPath(new URL('../../../fixtures/packages/', import.meta.url));
    const seen = new Set<string>();
    for (const name of readdirSync(root)) {
      const result = makePlan({ dir: root + name, args: {}, state: emptyState() });
      for (const ins of result.plan?.instructions ?? []) {
        seen.add(ins.kind);
        const keys = new Set<string>(descriptorOf(ins.kind).args);
        for (const k of Object.keys(ins.args)) assert.ok(keys.has(k), `${name}: ${ins.kind} records '${k}', which its type lacks`);
      }
    }
    assert.ok(seen.size >= 10, `the fixtures use ${seen.size} kinds`);
  });

  it('each descriptor is coherent', () => {
    for (const kind of INSTRUCTION_KINDS) {
      const d = descriptorOf(kind);
      const at = `${kind}: `;
      if (d.role === 'state') assert.ok(d.endState !== undefined && d.service !== undefined, at + 'an end state of a named service');
      else assert.equal(d.endState, undefined, at + 'only state kinds ask for an end state');
      if (d.role === 'artifact') assert.ok(d.id === 'artifact' && d.createsArtifact === true, at + 'an artifact kind creates the artifact its id names');
      if (d.role === 'service') assert.equal(d.id, 'service', at);
      if (d.needsContainer === true) assert.ok(d.service !== undefined && d.actsOnService === true, at + 'needing a container means acting on a named service');
      if (d.id === 'named' || d.id === 'artifact' || d.id === 'service') assert.ok(d.args.includes('name'), at + 'its id is built from its name');
      if (d.storesArtifacts === true) assert.ok(d.args.includes('store'), at);
    }
  });

  it('argsOf gives a record’s arguments as its kind’s type, and refuses a record of another kind', () => {
    const base = { description: 'd', position: { file: 'main.star', line: 1, col: 1 }, stack: [], services: [], artifacts: [], refs: [], produces: [] };
    const print: Instruction = { ...base, id: 'print.1', kind: 'print', args: { msg: 'hello' } };
    const exec: Instruction = {
      ...base,
      id: 'exec.1',
      kind: 'exec',
      args: { service_name: 'db', recipe: { type: 'exec', command: ['true'], extract: {} }, acceptable_codes: [0], skip_code_check: false },
    };
    assert.equal(argsOf(print, 'print').msg, 'hello');
    assert.deepEqual(argsOf(exec, 'exec', 'request').recipe, { type: 'exec', command: ['true'], extract: {} });
    assert.throws(() => argsOf(print, 'exec', 'request'), /internal error: step print\.1 is print, not exec or request/);
    assert.ok(isOfKind(exec, 'exec') && !isOfKind(exec, 'wait'));
  });
});
