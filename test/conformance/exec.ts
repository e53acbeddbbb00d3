// The evaluator hook of the conformance suite: runs one chunk of a reference test file the
// way go.starlark.net's eval_test.go does — `hasfields`, `fibonacci` and `struct`
// predeclared, `load("assert.star", ...)` giving the reference's own assert.star module
// (run by our interpreter with its host built-ins error/catch/matches/module/_freeze) —
// and returns the error line the way the reference's chunk checker sees it: the innermost
// frame of the backtrace that lies in the test file. Assertion failures reported through
// `error(...)` do not stop the chunk (as in Go's t.Error); they are collected and thrown
// at the end, which fails the chunk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Builtin,
  EvalError,
  FULL_DIALECT,
  List,
  NoSuchAttrError,
  StarlarkObject,
  Struct,
  Thread,
  call,
  execFile,
  fail,
  freeze,
  moduleBuiltin,
  structBuiltin,
  json,
  str,
  toUnicode,
  type CompareOp,
  type DialectOptions,
  type HashKey,
  type Value,
  type ValueIterator,
} from '../../lib/starlark/index.js';
import { goRegExp } from './goregexp.js';
import { findReferenceRoot as referenceRoot } from './suites.js';

class AssertionFailures extends Error {
  constructor(readonly failures: string[]) {
    super(`assertion failed: ${failures.join('; ')}`);
    this.name = 'AssertionFailures';
  }
}

/** The reference test's `hasfields`: any field may be set; list + hasfields is 42. */
class HasFields extends StarlarkObject {
  private readonly attrs = new Map<string, Value>();
  private frozen = false;
  get typeName(): string {
    return 'hasfields';
  }
  override repr(out: string[]): void {
    out.push('hasfields');
  }
  override hashKey(): HashKey {
    return this;
  }
  override freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    for (const v of this.attrs.values()) freeze(v);
  }
  override attr(name: string): Value | undefined {
    return this.attrs.get(name);
  }
  override attrNames(): string[] {
    return [...this.attrs.keys()].sort();
  }
  override setField(name: string, v: Value): void {
    if (this.frozen) fail('cannot set field on a frozen hasfields');
    if (name.startsWith('no')) throw new NoSuchAttrError(`no .${name} field`);
    this.attrs.set(name, v);
  }
  override binary(op: string, y: Value): Value | undefined {
    if (op === '+' && y instanceof List) return 42;
    return undefined;
  }
  override compareSameType(op: CompareOp, y: StarlarkObject): boolean {
    if (op === '==') return this === y;
    if (op === '!=') return this !== y;
    return fail(`hasfields ${op} hasfields not implemented`);
  }
}

/** The reference struct test's `gensym(name)`: a symbol that brands the structs it makes. */
class Symbol_ extends Builtin {
  constructor(readonly symbolName: string) {
    super(symbolName, (_t, _f, args, kwargs) => {
      if (args.length > 0) fail(`${symbolName}: unexpected positional arguments`);
      return Struct.fromKeywords(this, kwargs);
    });
  }
  override get typeName(): string {
    return 'symbol';
  }
  override repr(out: string[]): void {
    out.push(this.symbolName);
  }
  override hashKey(): HashKey {
    return fail(`unhashable: symbol`);
  }
}

/** The reference test's `fibonacci`: an infinite iterable. */
class Fib extends StarlarkObject {
  get typeName(): string {
    return 'fib';
  }
  override repr(out: string[]): void {
    out.push('fib');
  }
  override hashKey(): HashKey {
    return fail('fib is unhashable');
  }
  override iterate(): ValueIterator {
    let x = 0;
    let y = 1;
    return {
      next: () => {
        const r = x;
        [x, y] = [y, x + y];
        return r;
      },
      done: () => {},
    };
  }
}

let assertModule: Map<string, Value> | undefined;
let failures: string[] = [];

function loadAssert(): Map<string, Value> {
  if (assertModule) return assertModule;
  const root = referenceRoot();
  if (!root) throw new Error('golang-starlark-dev is not installed');
  const filename = join(root, 'starlarktest', 'assert.star');
  const predeclared = new Map<string, Value>([
    [
      'error',
      new Builtin('error', (thread, _f, args) => {
        if (args.length !== 1) fail(`error: got ${args.length} arguments, want 1`);
        const where = thread
          .callStack()
          .slice(0, -1)
          .map((f) => `${f.file}:${f.line}:${f.col}: in ${f.name}`)
          .join(' < ');
        failures.push(`${toUnicode(str(args[0]))} (${where})`);
        return null;
      }),
    ],
    [
      'catch',
      new Builtin('catch', (thread, _f, args) => {
        if (args.length !== 1) fail(`catch: got ${args.length} arguments, want 1`);
        try {
          call(thread, args[0], []);
        } catch (e) {
          if (e instanceof EvalError) return e.msg;
          throw e;
        }
        return null;
      }),
    ],
    [
      'matches',
      new Builtin('matches', (_t, _f, args) => {
        if (args.length !== 2 || typeof args[0] !== 'string' || typeof args[1] !== 'string') fail('matches: want (pattern, str)');
        return goRegExp(toUnicode(args[0] as string)).test(toUnicode(args[1] as string));
      }),
    ],
    ['module', moduleBuiltin],
    [
      '_freeze',
      new Builtin('freeze', (_t, _f, args) => {
        if (args.length !== 1) fail(`freeze got ${args.length} arguments, wants 1`);
        freeze(args[0]);
        return args[0];
      }),
    ],
  ]);
  assertModule = execFile(new Thread(), filename, readFileSync(filename, 'utf8'), { predeclared, dialect: FULL_DIALECT });
  return assertModule;
}

export function runChunk(filename: string, src: string, options: DialectOptions): { line: number; msg: string } | null {
  failures = [];
  const thread = new Thread();
  thread.load = (_t, module) => {
    if (module === 'assert.star') return loadAssert();
    if (module === 'json.star') return new Map<string, Value>([['json', json]]);
    return fail(`load: cannot load ${module} in the conformance suite`);
  };
  const predeclared = new Map<string, Value>([
    [
      'hasfields',
      new Builtin('hasfields', (_t, f, args, kw) => {
        if (args.length + (kw ? kw.length : 0) > 0) fail(`${f.name}: unexpected arguments`);
        return new HasFields();
      }),
    ],
    ['fibonacci', new Fib()],
    ['struct', structBuiltin],
    [
      'gensym',
      new Builtin('gensym', (_t, _f, args, kw) => {
        const name = args.length === 1 ? args[0] : kw !== null && kw.length === 2 && kw[0] === 'name' ? kw[1] : undefined;
        if (typeof name !== 'string') fail('gensym: missing argument for name');
        return new Symbol_(name);
      }),
    ],
  ]);
  let result: { line: number; msg: string } | null = null;
  try {
    execFile(thread, filename, src, { predeclared, dialect: options });
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    const frame = e.callStack.find((f) => f.file === filename);
    if (!frame) throw new Error(`error outside the test file: ${e.backtrace()}`);
    result = { line: frame.line, msg: e.msg };
  }
  if (failures.length > 0) throw new AssertionFailures(failures);
  return result;
}
