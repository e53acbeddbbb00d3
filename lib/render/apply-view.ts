// Views of an apply, built from its events (lib/apply/events.ts): plain lines for logs and
// CI (NDJSON for machines is in json-views.ts), and the closing summary and outputs every view ends
// with. The live terminal view (ink) lives in lib/render/progress and reuses the line
// formats from here, so a step reads the same in all three.
//
// Plain and JSON views receive events in step order (lib/apply's `inStepOrder`), so the
// same plan applied twice prints the same lines in the same order; only durations and
// engine-assigned values (container ids, addresses, host ports) differ.
import type { ApplyEvent, ApplySummary, StepAction, StepInfo } from '../apply/events.js';
import { formatJson, isJsonObject, type JsonValue } from '../util/json.js';
import { paint, type Painter } from './style.js';

export const ACTION_SYMBOL: Record<StepAction, string> = { create: '+', replace: '-/+', run: '>', delete: '-' };

const DONE_VERB: Record<StepAction, string> = { create: 'created', replace: 'replaced', run: 'ran', delete: 'deleted' };

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function positionText(step: StepInfo): string {
  return step.position ? `${step.position.file}:${step.position.line}:${step.position.col}` : '';
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function colorFor(p: Painter, action: StepAction): (s: string) => string {
  return action === 'create' ? p.green : action === 'delete' ? p.red : action === 'replace' ? p.yellow : p.cyan;
}

/** The line of a finished, failed or skipped step; null for events that have no line. */
export function stepLine(event: ApplyEvent, p: Painter = paint(false)): string | null {
  switch (event.type) {
    case 'step_done': {
      const s = event.step;
      const msg = event.message === '' ? '' : `  ${event.message.replace(/\n/g, '\n    ')}`;
      return `${colorFor(p, s.action)(ACTION_SYMBOL[s.action].padEnd(3))} ${p.bold(s.stepId)}  ${DONE_VERB[s.action]} in ${formatDuration(event.durationMs)}${msg}`;
    }
    case 'step_failed': {
      const s = event.step;
      const where = positionText(s);
      return `${p.red('✗  ')} ${p.bold(s.stepId)}  ${p.red('failed')} after ${formatDuration(event.durationMs)}${where ? ` (${where})` : ''}  ${firstLine(event.error)}`;
    }
    case 'step_skipped':
      return p.dim(`·   ${event.step.stepId}  ${event.why}`);
    case 'drift':
      return p.dim(`note: ${event.message}`);
    case 'image':
      return event.action === 'present' ? null : p.dim(`image ${event.ref} ${event.action} in ${formatDuration(event.durationMs)}`);
    default:
      return null;
  }
}

export function summaryText(summary: ApplySummary): string {
  return `${summary.created} created, ${summary.replaced} replaced, ${summary.run} run, ${summary.deleted} deleted`;
}

/** The outputs of run(): `name = value` lines for an object, the JSON value otherwise. */
export function outputsText(outputs: JsonValue): string {
  if (outputs === null) return '';
  if (isJsonObject(outputs)) {
    const keys = Object.keys(outputs).sort();
    if (keys.length === 0) return '';
    return keys.map((k) => `${k} = ${formatJson(outputs[k]!).trimEnd().replace(/\n/g, '\n  ')}`).join('\n') + '\n';
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
