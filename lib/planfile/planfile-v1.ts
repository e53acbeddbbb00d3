// Plan file format version 1: the JSON shape of a saved plan and its translation to and
// from the in-memory SavedPlan. The checksum is computed over this shape (see planfile.ts)
// and then added to it. Validity is the schema (schemas/plan.schema.json), the plan's own
// consistency (model.ts `planProblems`) and a summary that matches the changes.
//
// Field names in the file are snake_case throughout, those of the plan module's records
// included: a record's top-level field `forceUpdate` is written `force_update` and read
// back as `forceUpdate` (so record fields must be lowerCamelCase); values, and anything
// nested in them (args, configurations), are kept exactly as they are. Described for
// users in docs/formats.md.
import type { Digest } from '../util/hash.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../util/json.js';
import { schemaValidator } from '../util/schema.js';
import {
  CHANGE_ACTIONS,
  planProblems,
  type ChangeAction,
  type ChangeCore,
  type ChangeRecord,
  type InstructionCore,
  type InstructionRecord,
  type PinnedRepository,
  type PlanEdit,
  type SavedPlan,
} from './model.js';

export const FORMAT_VERSION = 1;

type SummaryV1 = { readonly [action in 'create' | 'replace' | 'run' | 'delete' | 'no_op']: number };

/** A plan file without its checksum: what the checksum is computed over. */
interface PlanBodyV1 {
  readonly format_version: 1;
  readonly starform_version: string;
  readonly state: { readonly lineage: string | null; readonly serial: number; readonly runtime?: string };
  readonly package: {
    readonly locator: string;
    readonly digest: Digest;
    readonly args: JsonValue;
    readonly repositories?: readonly PinnedRepository[];
    readonly uses?: readonly { readonly address: string; readonly package: string }[];
  };
  readonly summary: SummaryV1;
  readonly changes: readonly JsonObject[];
  readonly instructions: readonly JsonObject[];
  readonly outputs: JsonValue;
  readonly files: { readonly [digest: string]: string };
  readonly warnings?: readonly string[];
  readonly sensitive_values?: readonly string[];
  readonly edits?: readonly PlanEdit[];
  readonly orphans?: readonly { readonly service: string; readonly container_id: string }[];
}

/** The order of the top-level keys in the file: what reviewers read first comes first. */
export const LEADING_KEYS = [
  'format_version',
  'starform_version',
  'checksum',
  'signature',
  'state',
  'edits',
  'package',
  'summary',
  'changes',
  'orphans',
  'instructions',
  'outputs',
  'sensitive_values',
  'files',
  'warnings',
] as const;

const CAMEL_FIELD = /^[a-z][a-zA-Z0-9]*$/;

function toFileRecord(record: object, where: string): JsonObject {
  return Object.fromEntries(
    Object.entries(record)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]): [string, JsonValue] => {
        if (!CAMEL_FIELD.test(field)) throw new Error(`${where}: record field ${JSON.stringify(field)} is not lowerCamelCase`);
        return [field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value as JsonValue];
      })
      .sort(byKey),
  );
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The same object with its own keys in canonical (sorted) order. The body is built so, all
 * the way down (records' values are canonical already), so that its checksum's canonical
 * text is the engine's own JSON.stringify of it rather than a walk that sorts every object.
 */
function sortedKeys<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).sort(byKey)) as T;
}

function fromFileRecord(record: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(record).map(([field, value]) => [field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), value]));
}

function summarize(changes: readonly { readonly action: ChangeAction }[]): SummaryV1 {
  const count = (a: ChangeAction): number => changes.filter((c) => c.action === a).length;
  const [create, replace, run, del, noOp] = CHANGE_ACTIONS.map(count) as [number, number, number, number, number];
  return { create, replace, run, delete: del, no_op: noOp };
}

export function encode(plan: SavedPlan<InstructionCore, ChangeCore>, starformVersion: string): JsonObject {
  const body: PlanBodyV1 = {
    format_version: FORMAT_VERSION,
    starform_version: starformVersion,
    state: sortedKeys({ lineage: plan.base.lineage, serial: plan.base.serial, ...(plan.base.runtime !== undefined ? { runtime: plan.base.runtime } : {}) }),
    ...(plan.edits !== undefined && plan.edits.length > 0 ? { edits: plan.edits } : {}),
    package: sortedKeys({
      locator: plan.package.locator,
      digest: plan.package.digest,
      args: plan.package.args,
      ...repositoriesOf(plan.package),
      ...usesOf(plan.package),
    }),
    summary: sortedKeys(summarize(plan.changes)),
    changes: plan.changes.map((c, i) => toFileRecord(withoutShownArgs(c, plan.instructions), `changes[${i}]`)),
    instructions: plan.instructions.map((ins, i) => toFileRecord(withoutCallPosition(ins), `instructions[${i}]`)),
    outputs: plan.outputs,
    files: Object.fromEntries([...plan.files].map(([digest, content]): [string, string] => [digest, Buffer.from(content).toString('base64')]).sort(byKey)),
    ...(plan.warnings !== undefined && plan.warnings.length > 0 ? { warnings: plan.warnings } : {}),
    ...(plan.sensitive !== undefined && plan.sensitive.length > 0 ? { sensitive_values: [...plan.sensitive] } : {}),
    ...(plan.orphans !== undefined && plan.orphans.length > 0
      ? { orphans: plan.orphans.map((o) => ({ service: o.service, container_id: o.containerId })) }
      : {}),
  };
  return sortedKeys(body) as unknown as JsonObject;
}

/**
 * A change as the file holds it: without `after` when that equals its instruction's
 * `args` (as the diff makes it: the same object), so each configuration is written once
 * (what the change shows is then by construction what apply runs). An `after` that is another value is kept, and reading
 * checks it against the instruction.
 */
function withoutShownArgs(change: ChangeCore, instructions: readonly InstructionCore[]): ChangeCore {
  const args = change.instruction === undefined ? undefined : instructions[change.instruction]?.args;
  if (change.after === undefined || args === undefined) return change;
  if (change.after !== args && canonicalJson(change.after) !== canonicalJson(args)) return change;
  const { after: _shown, ...rest } = change;
  return rest;
}

/** An instruction as the file holds it: without `position` when that is its stack's last frame (the call itself). */
function withoutCallPosition(ins: InstructionCore): Omit<InstructionCore, 'position'> {
  const call = ins.stack[ins.stack.length - 1];
  const p = ins.position;
  if (call === undefined || Object.keys(p).length !== 3 || call.file !== p.file || call.line !== p.line || call.col !== p.col) return ins;
  const { position: _call, ...rest } = ins;
  return rest;
}

/** An instruction read from a file, with `position` given back from its stack where the file leaves it out. */
function withCallPosition(ins: InstructionRecord): InstructionRecord {
  if (ins.position !== undefined) return ins;
  const call = ins.stack[ins.stack.length - 1];
  return call === undefined ? ins : { ...ins, position: { file: call.file, line: call.line, col: call.col } };
}

/** A change read from a file, with `after` given back from its instruction where the file leaves it out. */
function withShownArgs(change: ChangeRecord, instructions: readonly InstructionRecord[]): ChangeRecord {
  if (change.after !== undefined || change.instruction === undefined) return change;
  const ins = Number.isSafeInteger(change.instruction) ? instructions[change.instruction] : undefined;
  return ins === undefined ? change : { ...change, after: ins.args };
}

/** `uses` (other packages' entities the plan reads) when there are any. */
function usesOf(pkg: { readonly uses?: readonly { readonly address: string; readonly package: string }[] }): {
  uses?: { address: string; package: string }[];
} {
  const list = pkg.uses ?? [];
  return list.length === 0 ? {} : { uses: list.map((u) => ({ address: u.address, package: u.package })) };
}

/** `repositories` (fetched packages' commits) when there are any; plans without keep their old form. */
function repositoriesOf(pkg: { readonly repositories?: readonly PinnedRepository[] }): { repositories?: PinnedRepository[] } {
  const list = pkg.repositories ?? [];
  return list.length === 0 ? {} : { repositories: list.map((r) => ({ locator: r.locator, ref: r.ref, commit: r.commit })) };
}

/** The problems of a whole plan file; when there are none, also the plan it holds. */
export function check(file: JsonValue): { problems: string[]; plan: SavedPlan | null } {
  const problems = schemaValidator('plan.schema.json')(file);
  if (problems.length > 0) return { problems, plan: null };
  const raw = file as unknown as PlanBodyV1;
  const plan = decode(raw);
  problems.push(...planProblems(plan));
  const expected = summarize(plan.changes);
  for (const key of Object.keys(expected) as (keyof SummaryV1)[]) {
    if (raw.summary[key] !== expected[key]) {
      problems.push(`summary.${key}: is ${raw.summary[key]}, but the changes count ${expected[key]}`);
    }
  }
  return { problems, plan: problems.length === 0 ? plan : null };
}

/**
 * The problems of a file `encode` just made of `plan`, before it is written: the schema's
 * on the file, the model's on `plan` itself. Decoding the file again (as `check` does)
 * would copy every record to find the plan it was made from; that encode and decode are
 * inverses is what the plan-file round-trip tests hold.
 */
export function checkEncoded(file: JsonValue, plan: SavedPlan<InstructionCore, ChangeCore>): string[] {
  const problems = schemaValidator('plan.schema.json')(file);
  return problems.length > 0 ? problems : planProblems(plan);
}

function decode(raw: PlanBodyV1): SavedPlan {
  const instructions = raw.instructions.map((ins) => withCallPosition(fromFileRecord(ins) as InstructionRecord));
  return {
    base: { lineage: raw.state.lineage, serial: raw.state.serial, ...(raw.state.runtime !== undefined ? { runtime: raw.state.runtime } : {}) },
    package: { locator: raw.package.locator, digest: raw.package.digest, args: raw.package.args, ...repositoriesOf(raw.package), ...usesOf(raw.package) },
    instructions,
    changes: raw.changes.map((c) => withShownArgs(fromFileRecord(c) as ChangeRecord, instructions)),
    outputs: raw.outputs,
    ...(raw.warnings !== undefined ? { warnings: raw.warnings } : {}),
    files: new Map(
      Object.entries(raw.files).map(([digest, base64]) => {
        const bytes = Buffer.from(base64, 'base64');
        return [digest, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)];
      }),
    ),
    ...(raw.sensitive_values !== undefined ? { sensitive: raw.sensitive_values } : {}),
    ...(raw.edits !== undefined ? { edits: raw.edits } : {}),
    ...(raw.orphans !== undefined ? { orphans: raw.orphans.map((o) => ({ service: o.service, containerId: o.container_id })) } : {}),
  };
}
