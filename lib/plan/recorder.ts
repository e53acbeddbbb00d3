// The recorder: everything one interpretation of a package produces, collected while the
// Starlark runs — the instruction list (model.ts), problems and warnings, the content of
// files the plan must carry (uploads, templates, build contexts) by digest, and the
// interpretation-time service store that get_service / get_services / set_service read.
//
// Step ids follow model.ts: `service.<name>`, `artifact.<name>`, `<kind>.<service>` for
// remove/start/stop, `<kind>.<12 hex of the canonical args' digest>` otherwise, with `#2`,
// `#3`... for repeats. None depends on the instruction's index, so inserting an unrelated
// instruction renames nothing. An instruction's `refs` come from scanning its arguments for
// future references; its position is the innermost Starlark frame at the plan.* call (the
// call site) and its stack every frame, outermost first, with the file names the
// interpreter gave the threads (package-relative display paths).
import type { EvalError, Thread } from '../starlark/index.js';
import { digestOf, jsonDigest, type Digest } from '../util/hash.js';
import {
  descriptorOf,
  futureReference,
  referencedSteps,
  type Declaration,
  type Instruction,
  type InstructionKind,
  type Problem,
  type ServiceConfigJson,
  type SourcePosition,
  type StackFrame,
} from '../instructions/index.js';
import { makeService, type KurtosisValue } from './types/index.js';
import { canonicalRecord, type JsonObject } from '../util/json.js';

/** What an instruction declares and needs, besides its arguments (see model.ts Instruction). */
export interface RecordInfo {
  readonly declares?: Declaration;
  readonly services: readonly string[];
  readonly artifacts: readonly string[];
  readonly produces: readonly string[];
  readonly description: string;
  readonly forceUpdate?: boolean;
  readonly privileged?: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A deprecation or similar notice: not an error, shown once after interpretation. */
export interface Warning {
  readonly message: string;
  readonly position: SourcePosition;
}

/** A service as the interpretation-time store knows it. */
export interface StoredService {
  readonly name: string;
  /** The step whose runtime values (ip_address) the service's references name. */
  readonly stepId: string;
  /** The canonical configuration (after any set_service merge). */
  readonly config: ServiceConfigJson;
  /** True for a service added by an earlier run (seeded), not by this interpretation. */
  readonly seeded: boolean;
}

/**
 * What the enclave already holds from earlier applies (the state), as interpretation
 * sees it — Kurtosis's interpretation-time store and validator environment see the
 * enclave's existing services and files artifacts the same way.
 */
export interface EnclaveContents {
  /** Service name → its canonical configuration as last applied. */
  readonly services: ReadonlyMap<string, ServiceConfigJson>;
  readonly artifacts: readonly string[];
}

const UNKNOWN_POSITION: SourcePosition = Object.freeze({ file: '<unknown>', line: 1, col: 1 });

/** The Starlark call stack of a thread, outermost first, in the plan model's form. */
function stackOf(thread: Thread): StackFrame[] {
  // Keys in canonical order, as the plan file and its checksum write them (JSON.stringify then suffices).
  return thread.callStack().map((f) => ({ col: f.col, file: f.file, function: f.name, line: f.line }));
}

/** The position of the innermost frame (the call site of the built-in being run). */
function positionOf(stack: readonly StackFrame[]): SourcePosition {
  if (stack.length === 0) return UNKNOWN_POSITION;
  const f = stack[stack.length - 1];
  return { col: f.col, file: f.file, line: f.line };
}

/** The display path of the module making the current call (for relative locators). */
export function callerModule(thread: Thread): string {
  const frames = thread.frames;
  return frames.length === 0 ? '' : frames[frames.length - 1].file;
}

/**
 * A Problem for an EvalError that escaped the package: its message, at the innermost
 * Starlark frame, with the Starlark frames of its backtrace (built-in frames dropped).
 */
export function problemFromEvalError(e: EvalError): Problem {
  const stack: StackFrame[] = [];
  for (let i = e.callStack.length - 1; i >= 0; i--) {
    const f = e.callStack[i];
    if (f.file === '<builtin>') continue;
    stack.push({ col: f.col, file: f.file, function: f.name, line: f.line });
  }
  return { message: e.msg, position: positionOf(stack), stack };
}

/** The id of a step kind whose identity is its arguments. */
function hashedStepId(kind: InstructionKind, args: JsonObject): string {
  return `${kind}.${jsonDigest(args).slice('sha256:'.length, 'sha256:'.length + 12)}`;
}

/** The step id (before the repeat suffix) model.ts assigns to an instruction: its kind's descriptor says how. */
function baseStepId(kind: InstructionKind, args: JsonObject): string {
  switch (descriptorOf(kind).id) {
    case 'service':
      return `service.${String(args.name)}`;
    case 'artifact':
      return `artifact.${String(args.name)}`;
    case 'named':
      return `${kind}.${String(args.name)}`;
    case 'hashed':
      return hashedStepId(kind, args);
  }
}

export class Recorder {
  private readonly list: Instruction[] = [];
  private readonly indexById = new Map<string, number>();
  private readonly idCounts = new Map<string, number>();
  private readonly artifactNames = new Set<string>();
  readonly problems: Problem[] = [];
  readonly warnings: Warning[] = [];
  /** File contents the plan embeds, by digest. */
  readonly files = new Map<Digest, Buffer>();
  /** The interpretation-time service store, in insertion order. */
  readonly services = new Map<string, StoredService>();

  /** The instructions recorded so far, in order. */
  get instructions(): readonly Instruction[] {
    return this.list;
  }

  /** The recorded instruction with this step id. */
  instruction(id: string): Instruction | undefined {
    const i = this.indexById.get(id);
    return i === undefined ? undefined : this.list[i];
  }

  /** Appends an instruction; returns it with its step id, refs, position and stack. */
  record(kind: InstructionKind, args: JsonObject, info: RecordInfo, thread: Thread): Instruction {
    args = canonicalRecord(args);
    const base = baseStepId(kind, args);
    const n = (this.idCounts.get(base) ?? 0) + 1;
    this.idCounts.set(base, n);
    const id = n === 1 ? base : `${base}#${n}`;
    const stack = stackOf(thread);
    const instruction: Mutable<Instruction> = {
      id,
      kind,
      args,
      description: info.description,
      position: positionOf(stack),
      stack,
      services: info.services,
      artifacts: info.artifacts,
      refs: referencedSteps(args),
      produces: info.produces,
    };
    if (info.declares !== undefined) instruction.declares = info.declares;
    if (info.forceUpdate) instruction.forceUpdate = true;
    if (info.privileged) instruction.privileged = true;
    this.indexById.set(id, this.list.length);
    this.list.push(instruction);
    if (info.declares?.type === 'artifact') this.artifactNames.add(info.declares.name);
    return instruction;
  }

  /** Replaces the arguments of a recorded instruction (set_service's merge); refs follow. */
  amend(id: string, args: JsonObject, changes: { readonly artifacts?: readonly string[] } = {}): Instruction {
    const i = this.indexById.get(id);
    if (i === undefined) throw new Error(`internal error: no recorded step ${id}`);
    args = canonicalRecord(args);
    const updated: Instruction = {
      ...this.list[i],
      args,
      refs: referencedSteps(args),
      ...(changes.artifacts === undefined ? {} : { artifacts: changes.artifacts }),
    };
    this.list[i] = updated;
    return updated;
  }

  /** Records a problem at the current call site. */
  problem(message: string, thread: Thread, stepId?: string): Problem {
    const stack = stackOf(thread);
    const p: Problem = { message, position: positionOf(stack), stack, ...(stepId === undefined ? {} : { stepId }) };
    this.problems.push(p);
    return p;
  }

  /** Records a warning at the current call site (each distinct message once). */
  warn(message: string, thread: Thread): void {
    if (this.warnings.some((w) => w.message === message)) return;
    this.warnings.push({ message, position: positionOf(stackOf(thread)) });
  }

  /** Stores file content the plan must carry; returns its digest. */
  store(content: Buffer | Uint8Array | string): Digest {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const digest = digestOf(buf);
    if (!this.files.has(digest)) this.files.set(digest, buf);
    return digest;
  }

  /** Notes an artifact name created by an instruction that does not `declare` it (task stores). */
  noteArtifact(name: string): void {
    this.artifactNames.add(name);
  }

  /**
   * A deterministic name for an artifact the package did not name: `files-<12 hex>` of
   * `seed` (a digest), with `-2`, `-3`... when that name is already taken in this run.
   */
  generatedArtifactName(seed: string): string {
    const hex = seed.startsWith('sha256:') ? seed.slice(7) : seed;
    const base = `files-${hex.slice(0, 12)}`;
    let name = base;
    for (let i = 2; this.artifactNames.has(name); i++) name = `${base}-${i}`;
    this.artifactNames.add(name);
    return name;
  }

  /** Remembers a service (add_service, or a set_service merge) in the store. */
  putService(name: string, stepId: string, config: ServiceConfigJson, seeded = false): StoredService {
    const s: StoredService = { name, stepId, config, seeded };
    this.services.delete(name);
    this.services.set(name, s);
    return s;
  }

  /** Makes everything an earlier apply left known to get_service, get_services and set_service. */
  seed(contents: EnclaveContents): void {
    for (const [name, config] of contents.services) this.seedService(name, config);
  }

  /**
   * Makes a service of an earlier run known to get_service / get_services / set_service
   * (the interpreter seeds the store from the state before running the package).
   */
  seedService(name: string, config: ServiceConfigJson, stepId = `service.${name}`): StoredService {
    return this.putService(name, stepId, config, true);
  }

  /**
   * A fresh Service value for a stored service (name concrete; hostname and ip_address
   * references to the step that adds it); undefined when the store does not know the name.
   */
  serviceValue(name: string): KurtosisValue | undefined {
    const s = this.services.get(name);
    if (s === undefined) return undefined;
    const refs = { ip_address: futureReference(s.stepId, 'ip_address'), hostname: futureReference(s.stepId, 'hostname') };
    return makeService(name, refs, s.config.ports);
  }

  /** Forgets a service (remove_service). */
  forgetService(name: string): void {
    this.services.delete(name);
  }
}
