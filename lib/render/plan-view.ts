// Views of a plan, Terraform-style: human text for the terminal (the Markdown view for a
// pull request is in plan-markdown.ts, the JSON one in json-views.ts). They render the same
// records (instructions + changes + summary) and hide no-ops (they are counted). A replacement shows a unified
// diff of the old and new configuration (the `diff` package) so a reviewer sees exactly
// what changes; a creation shows the configuration it will create. Every view renders the
// plan with its sensitive values masked (maskPlanView, lib/render/redact.ts); the text
// view also shows package values' control characters escaped.
import { diffLines } from 'diff';
import type { Change, Instruction, PlanSummary, Problem } from '../instructions/index.js';
import type { JsonValue } from '../util/json.js';
import { Document, isScalar, visit } from 'yaml';
import { writeConfigYaml } from './config-yaml.js';
import { maskPlanView, neutraliseControl, neutraliseInline } from './redact.js';
import { paint, type Painter } from './style.js';

export interface PlanView {
  readonly instructions: readonly Instruction[];
  readonly changes: readonly Change[];
  readonly summary: PlanSummary;
  readonly outputs?: JsonValue;
  /** The plan's sensitive values (lib/plan/sensitive.ts): every view masks them. */
  readonly sensitive?: readonly string[];
}

export const SYMBOL: Record<Change['action'], string> = {
  create: '+',
  replace: '-/+',
  run: '>',
  delete: '-',
  'no-op': ' ',
};

export const VERB: Record<Change['action'], string> = {
  create: 'will be created',
  replace: 'will be replaced',
  run: 'will run',
  delete: 'will be deleted',
  'no-op': 'is unchanged',
};

function summaryLine(s: PlanSummary): string {
  const unchanged = s.noop > 0 ? ` (${s.noop} unchanged)` : '';
  if (s.create + s.replace + s.run + s.delete === 0) return `No changes. The environment matches the package.${unchanged}`;
  return `Plan: ${s.create} to create, ${s.replace} to replace, ${s.run} to run, ${s.delete} to delete.${unchanged}`;
}

export function where(ins: Instruction | undefined): string {
  return ins ? `${neutraliseInline(ins.position.file)}:${ins.position.line}:${ins.position.col}` : '';
}

/** Fields whose value is the default, left out of the human views (the JSON keeps them). */
const DISPLAY_DEFAULTS: Readonly<Record<string, JsonValue>> = {
  private_ip_address_placeholder: 'KURTOSIS_IP_ADDR_PLACEHOLDER',
  tini_enabled: true,
  tty_enabled: false,
  transport_protocol: 'TCP',
  skip_code_check: false,
};

/** A configuration without empty and default fields, keys sorted: what a reviewer needs to read. */
function compactForDisplay(v: JsonValue): JsonValue | undefined {
  if (v === null || v === '' || v === 0 || v === false) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.map((e) => (typeof e === 'object' && e !== null ? (compactForDisplay(e) ?? {}) : e));
  }
  if (typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const k of Object.keys(v).sort()) {
      const e = (v as Record<string, JsonValue>)[k];
      if (k in DISPLAY_DEFAULTS && DISPLAY_DEFAULTS[k] === e) continue;
      const c = compactForDisplay(e);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

export function configText(v: JsonValue | undefined): string {
  if (v === undefined) return '';
  const compact = compactForDisplay(v);
  if (compact === undefined) return '{}\n';
  return writeConfigYaml(compact) ?? libraryYaml(compact);
}

/** The `yaml` library's text of a compacted configuration: what writeConfigYaml matches, and the fallback where it declines. */
export function libraryYaml(compact: JsonValue): string {
  const doc = new Document(compact);
  visit(doc, {
    Seq(_, node) {
      const short = node.items.every((i) => isScalar(i) && String(i.value).length < 40);
      if (short && node.items.length <= 12) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false }).replace(/\n*$/, '\n');
}

/** The Terraform-like text view. */
export function renderPlanText(view: PlanView, options: { color?: boolean } = {}): string {
  const plan = maskPlanView(view);
  const p = paint(options.color === true);
  const visible = plan.changes.filter((c) => c.action !== 'no-op');
  const out: string[] = [];
  if (visible.length > 0) {
    out.push('starform will perform the following actions:\n');
    for (const c of visible) {
      const ins = c.instruction !== undefined ? plan.instructions[c.instruction] : undefined;
      out.push(renderChangeText(c, ins, p));
    }
  }
  out.push(p.bold(summaryLine(plan.summary)));
  return out.join('\n') + '\n';
}

function actionColor(p: Painter, action: Change['action'], s: string): string {
  switch (action) {
    case 'create':
      return p.green(s);
    case 'delete':
      return p.red(s);
    case 'replace':
      return p.yellow(s);
    case 'run':
      return p.cyan(s);
    default:
      return s;
  }
}

function renderChangeText(c: Change, ins: Instruction | undefined, p: Painter): string {
  const lines: string[] = [];
  const loc = where(ins);
  lines.push(p.bold(`  # ${neutraliseInline(c.stepId)} ${VERB[c.action]}`) + p.dim(` (${neutraliseInline(c.reason)})${loc ? `  ${loc}` : ''}`));
  const label = neutraliseInline(ins ? ins.description : `${c.kind} ${c.stepId}`);
  lines.push(`  ${actionColor(p, c.action, SYMBOL[c.action].padEnd(3))} ${label}`);
  if (c.action === 'replace' && c.before !== undefined && c.after !== undefined) {
    for (const part of diffLines(configText(c.before), configText(c.after))) {
      const prefix = part.added ? '+ ' : part.removed ? '- ' : '  ';
      const body = part.value.replace(/\n$/, '').split('\n');
      const shown = !part.added && !part.removed && body.length > 6 ? [...body.slice(0, 2), '...', ...body.slice(-2)] : body;
      for (const l of shown) {
        const text = `        ${prefix}${l}`;
        lines.push(part.added ? p.green(text) : part.removed ? p.red(text) : p.dim(text));
      }
    }
  } else if (c.action === 'create' && c.after !== undefined) {
    for (const l of configText(c.after).replace(/\n$/, '').split('\n')) lines.push(p.green(`        + ${l}`));
  } else if (c.action === 'delete' && c.before !== undefined) {
    for (const l of configText(c.before).replace(/\n$/, '').split('\n')) lines.push(p.red(`        - ${l}`));
  } else if (c.action === 'run' && c.after !== undefined) {
    for (const l of configText(c.after).replace(/\n$/, '').split('\n')) lines.push(p.dim(`          ${l}`));
  }
  return lines.join('\n') + '\n';
}

/**
 * Problems (interpretation or validation errors) with positions and call stacks. A message
 * quotes package values: control characters are shown escaped, and its later lines are
 * indented, so a value cannot forge a line of its own.
 */
export function renderProblems(problems: readonly Problem[], options: { color?: boolean } = {}): string {
  const p = paint(options.color === true);
  const out: string[] = [];
  for (const prob of problems) {
    const pos = prob.position;
    const at = pos.line > 0 ? `${pos.file}:${pos.line}:${pos.col}` : pos.file;
    out.push(`${neutraliseInline(at)}: ${p.red('error:')} ${neutraliseControl(prob.message).replace(/\n/g, '\n    ')}`);
    const frames = [...prob.stack].reverse();
    if (frames.length > 1) for (const f of frames) out.push(p.dim(`    in ${neutraliseInline(f.function)} at ${neutraliseInline(f.file)}:${f.line}:${f.col}`));
  }
  const n = problems.length;
  out.push(`${n} error${n === 1 ? '' : 's'}; nothing was planned.`);
  return out.join('\n') + '\n';
}
