// Typed access to a record's arguments: an instruction record carries its arguments as
// JSON (a saved plan is JSON); a handler or a reader that knows which kinds it handles gets
// them as the kinds' types of kinds.ts, checked against the record's kind, without a cast.
import type { InstructionArgs, InstructionKind } from './kinds.js';
import type { Instruction } from './model.js';

/** A record of one of `kinds`, its arguments as their type says. */
type RecordOf<K extends InstructionKind> = Instruction & { readonly kind: K; readonly args: InstructionArgs[K] };

/**
 * Whether a record is of one of `kinds`. Its arguments then have the kind's type: every
 * record was checked against schemas/instructions.schema.json before it was planned
 * (lib/plan/validate.ts), and test/instructions/kinds.test.ts holds the schema, the
 * descriptors' keys and these types together.
 */
export function isOfKind<K extends InstructionKind>(ins: Instruction, ...kinds: readonly K[]): ins is RecordOf<K> {
  return (kinds as readonly InstructionKind[]).includes(ins.kind);
}

/** A record's arguments as its kind's type; `kinds` are the kinds the caller handles (an internal error otherwise). */
export function argsOf<K extends InstructionKind>(ins: Instruction, ...kinds: readonly K[]): InstructionArgs[K] {
  if (!isOfKind(ins, ...kinds)) throw new Error(`internal error: step ${ins.id} is ${ins.kind}, not ${kinds.join(' or ')}`);
  return ins.args;
}
