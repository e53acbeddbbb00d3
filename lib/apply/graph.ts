// The order of an apply: which steps may run at the same time.
//
// The plan lists its changes in the order Kurtosis would run them (deletions first, then
// instructions in package order), and a package is written for that sequential order.
// Running steps concurrently must not change what any step observes, so each step is
// described by the resources it reads and writes, and a step waits for every earlier
// step it conflicts with (write after write, read after write, write after read) — the
// classic hazard rule, which makes any concurrent run equivalent to the sequential one
// for everything the resources capture:
//
//   service:<name>   written by add_service / remove / start / stop and by every step
//                    that acts inside the service (exec, request, wait, store files: the
//                    kinds whose descriptor says actsOnService, lib/instructions), so
//                    all steps on one service keep their order; read by any step whose
//                    arguments mention the service's host name (a package reaches other
//                    services by name — `"postgres://db:5432"` — which no future reference
//                    reveals), so a step talking to `db` waits until `db` is in place
//   artifact:<name>  written by the step that produces the files artifact, read by its users
//   step:<id>        written by the step, read by steps using its future references
//
// The host-name rule is deliberately generous: a false match only costs parallelism.
import { artifactsCreated, descriptorOf, type Instruction } from '../instructions/index.js';
import type { JsonValue } from '../util/json.js';
import type { StepAction } from './events.js';

/** One step to carry out: a change that is not a no-op, with its instruction if it has one. */
export interface WorkItem {
  readonly index: number;
  readonly stepId: string;
  readonly kind: string;
  readonly action: StepAction;
  readonly reason: string;
  readonly instruction?: Instruction;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  /** Indexes of earlier items this one must wait for. */
  readonly deps: readonly number[];
}

export interface ChangeLike {
  readonly stepId: string;
  readonly action: string;
  readonly kind?: unknown;
  readonly reason?: unknown;
  /** Index of the change's instruction; absent for deletions of entities the package dropped. */
  readonly instruction?: unknown;
}

/** The resources an instruction reads and writes (see the file comment). */
export function resources(ins: Instruction, serviceNames: readonly string[]): { reads: string[]; writes: string[] } {
  const reads = new Set<string>();
  const writes = new Set<string>([`step:${ins.id}`]);
  for (const r of ins.refs) if (r !== ins.id) reads.add(`step:${r}`);
  for (const a of ins.artifacts) reads.add(`artifact:${a}`);
  for (const a of artifactsCreated(ins)) writes.add(`artifact:${a}`);
  const own = ins.declares?.type === 'service' ? ins.declares.name : undefined;
  if (own !== undefined) writes.add(`service:${own}`);
  if (descriptorOf(ins.kind).actsOnService === true) {
    for (const s of ins.services) writes.add(`service:${s}`);
  } else {
    for (const s of ins.services) if (s !== own) reads.add(`service:${s}`);
  }
  for (const s of mentionedServices(ins.args, serviceNames)) {
    if (s !== own && !writes.has(`service:${s}`)) reads.add(`service:${s}`);
  }
  for (const w of writes) reads.delete(w);
  return { reads: [...reads].sort(), writes: [...writes].sort() };
}

/** The names among `names` that appear as a host name in some string of `value`. */
export function mentionedServices(value: JsonValue, names: readonly string[]): string[] {
  if (names.length === 0) return [];
  const strings: string[] = [];
  const walk = (v: JsonValue): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) for (const x of v as readonly JsonValue[]) walk(x);
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        strings.push(k);
        walk(x);
      }
  };
  walk(value);
  const text = strings.join('\n');
  const found: string[] = [];
  for (const name of names) {
    let at = text.indexOf(name);
    while (at !== -1) {
      const before = at === 0 ? '' : text[at - 1]!;
      const after = text[at + name.length] ?? '';
      if (!/[a-zA-Z0-9-]/.test(before) && !/[a-zA-Z0-9-]/.test(after)) {
        found.push(name);
        break;
      }
      at = text.indexOf(name, at + 1);
    }
  }
  return found;
}

/**
 * The steps of a plan in apply order with their dependencies. `instructions` are the
 * plan's records; changes without an instruction are deletions of dropped entities.
 */
export function buildWork(instructions: readonly Instruction[], changes: readonly ChangeLike[], knownServices: readonly string[] = []): WorkItem[] {
  const byId = new Map(instructions.map((i) => [i.id, i]));
  const instructionOf = (change: ChangeLike): Instruction | undefined => {
    if (typeof change.instruction === 'number') return instructions[change.instruction];
    return change.action === 'delete' ? undefined : byId.get(change.stepId);
  };
  const names = new Set(knownServices);
  for (const ins of instructions) if (ins.declares?.type === 'service') names.add(ins.declares.name);
  const serviceNames = [...names].sort();
  const items: WorkItem[] = [];
  const lastWriter = new Map<string, number>();
  const readers = new Map<string, number[]>();
  for (const change of changes) {
    if (change.action === 'no-op') continue;
    const index = items.length;
    const instruction = instructionOf(change);
    let reads: string[];
    let writes: string[];
    if (instruction !== undefined) {
      ({ reads, writes } = resources(instruction, serviceNames));
    } else {
      const dot = change.stepId.indexOf('.');
      const type = change.stepId.slice(0, dot);
      const name = change.stepId.slice(dot + 1);
      reads = [];
      writes = [`step:${change.stepId}`, `${type === 'service' ? 'service' : 'artifact'}:${name}`];
    }
    const deps = new Set<number>();
    for (const r of reads) {
      const w = lastWriter.get(r);
      if (w !== undefined) deps.add(w);
      const list = readers.get(r) ?? [];
      list.push(index);
      readers.set(r, list);
    }
    for (const r of writes) {
      const w = lastWriter.get(r);
      if (w !== undefined) deps.add(w);
      for (const reader of readers.get(r) ?? []) if (reader !== index) deps.add(reader);
      lastWriter.set(r, index);
      readers.set(r, []);
    }
    items.push({
      index,
      stepId: change.stepId,
      kind: typeof change.kind === 'string' ? change.kind : (instruction?.kind ?? 'unknown'),
      action: change.action as StepAction,
      reason: typeof change.reason === 'string' ? change.reason : '',
      ...(instruction !== undefined ? { instruction } : {}),
      reads,
      writes,
      deps: [...deps].sort((a, b) => a - b),
    });
  }
  return items;
}

export interface ScheduleOutcome {
  /** Items that never started (a failure or an interruption stopped the apply), in order. */
  readonly notStarted: readonly number[];
}

/**
 * Runs `run` for every item once its dependencies have finished, at most `parallelism`
 * at a time, starting ready items in index order. After `run` rejects, or once
 * `shouldStop()` says so, nothing new starts; the items in flight are awaited.
 *
 * Linear in the number of items and dependencies: each item counts its unfinished
 * dependencies, a finishing item counts down those of its dependents, and the ready ones
 * wait in a min-heap by index (a plan of 10,000 steps must not rescan 10,000 items each
 * time one finishes).
 */
export async function schedule(
  items: readonly WorkItem[],
  parallelism: number,
  run: (item: WorkItem) => Promise<void>,
  shouldStop: () => boolean,
): Promise<ScheduleOutcome> {
  const limit = Math.max(1, Math.floor(parallelism));
  const slot = new Map<number, number>(items.map((item, i) => [item.index, i]));
  const waitingFor = new Array<number>(items.length).fill(0);
  const dependents: number[][] = items.map(() => []);
  const ready = new MinHeap();
  items.forEach((item, i) => {
    for (const d of item.deps) {
      const j = slot.get(d);
      // A dependency that is not among the items never finishes: the item never starts.
      waitingFor[i]++;
      if (j !== undefined) dependents[j]!.push(i);
    }
    if (waitingFor[i] === 0) ready.push(i);
  });
  const started = new Array<boolean>(items.length).fill(false);
  const running = new Map<number, Promise<number>>();
  let failed = false;
  const startReady = (): void => {
    while (running.size < limit && ready.size > 0) {
      if (failed || shouldStop()) return;
      const i = ready.pop();
      const item = items[i]!;
      started[i] = true;
      running.set(
        i,
        run(item).then(
          () => {
            for (const k of dependents[i]!) if (--waitingFor[k]! === 0) ready.push(k);
            return i;
          },
          () => {
            failed = true;
            return i;
          },
        ),
      );
    }
  };
  startReady();
  while (running.size > 0) {
    const finished = await Promise.race(running.values());
    running.delete(finished);
    startReady();
  }
  return { notStarted: items.filter((_, i) => !started[i]).map((item) => item.index) };
}

/** A binary min-heap of non-negative integers (item slots), for index-order starts. */
class MinHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(x: number): void {
    const a = this.a;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= x) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
