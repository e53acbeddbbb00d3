// The views of `starform apply` (lib/cli/apply.ts): the plan it is about to apply (`apply
// DIR`: warnings, drift notes and problems on standard error, the changes on standard
// output unless --json), the progress while it runs — NDJSON events with --json, the ink
// live view on a terminal, plain lines otherwise (or with CI set) — with the closing
// summary, and the status table that follows it. See lib/render/view.ts for the contract.
import { inStepOrder, type ApplyEvent, type EventSink } from '../apply/events.js';
import type { EnclaveStatus } from '../apply/index.js';
import { closingText, stepLine } from './apply-view.js';
import { ndjsonSink } from './json-views.js';
import { orphansText } from './orphans-view.js';
import type { PlanShown } from './plan-command-view.js';
import { renderPlanText, renderProblems } from './plan-view.js';
import { neutraliseControl } from './redact.js';
import { renderStatusText, statusDocument } from './status-view.js';
import { paint, useColor } from './style.js';
import type { Output, Streams, View } from './view.js';

/** `apply DIR`'s plan, before it asks: as `plan` shows it, without the edits and the uses; the JSON form shows only the messages. */
export const applyPlanView: View<PlanShown> = {
  human(shown, streams) {
    if (!messages(shown, streams.err)) return;
    const { plan, summary, orphans } = shown as Extract<PlanShown, { plan: unknown }>;
    const color = useColor(streams.out);
    streams.out.write(
      renderPlanText({ instructions: plan.instructions, changes: plan.changes, summary, outputs: plan.outputs, sensitive: plan.sensitive ?? [] }, { color }),
    );
    streams.out.write(orphansText(orphans, { color }));
  },
  json(shown, streams) {
    messages(shown, streams.err);
  },
};

/** Warnings, then problems (false: there is no plan) or drift notes. */
function messages(shown: PlanShown, err: Output): boolean {
  for (const w of shown.warnings) err.write(`warning: ${neutraliseControl(w)}\n`);
  if ('problems' in shown) {
    err.write(renderProblems(shown.problems, { color: useColor(err) }));
    return false;
  }
  for (const n of shown.notes) err.write(`note: ${neutraliseControl(n)}\n`);
  return true;
}

/** The answer `yes` was given: the progress starts on a line of its own. */
export const approvedView: View<null> = {
  human(_, { out }) {
    out.write('\n');
  },
  json() {},
};

export interface ApplyProgressView {
  readonly sink: EventSink;
  /** Ends the view and prints the closing summary for `last` (apply_done / apply_failed). */
  close(last: ApplyEvent | undefined): Promise<void>;
}

/** The progress view: NDJSON (--json), ink on a terminal, plain lines otherwise (or with CI set). */
export async function startApplyProgress(json: boolean, { out }: Streams): Promise<ApplyProgressView> {
  if (json) {
    return { sink: ndjsonSink((line) => out.write(line)), close: async () => undefined };
  }
  const color = useColor(out);
  const p = paint(color);
  const closing = (last: ApplyEvent | undefined): void => {
    if (last) out.write(closingText(last, p));
  };
  if (out.isTTY === true && !process.env['CI']) {
    const { startLiveProgress } = await (await import('./progress/load.js')).loadProgressView();
    // A terminal: the process's own stream (lib/cli/streams.ts), which ink draws on.
    const live = startLiveProgress(out as NodeJS.WriteStream, color);
    return {
      sink: live.sink,
      async close(last) {
        await live.close();
        closing(last);
      },
    };
  }
  const sink = inStepOrder((e) => {
    const line = stepLine(e, p);
    if (line !== null) out.write(line + '\n');
  });
  return { sink, close: async (last) => closing(last) };
}

/** The status table that ends an apply (lib/cli/apply-status.ts): after the summary line, or one `status` line of NDJSON. */
export const applyStatusView: View<EnclaveStatus> = {
  human(status, { out }) {
    out.write(`\n${renderStatusText(status, { color: useColor(out), title: false })}`);
  },
  json(status, { out }) {
    const { format_version, ...rest } = statusDocument(status);
    out.write(`${JSON.stringify({ format_version, type: 'status', timestamp: new Date().toISOString(), ...rest })}\n`);
  },
};

/** `apply PLAN` of a signed plan with no key to check the signature against (a note on standard error). */
export const unverifiedPlanView: View<{ readonly keyId: string }> = {
  human({ keyId }, { err }) {
    err.write(`note: the plan is signed (key ${keyId}), but no plan signing key is configured to verify it\n`);
  },
  json(shown, streams) {
    unverifiedPlanView.human(shown, streams);
  },
};
