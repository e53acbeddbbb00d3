// Selecting parts of a plan the user did not write (issue 12): `--target`, `--exclude`,
// `--replace`. The diff is computed for the whole package as usual; selection then decides
// which of its changes this plan carries out, so every rule of the diff (dependencies,
// kept addresses, deletions) holds unchanged for what is selected.
//
//   --target A   the steps A matches and everything they need, transitively: the steps
//                whose future references they use, the add_service (and last start/stop)
//                of every service they act on or name as a host, the last writer of every
//                files artifact they read. A deletion of an entity the package dropped is
//                selected only when an address matches it directly.
//   --exclude A  the steps A matches and, transitively, every step that needs one of them
//                (docs/decisions.md: they are excluded with it and listed in the plan, since
//                they cannot run without it and a third-party package's dependents are
//                rarely known to its user); an excluded deletion leaves its entity alone.
//   --replace A  the services A matches are replaced although unchanged (diff.ts, through
//                its `replace` option), and what depends on them follows the diff's rules.
//
// An address is a step id (`service.db`, `artifact.config`, `exec.3f2a9c1b04de`) where `*`
// matches any run of characters (`service.cl-*`). An address that matches nothing is a
// user error naming it (Terraform accepts it silently; its issue 30434). A step left out
// stays in the plan's instruction list as a no-op whose `leftOut` says what the diff
// wanted (so apply neither runs it nor forgets what the state recorded of it); a deletion
// left out is dropped from the changes (the entity stays in the state).
import type { PlanEdit } from '../planfile/index.js';
import { UserError } from '../util/errors.js';
import type { JsonValue } from '../util/json.js';
import { artifactsCreated, type Action, type Change, type Instruction } from '../instructions/index.js';

export interface SelectionOptions {
  readonly targets?: readonly string[];
  readonly excludes?: readonly string[];
}

/** What a left-out change would have done, and which edit left it out. */
export interface LeftOut {
  readonly action: Action;
  readonly reason: string;
  readonly by: 'target' | 'exclude';
}

/** A change as selection leaves it: a left-out one is a no-op carrying `leftOut`. */
export type SelectedChange = Change & { readonly leftOut?: LeftOut };

/** A matcher for an address: a step id, `*` matching any characters. */
export function addressMatcher(address: string): (id: string) => boolean {
  const pattern = address
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${pattern}$`);
  return (id) => re.test(id);
}

/** Checks an address given on the command line (before anything is read). */
export function checkAddress(flag: string, address: string): void {
  if (address.trim() === '' || /[\u0000-\u001f\u007f\s]/.test(address)) {
    throw new UserError(`--${flag} ${JSON.stringify(address)}: an address is a step id such as service.db or service.cl-*`);
  }
}

function noMatch(flag: string, address: string, known: readonly string[], what = 'no step of the plan'): UserError {
  const shown = known.slice(0, 12).join(', ');
  return new UserError(`--${flag} ${address}: matches ${what}`, {
    hint: known.length === 0 ? 'The plan has no steps.' : `Addresses in this plan: ${shown}${known.length > 12 ? `, ... (${known.length} in all)` : ''}.`,
  });
}

/** The add_service steps `--replace` names; an address matching no service of the package is an error. */
export function replaceTargets(instructions: readonly Instruction[], addresses: readonly string[]): { ids: Set<string>; edits: PlanEdit[] } {
  const services = instructions.filter((i) => i.kind === 'add_service').map((i) => i.id);
  const ids = new Set<string>();
  const edits: PlanEdit[] = [];
  for (const address of addresses) {
    const match = addressMatcher(address);
    const matched = services.filter(match);
    if (matched.length === 0) throw noMatch('replace', address, services, 'no service the package adds');
    for (const id of matched) ids.add(id);
    edits.push({ kind: 'replace', address, matched });
  }
  return { ids, edits };
}

/** For every instruction, the step ids of the instructions it needs (see the file comment). */
function dependenciesOf(instructions: readonly Instruction[]): Map<string, Set<string>> {
  const ids = new Set(instructions.map((i) => i.id));
  const serviceNames = instructions.filter((i) => i.declares?.type === 'service').map((i) => (i.declares as { name: string }).name);
  const lifecycle = new Map<string, string>();
  const writer = new Map<string, string>();
  const deps = new Map<string, Set<string>>();
  for (const ins of instructions) {
    const own = ins.declares?.type === 'service' ? ins.declares.name : undefined;
    const needs = new Set<string>();
    for (const r of ins.refs) if (r !== ins.id && ids.has(r)) needs.add(r);
    const services = new Set(ins.services);
    for (const s of mentioned(ins.args, serviceNames)) services.add(s);
    for (const s of services) {
      if (s === own) continue;
      if (ids.has(`service.${s}`)) needs.add(`service.${s}`);
      const last = lifecycle.get(s);
      if (last !== undefined && last !== ins.id) needs.add(last);
    }
    for (const a of ins.artifacts) {
      const w = writer.get(a);
      if (w !== undefined && w !== ins.id) needs.add(w);
    }
    deps.set(ins.id, needs);
    if (own !== undefined) lifecycle.set(own, ins.id);
    if (ins.kind === 'start_service' || ins.kind === 'stop_service' || ins.kind === 'remove_service') {
      for (const s of ins.services) lifecycle.set(s, ins.id);
    }
    if (ins.declares?.type === 'artifact') writer.set(ins.declares.name, ins.id);
    for (const a of artifactsCreated(ins)) writer.set(a, ins.id);
  }
  return deps;
}

/** The service names among `names` that a string of `value` uses as a host name (`db`, `db:5432`, `http://db/`). */
function mentioned(value: JsonValue, names: readonly string[]): string[] {
  if (names.length === 0) return [];
  const strings: string[] = [];
  const walk = (v: JsonValue): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) for (const x of v as readonly JsonValue[]) walk(x);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(value);
  const text = strings.join('\n');
  return names.filter((name) => {
    for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
      const before = at === 0 ? '' : text[at - 1]!;
      const after = text[at + name.length] ?? '';
      if (!/[a-zA-Z0-9_.-]/.test(before) && !/[a-zA-Z0-9_-]/.test(after)) return true;
    }
    return false;
  });
}

/**
 * Applies `--target` and `--exclude` to the diff's changes (see the file comment). Throws a
 * UserError for an address that matches nothing.
 */
export function selectChanges(
  instructions: readonly Instruction[],
  changes: readonly Change[],
  options: SelectionOptions,
): { changes: SelectedChange[]; edits: PlanEdit[] } {
  const targets = options.targets ?? [];
  const excludes = options.excludes ?? [];
  if (targets.length === 0 && excludes.length === 0) return { changes: [...changes], edits: [] };
  const deps = dependenciesOf(instructions);
  const known = [...new Set([...changes.map((c) => c.stepId), ...instructions.map((i) => i.id)])];
  const edits: PlanEdit[] = [];

  let selected: Set<string> | undefined;
  if (targets.length > 0) {
    selected = new Set<string>();
    for (const address of targets) {
      const matched = known.filter(addressMatcher(address));
      if (matched.length === 0) throw noMatch('target', address, known);
      edits.push({ kind: 'target', address, matched });
      const todo = [...matched];
      while (todo.length > 0) {
        const id = todo.pop()!;
        if (selected.has(id)) continue;
        selected.add(id);
        for (const d of deps.get(id) ?? []) todo.push(d);
      }
    }
  }

  const excluded = new Map<string, string>();
  if (excludes.length > 0) {
    const dependents = new Map<string, string[]>();
    for (const [id, needs] of deps) for (const d of needs) dependents.set(d, [...(dependents.get(d) ?? []), id]);
    const order = new Map(instructions.map((ins, i) => [ins.id, i]));
    for (const address of excludes) {
      const matched = known.filter(addressMatcher(address));
      if (matched.length === 0) throw noMatch('exclude', address, known);
      const found: string[] = [];
      for (const id of matched) excluded.set(id, 'excluded');
      const todo = [...matched];
      while (todo.length > 0) {
        const id = todo.shift()!;
        for (const user of dependents.get(id) ?? []) {
          if (excluded.has(user)) continue;
          excluded.set(user, `excluded: needs ${id}, which is excluded`);
          found.push(user);
          todo.push(user);
        }
      }
      found.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
      edits.push({ kind: 'exclude', address, matched, dependents: found });
    }
  }

  const out: SelectedChange[] = [];
  for (const c of changes) {
    const why = excluded.get(c.stepId) ?? (selected !== undefined && !selected.has(c.stepId) ? 'not targeted' : undefined);
    if (why === undefined) {
      out.push(c);
      continue;
    }
    if (c.instruction === undefined) continue;
    const leftOut: LeftOut | undefined =
      c.action === 'no-op' ? undefined : { action: c.action, reason: c.reason, by: excluded.has(c.stepId) ? 'exclude' : 'target' };
    out.push({
      action: 'no-op',
      stepId: c.stepId,
      kind: c.kind,
      reason: why,
      ...(c.after !== undefined ? { after: c.after } : {}),
      instruction: c.instruction,
      ...(leftOut !== undefined ? { leftOut } : {}),
    });
  }
  return { changes: out, edits };
}
