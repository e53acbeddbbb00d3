// The evaluator's run-time support: Starlark function values and argument binding, the
// call protocol with backtraces, and the `rt` object that compiled code (compiler.ts)
// calls into. Executing a file = parse → resolve → compile → run the top level with a
// fresh globals array, then freeze the globals, as the reference does.
import type { DialectOptions } from './ast.js';
import { parse } from './parser.js';
import { resolveFile } from './resolver.js';
import { compileFile, type CompiledModule, type FactoryMaker, type FunctionCode } from './compiler.js';
import * as ops from './operators.js';
import './methods.js'; // registers the methods of str, list, dict and set
import {
  Builtin,
  Callable,
  Dict,
  EvalError,
  List,
  StarSet,
  StarlarkObject,
  type Thread,
  decodePos,
  fail,
  freeze,
  getAttr,
  isIterable,
  iterate,
  nearest,
  NoSuchAttrError,
  repr,
  truth,
  typeName,
  type CallFrame,
  type KwArgs,
  type Value,
} from './values.js';

/** Marks a keyword-only parameter without a default. */
const MANDATORY: unique symbol = Symbol('mandatory');
type Default = Value | typeof MANDATORY;

/** A function defined in Starlark (def or lambda). */
export class StarlarkFunction extends Callable {
  constructor(
    readonly code: FunctionCode,
    readonly defaults: Default[],
    readonly impl: (thread: Thread, args: Value[]) => Value,
    /** Freezes the variables the closure captured (generated with the function). */
    private readonly freezeCaptured: (() => void) | null = null,
  ) {
    super();
  }
  get name(): string {
    return this.code.name;
  }
  override repr(out: string[]): void {
    out.push(`<function ${this.code.name}>`);
  }
  override position(): CallFrame {
    return { name: this.code.name, file: this.code.file, line: this.code.line, col: this.code.col };
  }
  override freeze(): void {
    for (const d of this.defaults) if (d !== MANDATORY) freeze(d);
    if (this.freezeCaptured !== null) this.freezeCaptured();
  }
  /** Parameter names in order (for host code that inspects `run`'s signature). */
  get paramNames(): readonly string[] {
    return this.code.paramNames;
  }
  callInternal(thread: Thread, args: Value[], kwargs: KwArgs | null): Value {
    const code = this.code;
    const locals = kwargs === null && code.simple && args.length === code.paramNames.length ? args : bindArgs(this, args, kwargs);
    if (code.active > 0 && !thread.allowRecursion) fail(`function ${code.name} called recursively`);
    if (++thread.depth > thread.maxDepth) {
      thread.depth--;
      fail('stack overflow: too many nested calls');
    }
    if (++thread.steps === thread.stepLimit) stepCheckpoint(thread);
    code.active++;
    thread.frames.push(code);
    thread.framePos.push(0);
    try {
      return this.impl(thread, locals);
    } finally {
      code.active--;
      thread.depth--;
      thread.frames.pop();
      thread.framePos.pop();
    }
  }
}

/** Binds actual arguments to parameters with the reference's rules and messages. */
function bindArgs(fn: StarlarkFunction, args: Value[], kwargs: KwArgs | null): Value[] {
  const code = fn.code;
  const name = code.name;
  const total = code.paramNames.length;
  const nkw = kwargs === null ? 0 : kwargs.length / 2;
  if (total === 0) {
    if (args.length + nkw > 0) fail(`function ${name} accepts no arguments (${args.length + nkw} given)`);
    return [];
  }
  const locals: (Value | undefined)[] = new Array(total).fill(undefined);
  let nparams = total;
  let kwdict: Dict | null = null;
  if (code.hasKwargs) {
    nparams--;
    kwdict = new Dict();
    locals[nparams] = kwdict;
  }
  if (code.hasVarargs) nparams--;
  const nonkwonly = nparams - code.numKwonly;
  let n = args.length;
  if (n > nonkwonly) {
    if (!code.hasVarargs) {
      const atMost = fn.defaults.length > code.numKwonly ? 'at most ' : '';
      fail(`function ${name} accepts ${atMost}${nonkwonly} positional argument${nonkwonly === 1 ? '' : 's'} (${args.length} given)`);
    }
    n = nonkwonly;
  }
  for (let i = 0; i < n; i++) locals[i] = args[i];
  if (code.hasVarargs) locals[nparams] = args.slice(n);
  if (kwargs !== null) {
    for (let j = 0; j < kwargs.length; j += 2) {
      const k = kwargs[j] as string;
      const v = kwargs[j + 1];
      const i = code.paramNames.indexOf(k);
      if (i >= 0 && i < nparams) {
        if (locals[i] !== undefined) fail(`function ${name} got multiple values for parameter ${repr(k)}`);
        locals[i] = v;
        continue;
      }
      if (kwdict === null) fail(`function ${name} got an unexpected keyword argument ${repr(k)}`);
      const before = kwdict.size;
      kwdict.setUnchecked(k, v);
      if (kwdict.size === before) fail(`function ${name} got multiple values for parameter ${repr(k)}`);
    }
  }
  if (n < nparams || code.numKwonly > 0) {
    const m = nparams - fn.defaults.length;
    const missing: string[] = [];
    let i = n;
    for (; i < m; i++) if (locals[i] === undefined) missing.push(code.paramNames[i]);
    for (; i < nparams; i++) {
      if (locals[i] === undefined) {
        const d = fn.defaults[i - m];
        if (d === MANDATORY) {
          missing.push(code.paramNames[i]);
          continue;
        }
        locals[i] = d;
      }
    }
    if (missing.length > 0) {
      fail(`function ${name} missing ${missing.length} argument${missing.length > 1 ? 's' : ''} (${missing.join(', ')})`);
    }
  }
  return locals as Value[];
}

// ---- the call protocol ------------------------------------------------------------------

function call(thread: Thread, f: Value, args: Value[], kwargs: KwArgs | null, pos = 0): Value {
  const fp = thread.framePos;
  if (fp.length > 0) fp[fp.length - 1] = pos;
  if (f instanceof StarlarkFunction) return f.callInternal(thread, args, kwargs);
  if (f instanceof Builtin) {
    try {
      return f.impl(thread, f, args, kwargs);
    } catch (e) {
      throw builtinFrame(e, f.name);
    }
  }
  if (f instanceof Callable) return f.callInternal(thread, args, kwargs);
  return fail(`invalid call of non-function (${typeName(f)})`);
}

function builtinFrame(e: unknown, name: string): unknown {
  const err = asEvalError(e);
  if (err === null) return e;
  err.callStack.push({ name, file: '<builtin>', line: 0, col: 0 });
  return err;
}

function callStar(thread: Thread, f: Value, args: Value[], kwargs: KwArgs | null, star: Value | undefined, starstar: Value | undefined, pos = 0): Value {
  if (star !== undefined) {
    if (!isIterable(star)) fail(`argument after * must be iterable, not ${typeName(star)}`);
    const it = iterate(star);
    try {
      for (let v = it.next(); v !== undefined; v = it.next()) args.push(v);
    } finally {
      it.done();
    }
  }
  if (starstar !== undefined) {
    if (!(starstar instanceof Dict)) fail(`argument after ** must be a mapping, not ${typeName(starstar)}`);
    const kw: Value[] = kwargs === null ? [] : kwargs;
    for (const [k, v] of starstar.items()) {
      if (typeof k !== 'string') fail(`keywords must be strings, not ${typeName(k)}`);
      kw.push(k, v);
    }
    kwargs = kw;
  }
  return call(thread, f, args, kwargs, pos);
}

function asEvalError(e: unknown): EvalError | null {
  if (e instanceof EvalError) return e;
  if (e instanceof RangeError) {
    if (/call stack/i.test(e.message)) return new EvalError('stack overflow');
    if (/string length|array length|Invalid typed array/i.test(e.message)) return new EvalError(`out of memory: ${e.message}`);
  }
  return null;
}

/** Records a Starlark frame on an error unwinding through a function (or the top level). */
function frame(e: unknown, p: number, name: string, file: string): unknown {
  const err = asEvalError(e);
  if (err === null) return e;
  const { line, col } = decodePos(p);
  err.callStack.push({ name, file, line, col });
  return err;
}

// ---- the rt object compiled code uses ---------------------------------------------------------

function makeFunction(
  code: FunctionCode,
  defaults: Default[],
  impl: (thread: Thread, args: Value[]) => Value,
  freezeCaptured: (() => void) | null = null,
): StarlarkFunction {
  return new StarlarkFunction(code, defaults, impl, freezeCaptured);
}

function freezeIfSet(v: Value | undefined): void {
  if (v !== undefined) freeze(v);
}

function inplaceAdd(x: Value, y: Value): Value {
  if (x instanceof List && isIterable(y)) {
    x.checkMutable('apply += to');
    const it = iterate(y);
    try {
      for (let v = it.next(); v !== undefined; v = it.next()) x.elems.push(v);
    } finally {
      it.done();
    }
    return x;
  }
  return ops.add(x, y);
}

function setField(x: Value, name: string, v: Value): void {
  if (x instanceof StarlarkObject) {
    try {
      x.setField(name, v);
    } catch (e) {
      if (e instanceof NoSuchAttrError) {
        const n = nearest(name, x.attrNames());
        if (n !== undefined) throw new EvalError(`${e.msg} (did you mean .${n}?)`);
      }
      throw e;
    }
    return;
  }
  fail(`can't assign to .${name} field of ${typeName(x)}`);
}

function load(thread: Thread, module: string): Map<string, Value> {
  if (thread.load === null) fail('load not implemented by this application');
  return thread.load(thread, module);
}

function loadName(globals: Map<string, Value>, name: string, module: string): Value {
  const v = globals.get(name);
  if (v === undefined) {
    const suggestion = nearest(name, [...globals.keys()]);
    fail(`load: name ${name} not found in module ${module}${suggestion !== undefined ? ` (did you mean ${suggestion}?)` : ''}`);
  }
  return v;
}

function dictPut(d: Dict, k: Value, v: Value): void {
  const before = d.size;
  d.setUnchecked(k, v);
  if (d.size === before) fail(`duplicate key: ${repr(k)}`);
}

/**
 * Reached when `steps` hits `stepLimit`: ends the run at maxSteps, else gives the host's
 * poll hook its turn (it may throw to interrupt) and sets the next checkpoint. Compiled
 * code pays one increment and compare per loop iteration or call, whatever is armed.
 */
function stepCheckpoint(thread: Thread): void {
  if (thread.maxSteps > 0 && thread.steps >= thread.maxSteps) {
    thread.steps--;
    fail(`Starlark computation cancelled: too many steps (limit ${thread.maxSteps})`);
  }
  if (thread.poll !== null) thread.poll(thread);
  thread.stepLimit = nextStepLimit(thread);
}

/** The next checkpoint: the next poll or maxSteps, whichever comes first; -1 for none. */
function nextStepLimit(thread: Thread): number {
  const max = thread.maxSteps > 0 ? thread.maxSteps : -1;
  if (thread.poll === null) return max;
  const next = thread.steps + Math.max(1, thread.pollSteps);
  return max === -1 || next < max ? next : max;
}

const rt = {
  ...ops,
  truth,
  iterate,
  List,
  Dict,
  StarSet,
  MANDATORY,
  call,
  callStar,
  makeFunction,
  freezeIfSet,
  dictPut,
  inplaceAdd,
  getAttr,
  setField,
  load,
  loadName,
  frame,
  tooManySteps: stepCheckpoint,
  unboundGlobal: (name: string): never => fail(`global variable ${name} referenced before assignment`),
  unboundLocal: (name: string): never => fail(`local variable ${name} referenced before assignment`),
  undefinedName: (name: string): never => fail(`undefined: ${name}`),
};

// ---- executing a file ---------------------------------------------------------------------------

export interface Program {
  readonly compiled: CompiledModule;
  /** Runs the top level; returns the module's globals (frozen). */
  run(thread: Thread, predeclared: ReadonlyMap<string, Value>, universe: ReadonlyMap<string, Value>): Map<string, Value>;
}

/** Parses, resolves and compiles a file (throws syntax and resolve errors). */
export function compileProgram(
  filename: string,
  src: string,
  isPredeclared: (name: string) => boolean,
  universe: ReadonlyMap<string, Value>,
  dialect: DialectOptions,
): Program {
  return programOf(compileModule(filename, src, isPredeclared, universe, dialect), filename, dialect);
}

/** The front end: parse, resolve and generate code (throws the syntax and resolve errors). */
export function compileModule(
  filename: string,
  src: string,
  isPredeclared: (name: string) => boolean,
  universe: ReadonlyMap<string, Value>,
  dialect: DialectOptions,
  makeFactory?: FactoryMaker,
): CompiledModule {
  const file = parse(filename, src);
  resolveFile(file, isPredeclared, (n) => universe.has(n), dialect);
  const compiled = compileFile(file, makeFactory);
  if (process.env.STARFORM_DUMP_JS) process.stderr.write(`// ${filename}\n${compiled.source}\n`);
  return compiled;
}

/** A compiled module, fresh or from the program cache, ready to run. */
export function programOf(compiled: CompiledModule, filename: string, dialect: DialectOptions): Program {
  return {
    compiled,
    run(thread, predeclared, universeValues) {
      const U = compiled.universalNames.map((n) => universeValues.get(n));
      const P = compiled.predeclaredNames.map((n) => predeclared.get(n));
      const toplevel = compiled.factory(rt, compiled.constants, compiled.functions, U, P) as (t: Thread, g: Value[]) => void;
      const G: (Value | undefined)[] = new Array(compiled.globalNames.length).fill(undefined);
      thread.allowRecursion = dialect.recursion === true;
      thread.stepLimit = nextStepLimit(thread);
      thread.frames.push({ name: '<toplevel>', file: filename });
      thread.framePos.push(0);
      try {
        toplevel(thread, G as Value[]);
      } finally {
        thread.frames.pop();
        thread.framePos.pop();
      }
      const globals = new Map<string, Value>();
      compiled.globalNames.forEach((name, i) => {
        const v = G[i];
        if (v !== undefined) {
          freeze(v);
          globals.set(name, v);
        }
      });
      return globals;
    },
  };
}
