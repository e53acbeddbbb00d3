// What an instruction record says about files artifacts beyond its `declares`: the
// artifacts it creates (a task's `store` can create several). Read by the diff, the
// claims, the selection, the executor's graph and ownership, from the records alone.
import type { JsonObject } from '../util/json.js';
import { descriptorOf } from './kinds.js';
import type { Instruction } from './model.js';

/**
 * The files artifacts an instruction creates: its declaration, plus the `store` entries of
 * a kind that stores artifacts (run_sh / run_python: a task can store several; model.ts's
 * single `declares` cannot say so).
 */
export function artifactsCreated(instruction: Instruction): string[] {
  const out: string[] = [];
  if (instruction.declares?.type === 'artifact') out.push(instruction.declares.name);
  const store = instruction.args.store;
  if (descriptorOf(instruction.kind).storesArtifacts === true && Array.isArray(store)) {
    for (const s of store as readonly JsonObject[]) if (typeof s.name === 'string') out.push(s.name);
  }
  return out;
}
