// The Markdown view of a saved plan, for a pull-request comment (`starform show PLAN
// --markdown`). It must say what it is about and fit in one comment (GitHub takes 65,536
// characters), so it is laid out by importance:
//
//   1. a header: the package, an args digest, the state (lineage, serial) the plan was
//      computed against, the starform version, the plan file's checksum and the command
//      that applies it; the summary table; a caution banner when anything is deleted or
//      replaced; the warnings interpretation gave;
//   2. every deletion and replacement — with its diff, or, for a replacement forced by a
//      dependency, the reason ("db is replaced; app uses its ip_address");
//   3. the other changes (creations, one-off steps to run), with their configuration;
//   4. optionally (`graph`), a mermaid graph of the changed steps and their dependencies.
//
// `maxBytes` (UTF-8 bytes, which never undercount characters) is a budget: parts 1 and 2
// are kept whole — part 2 degrades from full diffs to shortened diffs to one line per
// change before anything of it is dropped — and part 3 is shortened in the middle (the
// first and last changes keep their details, those between become one line each, or are
// counted in a note) with a note saying how to see everything. Future references read
// "(known after apply: db.ip_address)". Every string from the package goes through
// packageText (markdown-escape.ts), which escapes it for where it is written.
import { createTwoFilesPatch } from 'diff';
import type { LoadedPlan } from '../planfile/index.js';
import { REFERENCE_PATTERN, summarize, type Change, type Instruction, type PlanSummary } from '../instructions/index.js';
import { jsonDigest } from '../util/hash.js';
import type { JsonValue } from '../util/json.js';
import { fenced, packageCode, packageText } from './markdown-escape.js';
import { maskPlanView } from './redact.js';
import { configText, SYMBOL, VERB } from './plan-view.js';
import { editsMarkdown } from './edits-view.js';
import { orphansMarkdown, type Orphan } from './orphans-view.js';
import type { PlanEdit } from '../planfile/index.js';

/** What the comment is rendered from: a saved plan and what its file says about itself. */
export interface MarkdownPlan {
  readonly instructions: readonly Instruction[];
  readonly changes: readonly Change[];
  readonly summary: PlanSummary;
  /** The package as the plan file records it (a locator or a directory) and its args. */
  readonly package: { readonly locator: string; readonly args: JsonValue };
  /** The state the plan was computed against. */
  readonly base: { readonly lineage: string | null; readonly serial: number };
  readonly warnings: readonly string[];
  /** The starform version that wrote the plan file. */
  readonly starformVersion: string;
  readonly checksum: string;
  /** The plan file as the user named it: what `starform apply` is given. */
  readonly planFile: string;
  /** The values the plan marks sensitive: masked wherever they occur. */
  readonly sensitive?: readonly string[];
  /** The user's edits of the plan (--target, --override...), listed at the top. */
  readonly edits?: readonly PlanEdit[];
  /** Containers no state names, which apply removes. */
  readonly orphans?: readonly Orphan[];
}

/**
 * The comment's input from a plan file as read (and verified) by lib/planfile. Its
 * records were written by the plan module; the planfile layer types them by their core.
 */
export function markdownPlanOf(loaded: LoadedPlan, planFile: string): MarkdownPlan {
  const { plan } = loaded;
  const changes = plan.changes as unknown as Change[];
  return {
    instructions: plan.instructions as unknown as Instruction[],
    changes,
    summary: summarize(changes),
    package: plan.package,
    base: plan.base,
    warnings: plan.warnings ?? [],
    starformVersion: loaded.starformVersion,
    checksum: loaded.checksum,
    planFile,
    sensitive: plan.sensitive ?? [],
    edits: plan.edits ?? [],
    orphans: plan.orphans ?? [],
  };
}

export interface MarkdownOptions {
  /** The budget in UTF-8 bytes; default DEFAULT_MAX_BYTES. */
  readonly maxBytes?: number;
  /** Add a mermaid graph of the changed steps and their dependencies. */
  readonly graph?: boolean;
}

/** Below GitHub's 65,536-character comment limit, with room for what a CI job adds around it. */
export const DEFAULT_MAX_BYTES = 60_000;

/** The smallest budget that still holds a header, a summary and a note. */
export const MIN_MAX_BYTES = 4_000;

const CAUSE_VERB: Record<Change['action'], string> = {
  create: 'is created',
  replace: 'is replaced',
  run: 'runs again',
  delete: 'is deleted',
  'no-op': 'is unchanged',
};

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The pull-request comment for a plan. */
export function renderPlanMarkdown(view: MarkdownPlan, options: MarkdownOptions = {}): string {
  const plan = maskPlanView(view);
  const maxBytes = Math.max(options.maxBytes ?? DEFAULT_MAX_BYTES, MIN_MAX_BYTES);
  const visible = plan.changes.filter((c) => c.action !== 'no-op');
  const critical = visible.filter((c) => c.action === 'delete' || c.action === 'replace');
  const rest = visible.filter((c) => c.action === 'create' || c.action === 'run');
  const ctx = new Context(plan);
  const planFile = shellQuote(clip(plan.planFile, MAX_NAME_CHARS));
  const showAll = `starform show ${planFile}`;

  const tables = [
    header(plan, planFile),
    editsMarkdown(view.edits ?? [], plan.changes),
    summaryTable(plan.summary),
    orphansMarkdown(view.orphans ?? []),
    banner(plan.summary),
  ]
    .filter((s) => s !== '')
    .join('\n');
  const head = [tables, warnings(plan.warnings, Math.floor(maxBytes / 4))].filter((s) => s !== '').join('\n');
  const footer = `<sub>To see every change in full: ${packageCode(showAll)} (or ${packageCode(`${showAll} --json`)}).</sub>\n`;
  let left = maxBytes - bytes(head) - bytes(footer) - 1;
  const parts: string[] = [head];

  if (critical.length > 0) {
    const section = criticalSection(critical, ctx, left - NOTE_RESERVE);
    parts.push(section);
    left -= bytes(section) + 1;
  }
  let graphText = '';
  if (options.graph === true && visible.length > 0) {
    graphText = mermaid(visible, ctx);
    if (bytes(graphText) + 1 > left - NOTE_RESERVE) {
      graphText = `_The dependency graph of the ${visible.length} changed steps is left out: it does not fit in this comment. ${packageCode(`${showAll} --markdown --graph --max-bytes ${bytes(graphText) + maxBytes}`)} draws it._\n`;
    }
    left -= bytes(graphText) + 1;
  }
  if (rest.length > 0) parts.push(restSection(rest, ctx, left));
  if (graphText !== '') parts.push(graphText);
  parts.push(footer);
  const text = parts.join('\n');
  if (bytes(text) <= maxBytes) return text;
  // Only reachable with budgets near the minimum: the header, the summary and a note.
  return [tables, `**This plan does not fit in ${maxBytes} bytes.** See it with ${packageCode(showAll)}.\n`].join('\n');
}

/** Room kept for a shortening note of the next section. */
const NOTE_RESERVE = 400;

/** How much of a locator or a plan file path the header shows. */
const MAX_NAME_CHARS = 80;

function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

function header(plan: MarkdownPlan, planFile: string): string {
  const locator = clip(plan.package.locator, MAX_NAME_CHARS);
  const { lineage, serial } = plan.base;
  const state =
    serial === 0
      ? `a new state (none existed when it was planned)${lineage === null ? '' : `, to be created with lineage ${packageCode(lineage)}`}`
      : `lineage ${packageCode(lineage ?? '')}, serial ${serial}`;
  const args = plan.package.args;
  const argCount = args !== null && typeof args === 'object' && !Array.isArray(args) ? Object.keys(args).length : undefined;
  const argsNote = argCount === undefined ? '' : ` (${argCount} ${argCount === 1 ? 'key' : 'keys'})`;
  return [
    `### starform plan for ${packageCode(locator)}`,
    '',
    '| | |',
    '|---|---|',
    `| Package | ${packageCode(locator)} |`,
    `| Args digest | <code>${jsonDigest(args)}</code>${argsNote} |`,
    `| Planned against | ${state} |`,
    `| Plan file | ${packageCode(clip(plan.planFile, MAX_NAME_CHARS))}, checksum ${packageCode(plan.checksum)} |`,
    `| Written by | starform ${packageText(plan.starformVersion, 'inline')} |`,
    `| Apply with | ${packageCode(`starform apply ${planFile}`)} |`,
    '',
  ].join('\n');
}

function summaryTable(s: PlanSummary): string {
  const total = s.create + s.replace + s.run + s.delete;
  const headline = total === 0 ? '**No changes.** The environment matches the package.' : `**${total} ${total === 1 ? 'change' : 'changes'}.**`;
  return [
    headline,
    '',
    '| Action | Steps |',
    '|---|---:|',
    `| \`+\` create | ${s.create} |`,
    `| \`-/+\` replace | ${s.replace} |`,
    `| \`>\` run (one-off steps) | ${s.run} |`,
    `| \`-\` delete | ${s.delete} |`,
    `| unchanged | ${s.noop} |`,
    '',
  ].join('\n');
}

function banner(s: PlanSummary): string {
  if (s.delete + s.replace === 0) return '';
  const what = [s.delete > 0 ? `**deletes ${s.delete}**` : '', s.replace > 0 ? `**replaces ${s.replace}**` : ''].filter((x) => x !== '').join(' and ');
  return [
    '> [!CAUTION]',
    `> This plan ${what} ${s.delete + s.replace === 1 ? 'service or files artifact' : 'services or files artifacts'}: their containers or files are removed${s.replace > 0 ? ' (and made anew, for replacements)' : ''}. They are listed first below.`,
    '',
  ].join('\n');
}

const MAX_WARNING_CHARS = 300;

/** The warnings, as many as fit in `budget` bytes (the others counted). */
function warnings(list: readonly string[], budget: number): string {
  if (list.length === 0) return '';
  const shown: string[] = [];
  let size = 0;
  for (const w of list) {
    const line = `- ${packageText(clip(w, MAX_WARNING_CHARS), 'inline')}`;
    if (size + bytes(line) + 1 > budget) break;
    shown.push(line);
    size += bytes(line) + 1;
  }
  if (shown.length < list.length) shown.push(`- … and ${list.length - shown.length} more (\`starform show PLAN --json\` lists them all)`);
  return [`**Warnings (${list.length}):**`, '', ...shown, ''].join('\n');
}

/** A change rendered three ways, from the most to the least detailed. */
interface Rendering {
  full(): string;
  shortened(maxLines: number): string;
  line(): string;
}

function criticalSection(changes: readonly Change[], ctx: Context, budget: number): string {
  const title = `#### Deleted and replaced (${changes.length})\n`;
  const rendered = changes.map((c) => ctx.rendering(c));
  const attempts: ((r: Rendering) => string)[] = [(r) => r.full(), ...[40, 12, 4].map((n) => (r: Rendering) => r.shortened(n))];
  for (const attempt of attempts) {
    const blocks = fitting(rendered, attempt, budget - bytes(title));
    if (blocks !== undefined) return [title, ...blocks].join('\n');
  }
  const lines = rendered.map((r) => r.line());
  const list = lines.join('\n') + '\n';
  const note = '\n_Their diffs are left out to fit in this comment._\n';
  if (bytes(title) + bytes(list) + bytes(note) <= budget) return [title, list + note].join('\n');
  // Even one line each does not fit: the only case where some are not named here.
  const { text } = middleOut(
    lines.map((l) => l + '\n'),
    budget - bytes(title) - NOTE_RESERVE,
    (n) => `\n**… ${n} more deletions and replacements are not listed here: this comment cannot hold them all.**\n\n`,
  );
  return [title, text].join('\n');
}

function restSection(changes: readonly Change[], ctx: Context, budget: number): string {
  const title = `#### Created and run (${changes.length})\n`;
  const rendered = changes.map((c) => ctx.rendering(c));
  const available = budget - bytes(title);
  const all = fitting(rendered, (r) => r.full(), available);
  if (all !== undefined) return [title, ...all].join('\n');

  const full = (i: number): string => rendered[i]!.full();
  const lines = rendered.map((r) => r.line() + '\n');
  if (sum(lines) + NOTE_RESERVE <= available) {
    // Everything is named; the first and last changes keep their details, those between
    // (a contiguous run, as details are given alternately from both ends) one line each.
    let size = sum(lines) + NOTE_RESERVE;
    let lo = 0;
    let hi = changes.length - 1;
    for (let front = true; lo <= hi; front = !front) {
      const i = front ? lo : hi;
      const grow = bytes(full(i)) - bytes(lines[i]!);
      if (size + grow > available) break;
      size += grow;
      if (front) lo++;
      else hi--;
    }
    const n = hi - lo + 1;
    const note = `_… the details of ${n} ${n === 1 ? 'change' : 'changes'} in between are shortened to one line each to fit in this comment:_\n`;
    const head = rendered.slice(0, lo).map((r) => r.full());
    const tail = rendered.slice(hi + 1).map((r) => r.full());
    return [title, ...head, note, lines.slice(lo, hi + 1).join(''), ...tail].join('\n');
  }
  const { text } = middleOut(
    lines,
    available - NOTE_RESERVE,
    (n) => `\n**… ${n} more ${n === 1 ? 'change' : 'changes'} (creations and one-off steps) are left out to fit in this comment.**\n\n`,
  );
  return [title, text].join('\n');
}

/** Every change rendered by `render`, if all of them fit in `budget` (joined by newlines); rendering stops at the first that does not. */
function fitting(rendered: readonly Rendering[], render: (r: Rendering) => string, budget: number): string[] | undefined {
  const out: string[] = [];
  let size = 0;
  for (const r of rendered) {
    const text = render(r);
    size += bytes(text) + 1;
    if (size > budget) return undefined;
    out.push(text);
  }
  return out;
}

/** Keeps items from both ends while they fit; the ones between become one note. */
function middleOut(items: readonly string[], budget: number, note: (omitted: number) => string): { text: string } {
  const keep = new Array<boolean>(items.length).fill(false);
  let size = 0;
  for (let lo = 0, hi = items.length - 1, front = true; lo <= hi; front = !front) {
    const i = front ? lo : hi;
    if (size + bytes(items[i]!) > budget) break;
    keep[i] = true;
    size += bytes(items[i]!);
    if (front) lo++;
    else hi--;
  }
  const omitted = keep.filter((k) => !k).length;
  const out: string[] = [];
  let noted = false;
  items.forEach((item, i) => {
    if (keep[i]) out.push(item);
    else if (!noted) {
      out.push(note(omitted));
      noted = true;
    }
  });
  return { text: out.join('') };
}

function sum(texts: readonly string[]): number {
  return texts.reduce((n, t) => n + bytes(t) + 1, 0);
}

/** What rendering a change needs to know about the whole plan. */
class Context {
  private readonly byStep = new Map<string, Change>();
  constructor(private readonly plan: MarkdownPlan) {
    for (const c of plan.changes) this.byStep.set(c.stepId, c);
  }

  instruction(c: Change): Instruction | undefined {
    return c.instruction !== undefined ? this.plan.instructions[c.instruction] : undefined;
  }

  change(stepId: string): Change | undefined {
    return this.byStep.get(stepId);
  }

  rendering(c: Change): Rendering {
    const ins = this.instruction(c);
    const summaryLine = `${packageCode(`${SYMBOL[c.action]} ${c.stepId}`)} ${VERB[c.action]}`;
    const why = this.why(c);
    const label = ins ? packageText(ins.description, 'inline') : '';
    const at = ins ? ` at ${packageCode(`${ins.position.file}:${ins.position.line}:${ins.position.col}`)}` : '';
    const memo = new Map<number | undefined, string>();
    const body = (maxLines: number | undefined): string => {
      const known = memo.get(maxLines);
      if (known !== undefined) return known;
      const text = this.body(c, maxLines);
      const block = [
        `<details><summary>${summaryLine} — ${why}</summary>`,
        '',
        ...(label !== '' ? [`${label}${at}`, ''] : []),
        ...(text !== '' ? [text, ''] : []),
        '</details>',
        '',
      ].join('\n');
      memo.set(maxLines, block);
      return block;
    };
    return {
      full: () => body(undefined),
      shortened: (n) => body(n),
      line: () => `- ${summaryLine} — ${why}`,
    };
  }

  /** Why the change happens, readable; for a change forced by a dependency, what it uses of what. */
  why(c: Change): string {
    if (c.cause === undefined) return packageText(c.reason, 'inline');
    const cause = this.change(c.cause);
    const causeName = displayName(c.cause);
    const verb = cause ? CAUSE_VERB[cause.action] : 'changes';
    return `${packageText(causeName, 'inline')} ${verb}; ${packageText(displayName(c.stepId), 'inline')} ${this.uses(c, c.cause)}`;
  }

  private uses(c: Change, cause: string): string {
    const ins = this.instruction(c);
    if (ins === undefined) return 'depends on it';
    const fields = new Set<string>();
    collectReferences(ins.args, (step, field) => {
      if (step === cause) fields.add(field);
    });
    if (fields.size > 0) return `uses its ${joinWords([...fields].sort().map((f) => packageText(f, 'inline')))}`;
    if (cause.startsWith('artifact.') && ins.artifacts.includes(cause.slice('artifact.'.length))) return 'uses its files';
    if (cause.startsWith('service.') && ins.services.includes(cause.slice('service.'.length))) return 'acts on it';
    return 'depends on it';
  }

  /** The fenced body of a change: a diff, a configuration, or the arguments of a one-off step. */
  private body(c: Change, maxLines: number | undefined): string {
    let info: string;
    let text: string;
    if (c.action === 'replace' && c.before !== undefined && c.after !== undefined) {
      const before = displayConfig(c.before);
      const after = displayConfig(c.after);
      if (before === after) return '_Its configuration is unchanged; it is replaced because of what it depends on._';
      info = 'diff';
      // Shortened, a diff loses its context lines first, then its middle; never only its changes.
      const context = maxLines === undefined ? 3 : maxLines >= 12 ? 1 : 0;
      const patch = createTwoFilesPatch(`${c.stepId} (state)`, `${c.stepId} (plan)`, before, after, '', '', { context }).split('\n');
      text = patch
        .slice(maxLines === undefined ? 1 : 3)
        .map((l) => l.replace(/\t$/, ''))
        .join('\n');
    } else if (c.action === 'delete') {
      if (c.before === undefined) return '';
      info = 'diff';
      text = prefixLines(displayConfig(c.before), '- ');
    } else if (c.action === 'run') {
      if (c.after === undefined) return '';
      info = 'yaml';
      text = displayConfig(c.after);
    } else {
      if (c.after === undefined) return '';
      info = 'diff';
      text = prefixLines(displayConfig(c.after), '+ ');
    }
    return fenced(info, shortenLines(packageText(text.replace(/\n+$/, ''), 'code'), maxLines));
  }
}

const configTexts = new WeakMap<object, string>();

/** The configuration layout of the text view, future references made readable; computed once per value. */
function displayConfig(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return configText(readable(v));
  let text = configTexts.get(v);
  if (text === undefined) {
    text = configText(readable(v));
    configTexts.set(v, text);
  }
  return text;
}

/** A step id as a reviewer says it: `db` for service.db, the step id otherwise. */
function displayName(stepId: string): string {
  return stepId.startsWith('service.') ? stepId.slice('service.'.length) : stepId;
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]!}`;
}

function collectReferences(v: JsonValue, found: (step: string, field: string) => void): void {
  if (typeof v === 'string') {
    for (const m of v.matchAll(REFERENCE_PATTERN)) found(m[1]!, m[2]!);
  } else if (Array.isArray(v)) {
    for (const e of v) collectReferences(e, found);
  } else if (v !== null && typeof v === 'object') {
    for (const e of Object.values(v)) collectReferences(e, found);
  }
}

/** A configuration with its future references written as "(known after apply: db.ip_address)". */
export function readable(v: JsonValue): JsonValue {
  if (typeof v === 'string') return v.replace(REFERENCE_PATTERN, (_, step: string, field: string) => `(known after apply: ${displayName(step)}.${field})`);
  if (Array.isArray(v)) return v.map(readable);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, readable(e)]));
  return v;
}

function shortenLines(text: string, maxLines: number | undefined): string {
  if (maxLines === undefined) return text;
  const lines = text.split('\n');
  if (lines.length <= maxLines) return text;
  const keepHead = Math.ceil((maxLines - 1) / 2);
  const keepTail = maxLines - 1 - keepHead;
  return [...lines.slice(0, keepHead), `… ${lines.length - keepHead - keepTail} lines left out …`, ...lines.slice(lines.length - keepTail)].join('\n');
}

function prefixLines(text: string, prefix: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** A word for a POSIX shell: as it is when it is plain, single-quoted otherwise. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The dependencies of a step that change in this plan, as step ids. */
function dependencies(ins: Instruction | undefined, changed: ReadonlySet<string>): string[] {
  if (ins === undefined) return [];
  const deps = new Set<string>();
  const own = ins.declares?.type === 'service' ? ins.declares.name : undefined;
  for (const s of ins.services) if (s !== own) deps.add(`service.${s}`);
  for (const a of ins.artifacts) deps.add(`artifact.${a}`);
  for (const r of ins.refs) deps.add(r);
  deps.delete(ins.id);
  return [...deps].filter((d) => changed.has(d)).sort();
}

const MERMAID_CLASS: Record<Change['action'], string> = {
  create: 'create',
  replace: 'replace',
  run: 'run',
  delete: 'delete',
  'no-op': 'noop',
};

/** A mermaid flowchart of the changed steps, an arrow from each step to those that depend on it. */
function mermaid(changes: readonly Change[], ctx: Context): string {
  const ids = new Map(changes.map((c, i) => [c.stepId, `s${i}`]));
  const changed = new Set(ids.keys());
  const lines = ['flowchart LR'];
  for (const c of changes) lines.push(`  ${ids.get(c.stepId)!}["${packageText(`${SYMBOL[c.action]} ${c.stepId}`, 'mermaid')}"]:::${MERMAID_CLASS[c.action]}`);
  for (const c of changes) {
    for (const d of dependencies(ctx.instruction(c), changed)) lines.push(`  ${ids.get(d)!} --> ${ids.get(c.stepId)!}`);
  }
  lines.push(
    '  classDef create fill:#e6ffec,stroke:#1a7f37',
    '  classDef replace fill:#fff8c5,stroke:#9a6700',
    '  classDef run fill:#ddf4ff,stroke:#0969da',
    '  classDef delete fill:#ffebe9,stroke:#cf222e',
  );
  return `#### Dependencies of the changed steps\n\n${fenced('mermaid', lines.join('\n'))}\n`;
}
