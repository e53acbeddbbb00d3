// The views of `starform plan` (lib/cli/plan.ts, lib/cli/plan-edits.ts): what planning a
// package, or a plan that reads no package (--destroy, --refresh-only), shows — in words on
// a terminal (the edits, the changes, containers no state names, what the plan reads of
// other packages; warnings, drift notes and problems on standard error) or as one JSON
// document (--json, schemas/output-plan.schema.json) — and the line that says where
// `--out` saved the plan. See lib/render/view.ts for the View contract.
import type { Change, Instruction, PlanSummary, Problem } from '../instructions/index.js';
import { serializePlan, type SavedPlan } from '../planfile/index.js';
import { STARFORM_VERSION } from '../util/package-info.js';
import { formatJson } from '../util/json.js';
import { editsText } from './edits-view.js';
import { planDocument } from './json-views.js';
import { orphansText, type Orphan } from './orphans-view.js';
import { renderPlanText, renderProblems } from './plan-view.js';
import { neutraliseControl } from './redact.js';
import { paint, useColor, type Painter } from './style.js';
import { usesText } from './uses-view.js';
import type { Output, View } from './view.js';

type Plan = SavedPlan<Instruction, Change>;

/** What planning a package came to: its problems, or the plan (with what the refresh noticed). */
export type PlanShown =
  | { readonly warnings: readonly string[]; readonly problems: readonly Problem[] }
  | {
      readonly warnings: readonly string[];
      readonly notes: readonly string[];
      readonly plan: Plan;
      readonly summary: PlanSummary;
      readonly orphans: readonly Orphan[];
    };

function warn(warnings: readonly string[], err: Output): void {
  for (const w of warnings) err.write(`warning: ${neutraliseControl(w)}\n`);
}

function notes(lines: readonly string[], err: Output): void {
  for (const n of lines) err.write(`note: ${neutraliseControl(n)}\n`);
}

/** Warnings first; problems (no plan) end the view. Returns the plan part, if there is one. */
function preamble(shown: PlanShown, err: Output): Exclude<PlanShown, { problems: unknown }> | undefined {
  warn(shown.warnings, err);
  if ('problems' in shown) {
    err.write(renderProblems(shown.problems, { color: useColor(err) }));
    return undefined;
  }
  notes(shown.notes, err);
  return shown;
}

function textOf(plan: Plan, summary: PlanSummary): Parameters<typeof renderPlanText>[0] & { readonly outputs: Plan['outputs'] } {
  return { instructions: plan.instructions, changes: plan.changes, summary, outputs: plan.outputs, sensitive: plan.sensitive ?? [] };
}

export const planView: View<PlanShown> = {
  human(shown, { out, err }) {
    const planned = preamble(shown, err);
    if (planned === undefined) return;
    const color = useColor(out);
    const { plan } = planned;
    out.write(editsText(plan.edits ?? [], plan.changes, { color }));
    out.write(renderPlanText(textOf(plan, planned.summary), { color }));
    out.write(orphansText(planned.orphans, { color }));
    out.write(usesText(plan.package.uses));
  },
  json(shown, { out, err }) {
    const planned = preamble(shown, err);
    if (planned === undefined) return;
    const { plan } = planned;
    const doc = {
      ...textOf(plan, planned.summary),
      base: plan.base,
      package: plan.package,
      warnings: shown.warnings,
      checksum: serializePlan(plan).checksum,
      starformVersion: STARFORM_VERSION,
      edits: plan.edits ?? [],
      orphans: planned.orphans,
    };
    out.write(formatJson(planDocument(doc)));
  },
};

/** A plan that reads no package: `plan --destroy`, or `plan --refresh-only` with the drift it records. */
export interface PackagelessShown {
  readonly plan: Plan;
  readonly summary: PlanSummary;
  readonly drift: readonly string[];
  /** Set for --refresh-only: how many containers no state names were found (they stay). */
  readonly refreshOnly?: { readonly orphans: number };
}

export const packagelessPlanView: View<PackagelessShown> = {
  human(shown, { out, err }) {
    const color = useColor(out);
    const { plan, summary } = shown;
    out.write(editsText(plan.edits ?? [], plan.changes, { color }));
    if (shown.refreshOnly !== undefined) out.write(refreshOnlyText(shown.drift, shown.refreshOnly.orphans, paint(color)));
    else {
      out.write(renderPlanText({ instructions: [], changes: plan.changes, summary, outputs: null, sensitive: plan.sensitive ?? [] }, { color }));
      notes(shown.drift, err);
    }
  },
  json({ plan, summary }, { out }) {
    const doc = {
      instructions: [],
      changes: plan.changes,
      summary,
      outputs: null,
      base: plan.base,
      package: plan.package,
      warnings: [],
      checksum: serializePlan(plan).checksum,
      starformVersion: STARFORM_VERSION,
      sensitive: plan.sensitive ?? [],
      edits: plan.edits ?? [],
    };
    out.write(formatJson(planDocument(doc)));
  },
};

function refreshOnlyText(drift: readonly string[], orphans: number, p: Painter): string {
  if (drift.length === 0) return `${p.bold('No drift: the state matches the engine.')} Applying this plan changes nothing.\n`;
  const lines = [
    p.bold(
      `Applying this plan updates the state to what the engine has (${drift.length} difference${drift.length === 1 ? '' : 's'}, listed above); no container is changed.`,
    ),
  ];
  if (orphans > 0)
    lines.push(
      p.yellow(
        `(${orphans} container${orphans === 1 ? '' : 's'} the state does not name stay${orphans === 1 ? 's' : ''}: a refresh-only apply removes nothing; the next full apply does.)`,
      ),
    );
  return lines.join('\n') + '\n';
}

/** Where `plan --out` saved the plan (the JSON form says nothing: the document is the output). */
export const savedPlanView: View<{ readonly file: string; readonly keyId?: string }> = {
  human({ file, keyId }, { out }) {
    const signed = keyId !== undefined ? ` (signed with key ${keyId})` : '';
    out.write(`\nSaved the plan to ${file}${signed}. Apply exactly this plan with: starform apply ${file}\n`);
  },
  json() {},
};
