// The view of `starform show PLAN` (lib/cli/show.ts): a saved plan for review — in words
// (the edits, the changes, containers no state names, the package versions, what the plan
// reads of other packages, and whether its signature checked; the plan's warnings on
// standard error), as Markdown for a pull-request comment (the human form with `markdown`
// set), or as the JSON document of schemas/output-plan.schema.json. See lib/render/view.ts.
import type { Change, Instruction } from '../instructions/index.js';
import { summarize } from '../instructions/index.js';
import type { LoadedPlan } from '../planfile/index.js';
import { formatJson } from '../util/json.js';
import { editsText } from './edits-view.js';
import { planDocument } from './json-views.js';
import { orphansText } from './orphans-view.js';
import { packageVersionsMarkdown, packageVersionsText } from './package-versions.js';
import { markdownPlanOf, renderPlanMarkdown } from './plan-markdown.js';
import { renderPlanText } from './plan-view.js';
import { useColor } from './style.js';
import { usesMarkdown, usesText } from './uses-view.js';
import type { View } from './view.js';

export interface ShownPlan {
  readonly loaded: LoadedPlan;
  /** The plan file as the user named it (the Markdown names it). */
  readonly file: string;
  /** What the signature check came to, in words (lib/planfile/signing.ts). */
  readonly signatureLine: string;
  /** The signature for the JSON form: null when the plan is unsigned. */
  readonly signature: { readonly algorithm: string; readonly key_id: string; readonly verified: boolean | null } | null;
  /** Set for --markdown: the size budget and whether to draw the graph. */
  readonly markdown?: { readonly maxBytes?: number; readonly graph: boolean };
}

function viewOf(loaded: LoadedPlan) {
  const instructions = loaded.plan.instructions as unknown as Instruction[];
  const changes = loaded.plan.changes as unknown as Change[];
  return { instructions, changes, summary: summarize(changes), outputs: loaded.plan.outputs, sensitive: loaded.plan.sensitive ?? [] };
}

export const showView: View<ShownPlan> = {
  human({ loaded, file, signatureLine, markdown }, { out, err }) {
    const repositories = loaded.plan.package.repositories ?? [];
    if (markdown !== undefined) {
      const options = { ...(markdown.maxBytes !== undefined ? { maxBytes: markdown.maxBytes } : {}), graph: markdown.graph };
      out.write(
        `${renderPlanMarkdown(markdownPlanOf(loaded, file), options)}${packageVersionsMarkdown(repositories)}${usesMarkdown(loaded.plan.package.uses)}\n${signatureLine}\n`,
      );
      return;
    }
    for (const w of loaded.plan.warnings ?? []) err.write(`warning: ${w}\n`);
    const view = viewOf(loaded);
    const color = useColor(out);
    out.write(editsText(loaded.plan.edits ?? [], view.changes, { color }));
    const orphans = orphansText(loaded.plan.orphans ?? [], { color });
    out.write(`${renderPlanText(view, { color })}${orphans}${packageVersionsText(repositories)}${usesText(loaded.plan.package.uses)}\n${signatureLine}\n`);
  },
  json({ loaded, signature }, { out }) {
    const { plan } = loaded;
    const doc = {
      ...viewOf(loaded),
      base: plan.base,
      package: plan.package,
      warnings: plan.warnings ?? [],
      checksum: loaded.checksum,
      starformVersion: loaded.starformVersion,
      signature,
      edits: plan.edits ?? [],
      orphans: plan.orphans ?? [],
    };
    out.write(formatJson(planDocument(doc)));
  },
};
