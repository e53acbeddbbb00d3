// The machine-readable outputs: what `--json` prints for show, plan, validate, state list,
// state show, output and destroy, and the NDJSON events of apply. Scripts rely on them,
// so they share three rules, described in docs/formats.md and checked against the JSON
// Schemas schemas/output-*.schema.json and schemas/apply-event.schema.json:
//
//   - every document (and every NDJSON line) carries `format_version` (OUTPUT_FORMAT_VERSION,
//     raised only when a field changes meaning or goes away; new fields may appear);
//   - field names are snake_case, the plan file's own names (`step_id`, `no_op`,
//     `container_id`); values the package wrote (args, configurations, outputs) are kept
//     as they are;
//   - apply events carry the time they happened (`timestamp`, RFC 3339 UTC) and, for a
//     step done, its result as fields (`container_id`, `ip_address`, `ports`...), not only
//     the sentence the text views print.
//
// Every document passes `document`, the one place where masking of sensitive values
// (lib/render/redact.ts) belongs for JSON.
import { inStepOrder, type ApplyEvent, type EventSink, type StepInfo } from '../apply/events.js';
import type { DestroyResult } from '../apply/index.js';
import type { Change, Instruction, PlanSummary, Problem, SourcePosition, StackFrame } from '../instructions/index.js';
import type { PlanEdit } from '../planfile/index.js';
import type { State } from '../state/index.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';
import { maskPlanView, planRedactor } from './redact.js';
import { entryJson, stateListJson, type ArtifactFile, type StateEntry } from './state-view.js';

/** The version of every JSON output's layout. */
export const OUTPUT_FORMAT_VERSION = 1;

/** A finished JSON document: the format version first. */
function document(body: JsonObject): JsonObject {
  return { format_version: OUTPUT_FORMAT_VERSION, ...body };
}

function position(p: SourcePosition): JsonObject {
  return { file: p.file, line: p.line, col: p.col };
}

function frame(f: StackFrame): JsonObject {
  return { function: f.function, file: f.file, line: f.line, col: f.col };
}

function summaryJson(s: PlanSummary): JsonObject {
  return { create: s.create, replace: s.replace, run: s.run, delete: s.delete, no_op: s.noop };
}

/** What `plan --json` and `show --json` print: a plan and what it was computed against. */
export interface PlanJsonInput {
  readonly instructions: readonly Instruction[];
  readonly changes: readonly Change[];
  readonly summary: PlanSummary;
  readonly outputs: JsonValue;
  readonly base: { readonly lineage: string | null; readonly serial: number };
  readonly package: { readonly locator: string; readonly digest: string; readonly args: JsonValue };
  readonly warnings: readonly string[];
  /** The plan file's checksum (the one `--out` writes, for `plan`). */
  readonly checksum: string;
  /** The starform that wrote the plan (for `plan`: this one). */
  readonly starformVersion: string;
  /** `show` only: the signature and whether it verified (null: unsigned). */
  /** The values the plan marks sensitive: masked wherever they occur. */
  readonly sensitive?: readonly string[];
  readonly signature?: { readonly algorithm: string; readonly key_id: string; readonly verified: boolean | null } | null;
  /** The user's edits of the plan (lib/plan/selection.ts, override.ts), as the plan file records them. */
  readonly edits?: readonly PlanEdit[];
  /** Containers no state names, which apply removes (lib/render/orphans-view.ts). */
  readonly orphans?: readonly { readonly service: string; readonly containerId: string }[];
}

export function planDocument(view: PlanJsonInput): JsonObject {
  const redactor = planRedactor(view);
  const plan = maskPlanView(view, redactor);
  return document({
    starform_version: plan.starformVersion,
    checksum: plan.checksum,
    state: { lineage: plan.base.lineage, serial: plan.base.serial },
    edits: (view.edits ?? []).map((e) => redactor.redactJson({ ...e })),
    orphans: (view.orphans ?? []).map((o) => ({ service: o.service, container_id: o.containerId })),
    package: { locator: plan.package.locator, digest: plan.package.digest, args: plan.package.args },
    summary: summaryJson(plan.summary),
    changes: plan.changes.map((c) => {
      const ins = c.instruction !== undefined ? plan.instructions[c.instruction] : undefined;
      return {
        step_id: c.stepId,
        action: c.action,
        kind: c.kind,
        reason: c.reason,
        ...(c.cause !== undefined ? { cause: c.cause } : {}),
        ...(leftOutOf(c) !== undefined ? { left_out: leftOutOf(c)! } : {}),
        ...(ins ? { description: ins.description, position: position(ins.position) } : {}),
        ...(c.before !== undefined ? { before: c.before } : {}),
        ...(c.after !== undefined ? { after: c.after } : {}),
      };
    }),
    outputs: plan.outputs,
    warnings: [...plan.warnings],
    ...(plan.signature !== undefined ? { signature: plan.signature } : {}),
  });
}

/** What a change left out by --target/--exclude would have done (lib/plan/selection.ts). */
function leftOutOf(c: Change): JsonObject | undefined {
  const l = (c as Change & { leftOut?: { action: string; reason: string; by: string } }).leftOut;
  return l === undefined ? undefined : { action: l.action, reason: l.reason, by: l.by };
}

function problemJson(p: Problem): JsonObject {
  return { message: p.message, position: position(p.position), stack: p.stack.map(frame), ...(p.stepId !== undefined ? { step_id: p.stepId } : {}) };
}

/** `validate --json`. */
export function validateDocument(r: {
  readonly instructions: number;
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}): JsonObject {
  return document({ valid: r.problems.length === 0, instructions: r.instructions, problems: r.problems.map(problemJson), warnings: [...r.warnings] });
}

/** `state list --json`. */
export function stateListDocument(state: State): JsonObject {
  const list = stateListJson(state);
  return document(isJsonObject(list) ? list : { list });
}

/** `state show ADDRESS --json`. */
export function stateEntryDocument(state: State, entry: StateEntry, files?: readonly ArtifactFile[]): JsonObject {
  const e = entryJson(state, entry, files);
  return document({ lineage: state.lineage, serial: state.serial, ...(isJsonObject(e) ? e : { entry: e }) });
}

/** `output --json`: every output, or with a name, that one. */
export function outputDocument(state: State, name?: string): JsonObject {
  const base = { lineage: state.lineage, serial: state.serial };
  if (name === undefined) return document({ ...base, outputs: state.outputs });
  const outputs = state.outputs;
  return document({ ...base, name, value: isJsonObject(outputs) ? (outputs[name] ?? null) : null });
}

/** `destroy --json`. */
export function destroyDocument(result: Pick<DestroyResult, 'removed' | 'state'>): JsonObject {
  const removed = result.removed;
  return document({
    lineage: result.state.lineage,
    serial: result.state.serial,
    removed:
      removed === null
        ? null
        : {
            containers: removed.containers.map((c) => ({ container_id: c.id, name: c.containerName, ...(c.service ? { service: c.service } : {}) })),
            volumes: removed.volumes.map((v) => v.name),
            network: removed.network?.networkName ?? null,
          },
  });
}

function stepJson(s: StepInfo): JsonObject {
  return {
    index: s.index,
    step_id: s.stepId,
    kind: s.kind,
    action: s.action,
    description: s.description,
    reason: s.reason,
    ...(s.position ? { position: position(s.position) } : {}),
  };
}

/** One apply event as an NDJSON document; `at` is when it happened. */
export function eventDocument(event: ApplyEvent, at: Date): JsonObject {
  const head = { type: event.type, timestamp: at.toISOString() };
  switch (event.type) {
    case 'apply_start':
      return document({ ...head, steps: event.steps.map(stepJson), unchanged: event.unchanged, parallelism: event.parallelism });
    case 'drift':
      return document({ ...head, message: event.message });
    case 'image':
      return document({ ...head, ref: event.ref, action: event.action, duration_ms: event.durationMs });
    case 'image_progress':
      return document({
        ...head,
        ref: event.ref,
        operation: event.operation,
        message: event.message,
        layers: event.layers.map((l) => ({
          id: l.id,
          status: l.status,
          ...(l.current !== undefined ? { current: l.current } : {}),
          ...(l.total !== undefined ? { total: l.total } : {}),
        })),
        ...(event.buildStep !== undefined ? { build_step: event.buildStep } : {}),
        elapsed_ms: event.elapsedMs,
      });
    case 'step_slow':
      return document({ ...head, ...stepJson(event.step), elapsed_ms: event.elapsedMs });
    case 'interrupt':
      return document({
        ...head,
        count: event.count,
        running: event.running,
        ...(event.pulls !== undefined ? { pulls: event.pulls } : {}),
        ...(event.builds !== undefined ? { builds: event.builds } : {}),
      });
    case 'step_start':
      return document({ ...head, ...stepJson(event.step) });
    case 'step_done':
      return document({ ...head, ...stepJson(event.step), duration_ms: event.durationMs, message: event.message, result: event.result ?? null });
    case 'step_failed':
      return document({ ...head, ...stepJson(event.step), duration_ms: event.durationMs, error: event.error });
    case 'step_skipped':
      return document({ ...head, ...stepJson(event.step), why: event.why });
    case 'apply_done':
      return document({ ...head, summary: { ...event.summary }, outputs: event.outputs, serial: event.serial, duration_ms: event.durationMs });
    case 'apply_failed':
      return document({ ...head, summary: { ...event.summary }, error: event.error, serial: event.serial, duration_ms: event.durationMs });
  }
}

/**
 * The NDJSON view of an apply: one line per event, in step order (inStepOrder), each
 * stamped with the time the executor emitted it (not the time a held-back line is written).
 */
export function ndjsonSink(write: (line: string) => void, now: () => Date = () => new Date()): EventSink {
  const stamps = new WeakMap<ApplyEvent, Date>();
  const ordered = inStepOrder((e) => write(JSON.stringify(eventDocument(e, stamps.get(e) ?? now())) + '\n'));
  return (event) => {
    stamps.set(event, now());
    ordered(event);
  };
}
