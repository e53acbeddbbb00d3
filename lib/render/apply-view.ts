// Views of an apply, built from its events (lib/apply/events.ts): plain lines for logs and
// CI (NDJSON for machines is in json-views.ts), and the closing summary and outputs every view ends
// with. The live terminal view (ink) lives in lib/render/progress and reuses the line
// formats from here, so a step reads the same in all three.
//
// Plain and JSON views receive events in step order (lib/apply's `inStepOrder`), so the
// same plan applied twice prints the same lines in the same order; only durations and
// engine-assigned values (container ids, addresses, host ports) differ.
//
// Messages, errors and outputs come from the package and its containers: every view masks
// the sensitive values in them (the output redactor of lib/render/redact.ts, and
// secret-looking flags), and the text lines show their control characters escaped.
import type { ApplyEvent, ApplySummary, StepAction, StepInfo } from '../apply/events.js';
import { formatJson, isJsonObject, type JsonValue } from '../util/json.js';
import { neutraliseControl, neutraliseInline, outputRedactor, type Redactor } from './redact.js';
import { formatElapsed } from '../util/format-progress.js';
import { paint, type Painter } from './style.js';

export const ACTION_SYMBOL: Record<StepAction, string> = { create: '+', replace: '-/+', run: '>', delete: '-' };

const DONE_VERB: Record<StepAction, string> = { create: 'created', replace: 'replaced', run: 'ran', delete: 'deleted' };

/** For "still creating… 20s". */
export const ONGOING_VERB: Record<StepAction, string> = { create: 'creating', replace: 'replacing', run: 'running', delete: 'deleting' };

/** How many lines of a failure's detail (a failed exec's output, a container's last log lines) go under its line. */
const FAILURE_DETAIL_LINES = 30;

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

function positionText(step: StepInfo): string {
  return step.position ? `${neutraliseInline(step.position.file)}:${step.position.line}:${step.position.col}` : '';
}

/** Text from a package or a container for a line: secrets masked (by value, and secret-looking flags in it), control characters made visible. */
function safe(text: string, redactor: Redactor, multiline = false): string {
  const masked = redactor.redactJson(text) as string;
  return multiline ? neutraliseControl(masked) : neutraliseInline(masked);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** The lines of an error after its first (a failed exec's output...), indented under the step's line. */
function failureDetail(error: string, redactor: Redactor): string {
  const rest = error.replace(/\s+$/, '').split('\n').slice(1);
  if (rest.length === 0) return '';
  const shown = rest.length > FAILURE_DETAIL_LINES ? [...rest.slice(0, FAILURE_DETAIL_LINES), `… ${rest.length - FAILURE_DETAIL_LINES} more lines`] : rest;
  return shown.map((l) => `\n    ${safe(l, redactor)}`).join('');
}

/**
 * What an interrupt says at once: the first lets the running steps (or, before the first
 * step, the image pulls and builds in progress) finish, the second aborts them.
 */
function interruptText(count: number, running: number, images: { readonly pulls?: number; readonly builds?: number } = {}): string {
  const pulls = images.pulls ?? 0;
  const builds = images.builds ?? 0;
  if (running === 0 && pulls + builds > 0) {
    const what = [pulls > 0 ? `${pulls} image pull${pulls === 1 ? '' : 's'}` : '', builds > 0 ? `${builds} image build${builds === 1 ? '' : 's'}` : '']
      .filter(Boolean)
      .join(' and ');
    if (count === 1) return `Interrupt received: finishing ${what}; no step starts (interrupt again to abort ${pulls + builds === 1 ? 'it' : 'them'}).`;
    return `Interrupt received again: aborting ${what}; nothing was changed (interrupt once more to stop at once).`;
  }
  if (running === 0) return count === 1 ? 'Interrupt received: no step is running, and no new step starts.' : 'Interrupt received again: no step is running.';
  const steps = `${running} running step${running === 1 ? '' : 's'}`;
  if (count === 1) return `Interrupt received: finishing ${steps}; no new step starts (interrupt again to abort ${running === 1 ? 'it' : 'them'}).`;
  return `Interrupt received again: aborting ${steps}; the state records what exists (interrupt once more to stop at once).`;
}

function colorFor(p: Painter, action: StepAction): (s: string) => string {
  return action === 'create' ? p.green : action === 'delete' ? p.red : action === 'replace' ? p.yellow : p.cyan;
}

/** The line of a finished, failed or skipped step; null for events that have no line. */
export function stepLine(event: ApplyEvent, p: Painter = paint(false), redactor: Redactor = outputRedactor()): string | null {
  switch (event.type) {
    case 'step_done': {
      const s = event.step;
      const msg = event.message === '' ? '' : `  ${safe(event.message, redactor, true).replace(/\n/g, '\n    ')}`;
      return `${colorFor(p, s.action)(ACTION_SYMBOL[s.action].padEnd(3))} ${p.bold(neutraliseInline(s.stepId))}  ${DONE_VERB[s.action]} in ${formatDuration(event.durationMs)}${msg}`;
    }
    case 'step_failed': {
      const s = event.step;
      const where = positionText(s);
      const head = `${p.red('✗  ')} ${p.bold(neutraliseInline(s.stepId))}  ${p.red('failed')} after ${formatDuration(event.durationMs)}${where ? ` (${where})` : ''}  ${safe(firstLine(event.error), redactor)}`;
      return head + failureDetail(event.error, redactor);
    }
    case 'step_slow':
      return p.dim(`    ${neutraliseInline(event.step.stepId)}: still ${ONGOING_VERB[event.step.action]}… ${formatElapsed(event.elapsedMs)}`);
    case 'image_progress':
      return p.dim(`image ${neutraliseInline(event.ref)}  ${safe(event.message, redactor)}`);
    case 'interrupt':
      return p.yellow(interruptText(event.count, event.running, event));
    case 'step_skipped':
      return p.dim(`·   ${neutraliseInline(event.step.stepId)}  ${safe(event.why, redactor)}`);
    case 'drift':
      return p.dim(`note: ${safe(event.message, redactor)}`);
    case 'image':
      return event.action === 'present' ? null : p.dim(`image ${neutraliseInline(event.ref)} ${event.action} in ${formatDuration(event.durationMs)}`);
    default:
      return null;
  }
}

function summaryText(summary: ApplySummary): string {
  return `${summary.created} created, ${summary.replaced} replaced, ${summary.run} run, ${summary.deleted} deleted`;
}

/** The outputs of run(): `name = value` lines for an object, the JSON value otherwise. */
export function outputsText(raw: JsonValue, redactor: Redactor = outputRedactor()): string {
  if (raw === null) return '';
  const outputs = redactor.redactJson(raw);
  if (isJsonObject(outputs)) {
    const keys = Object.keys(outputs).sort();
    if (keys.length === 0) return '';
    return keys.map((k) => `${neutraliseInline(k)} = ${formatJson(outputs[k]!).trimEnd().replace(/\n/g, '\n  ')}`).join('\n') + '\n';
  }
  return formatJson(outputs);
}

/** What ends an apply's output: the summary line, then the outputs. */
export function closingText(event: ApplyEvent, p: Painter = paint(false)): string {
  if (event.type === 'apply_done') {
    const outputs = outputsText(event.outputs);
    return `\n${p.bold(p.green(`Apply complete: ${summaryText(event.summary)}.`))}\n${outputs ? `\nOutputs:\n\n${outputs}` : ''}`;
  }
  if (event.type === 'apply_failed') {
    return `\n${p.bold(p.red(`Apply failed: ${summaryText(event.summary)} before it stopped.`))}\n`;
  }
  return '';
}
