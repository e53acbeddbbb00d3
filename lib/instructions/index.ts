// The instruction vocabulary, as plain data: the records interpretation produces and a
// saved plan carries (model.ts), the canonical shapes of their Kurtosis-typed arguments
// (shapes.ts), one descriptor and argument type per kind (kinds.ts) with typed access to
// a record's arguments (args.ts), the future-reference format and its substitution
// (references.ts), and what a record creates (artifacts.ts). The face of
// lib/instructions: apply, the views, the export and the planning modules read
// instructions through it. It imports lib/util only, so apply never loads the interpreter
// (docs/architecture.md).
export * from './model.js';
export * from './shapes.js';
export { argsOf, isOfKind } from './args.js';
export { descriptorOf, INSTRUCTION_KINDS, isInstructionKind, KINDS, type InstructionArgs, type KindDescriptor, type KindRole } from './kinds.js';
export * from './references.js';
export { artifactsCreated } from './artifacts.js';
