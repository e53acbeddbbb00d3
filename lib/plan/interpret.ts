// Interpretation: runs a package's Starlark and collects the instruction list. This is
// the glue between the package (lib/package: where files are) and the plan module
// (types, the `plan` object, the recorder): it sets up the predeclared environment every
// module sees (Kurtosis's types, json, struct, time, import_module, read_file, print),
// executes main.star, calls `run` the way Kurtosis does (the plan first; then either the
// whole args dict as `args`, or each key as a keyword argument), and turns every Starlark
// error into a Problem at the package position where it happened. Nothing here touches a
// container engine or the state.
import {
  Dict,
  EvalError,
  KURTOSIS_DIALECT,
  Module,
  StarlarkFunction,
  StarlarkResolveError,
  StarlarkSyntaxError,
  Thread,
  call,
  defineBuiltin,
  encodeJSON,
  execFile,
  fail,
  fromUtf8,
  json,
  optional,
  ArgError,
  type ArgType,
  type ProgramCache,
  structBuiltin,
  t,
  time,
  toJS,
  toUnicode,
  str,
  typeName,
  type CallFrame,
  type JsValue,
  type Value,
} from '../starlark/index.js';
import { isDownloadUrl, type ModuleRef, type Workspace } from '../package/index.js';
import { UserError } from '../util/errors.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import type { PackageFiles, PackageFile, PackageTree } from './host.js';
import type { Instruction, Problem, SourcePosition, StackFrame } from '../instructions/index.js';
import { Recorder, type EnclaveContents } from './recorder.js';
import { createPlanObject, globalPrint } from './plan-object.js';
import type { OverrideSpec } from './override.js';
import { kurtosisTypes } from './types/index.js';
import { packageArgsValue } from './package-args.js';

export interface InterpretOptions {
  /** Stop a runaway package after this many Starlark steps (0: no limit). */
  readonly maxSteps?: number;
  /** What earlier applies left in the enclave (get_service, get_services, set_service see it). */
  readonly enclave?: EnclaveContents;
  /** The user's opt-in to privileged settings (`--privileged`). */
  readonly allowPrivileged?: boolean;
  /** What plan.get_cluster_type() answers: the runtime the plan is for (default docker). */
  readonly clusterType?: string;
  /** The main file's function to call (`--main-function-name`); default run. */
  readonly mainFunction?: string;
  /**
   * Polled every few thousand Starlark steps (loop iterations and calls); once it says
   * true, interpretation stops with a problem at the Starlark position it had reached and
   * the result says `interrupted` (lib/plan/interpret-worker.ts sets it on Ctrl-C).
   */
  readonly interrupted?: () => boolean;
  /** `plan --override FILE` (lib/plan/override.ts). */
  readonly override?: OverrideSpec;
  /** Compiled modules kept between runs (lib/plan/program-cache-dir.ts); saved when interpretation ends. */
  readonly programCache?: ProgramCache;
}

/** The message of the problem an interruption leaves (its position is where the package was). */
const INTERRUPTED_MESSAGE = 'interrupted';

export interface InterpretResult {
  readonly instructions: readonly Instruction[];
  /** Interpretation errors; when non-empty the instruction list is incomplete. */
  readonly problems: readonly Problem[];
  /** What run() returned, as JSON, future references left in place. */
  readonly outputs: JsonValue;
  /** File contents the instructions refer to by digest. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Digest over every source and static file read (display path + content). */
  readonly sourcesDigest: string;
  readonly warnings: readonly string[];
  /** Set when `interrupted()` stopped the run (problems then hold its position). */
  readonly interrupted?: true;
}

/** A non-empty string (Kurtosis's description validator). */
const DESCRIPTION_TEXT: ArgType<string> = {
  want: 'string',
  accepts: (v) => typeof v === 'string',
  convert: (v) => {
    if ((v as string).length === 0) throw new ArgError('must be a non-empty string');
    return toUnicode(v as string);
  },
};

interface LoadedModule {
  state: 'loading' | 'done' | 'failed';
  module?: Module;
  error?: unknown;
}

/** Interprets the workspace's main package with the given arguments. */
export function interpretPackage(ws: Workspace, args: JsonObject, options: InterpretOptions = {}): InterpretResult {
  const recorder = new Recorder();
  if (options.enclave !== undefined) recorder.seed(options.enclave);
  const problems: Problem[] = [];
  const warnings: string[] = ws.warnings.map((w) => w.message);
  const refs = new Map<string, ModuleRef>([[ws.main.display, ws.main]]);
  const modules = new Map<string, LoadedModule>();

  const moduleOf = (display: string): ModuleRef => refs.get(display) ?? ws.main;
  // `anyFile`: read_file and upload_files may name a file of a repository without kurtosis.yml.
  const resolve = (locator: string, fromDisplay: string, anyFile = false): ModuleRef => {
    const ref = ws.resolve(locator, moduleOf(fromDisplay), { anyFile });
    if (ref.warning) warnings.push(ref.warning);
    refs.set(ref.display, ref);
    return ref;
  };
  const files: PackageFiles = {
    readFile(locator: string, fromModule: string): PackageFile {
      const ref = resolve(locator, fromModule, true);
      return { display: ref.display, content: ws.read(ref) };
    },
    readTree(locator: string, fromModule: string): PackageTree {
      if (isDownloadUrl(locator)) {
        const got = ws.downloadFile(locator);
        return { display: got.display, isDirectory: false, files: [{ path: got.file.path, content: got.file.bytes }] };
      }
      const ref = resolve(locator, fromModule, true);
      const entries = ws.readFiles(ref);
      return {
        display: ref.display,
        isDirectory: ref.kind === 'directory',
        files: entries.map((f) => ({ path: f.path, content: f.bytes })),
      };
    },
  };

  const base = new Map<string, Value>(kurtosisTypes());
  base.set('json', json);
  base.set('struct', structBuiltin);
  base.set('time', time);
  base.set('kurtosis', new Module('kurtosis', {}));
  base.set('print', globalPrint(recorder));

  const thread = new Thread();
  thread.name = 'plan';
  thread.maxSteps = options.maxSteps ?? 0;
  let interrupted = false;
  const isInterrupted = options.interrupted;
  if (isInterrupted !== undefined) {
    thread.poll = () => {
      if (!interrupted && isInterrupted()) {
        interrupted = true;
        fail(INTERRUPTED_MESSAGE);
      }
    };
  }
  thread.print = () => {};
  thread.load = () => fail('load() is not available in Kurtosis packages: use `module = import_module("path/to/file.star")` and then `module.name`');

  /** The display path of the module whose code is calling a builtin right now. */
  const callerModule = (th: Thread): string => {
    const stack = th.callStack();
    return stack.length > 0 ? stack[stack.length - 1].file : ws.main.display;
  };

  const programCache = options.programCache;
  const execModule = (ref: ModuleRef): Map<string, Value> => {
    const src = ws.readText(ref);
    return execFile(thread, ref.display, src, { predeclared: predeclaredFor(), dialect: KURTOSIS_DIALECT, ...(programCache ? { cache: programCache } : {}) });
  };

  // Both take Kurtosis's `description` (every builtin of its framework does); it labels nothing here.
  const description = optional(DESCRIPTION_TEXT);
  const importModule = defineBuiltin('import_module', { module_file: t.text, description }, (a, ctx) => {
    const ref = hostCall(() => resolve(a.module_file, callerModule(ctx.thread)));
    const key = ref.abs;
    const known = modules.get(key);
    if (known?.state === 'loading') fail(`There's a cycle in the import_module calls: ${ref.display} is imported while it is being loaded`);
    if (known?.state === 'failed') throw known.error;
    if (known?.state === 'done') return known.module!;
    const entry: LoadedModule = { state: 'loading' };
    modules.set(key, entry);
    try {
      const globals = hostCall(() => execModule(ref));
      entry.module = new Module(fromUtf8(ref.display), Object.fromEntries(globals));
      entry.state = 'done';
      return entry.module;
    } catch (e) {
      entry.state = 'failed';
      entry.error = e;
      throw e;
    }
  });

  const readFile = defineBuiltin('read_file', { src: t.text, description }, (a, ctx) => {
    const file = hostCall(() => files.readFile(a.src, callerModule(ctx.thread)));
    return file.content.toString('latin1');
  });

  const planObject = createPlanObject(recorder, files, {
    allowPrivileged: options.allowPrivileged,
    ...(options.clusterType !== undefined ? { clusterType: options.clusterType } : {}),
    ...(options.override ? { override: options.override } : {}),
  });

  function predeclaredFor(): Map<string, Value> {
    const env = new Map(base);
    env.set('import_module', importModule);
    env.set('read_file', readFile);
    return env;
  }

  let outputs: JsonValue = null;
  try {
    const globals = execModule(ws.main);
    const mainName = options.mainFunction === undefined || options.mainFunction === '' ? 'run' : options.mainFunction;
    const run = globals.get(mainName);
    if (run === undefined) {
      throw new UserError(
        mainName === 'run'
          ? `No 'run' function found in ${ws.main.display}; a package's main file must define run(plan, ...) (or run(plan, args))`
          : `No function '${mainName}' found in ${ws.main.display} (--main-function-name)`,
        { location: { file: ws.main.display } },
      );
    }
    if (!(run instanceof StarlarkFunction)) {
      throw new UserError(`'${mainName}' in ${ws.main.display} is a ${typeName(run)}, not a function`, { location: { file: ws.main.display } });
    }
    const result = callRun(thread, run, planObject, args, ws.main.display, mainName === 'run');
    outputs = toJS(result, outputFallback) as JsonValue;
  } catch (e) {
    for (const problem of toProblems(e, ws.main.display)) {
      problems.push(isStepLimit(e, thread) ? { ...problem, message: stepLimitMessage(thread.maxSteps) } : problem);
    }
  }

  programCache?.save();
  return {
    instructions: recorder.instructions,
    problems: interrupted ? problems : [...problems, ...recorder.problems],
    outputs,
    files: recorder.files,
    sourcesDigest: ws.sourcesDigest(),
    warnings: [...warnings, ...recorder.warnings.map((w) => `${w.position.file}:${w.position.line}:${w.position.col}: ${w.message}`)],
    ...(interrupted ? { interrupted: true as const } : {}),
  };
}

/** The step limit a plan runs with unless --max-steps or STARFORM_MAX_STEPS says otherwise. */
export const DEFAULT_MAX_STEPS = 100_000_000;

function isStepLimit(e: unknown, thread: Thread): boolean {
  return (
    e instanceof EvalError && thread.maxSteps > 0 && thread.steps >= thread.maxSteps - 1 && e.msg.startsWith('Starlark computation cancelled: too many steps')
  );
}

function stepLimitMessage(limit: number): string {
  return (
    `the package did not finish within ${limit.toLocaleString('en-US')} Starlark steps (loop iterations and calls): a loop that never ends?` +
    ` If it really needs more, raise the limit with --max-steps N or STARFORM_MAX_STEPS=N (0: no limit)`
  );
}

/** Runs host code (file access) inside a builtin: a user's mistake becomes a Starlark error here. */
function hostCall<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UserError) fail(fromUtf8(e.message));
    throw e;
  }
}

/** Calls run() as Kurtosis does. */
function callRun(thread: Thread, run: StarlarkFunction, plan: Value, args: JsonObject, mainFile: string, isDefault: boolean): Value {
  const params = run.paramNames;
  const positional: Value[] = [];
  let rest = params;
  // Kurtosis passes the plan when the first parameter is called plan, and insists on it for
  // run() only; the whole-dict `args` form is for run() only too.
  if (params.length > 0 && (params[0] === 'plan' || isDefault)) {
    if (params[0] !== 'plan') {
      throw new UserError(`the first parameter of run() must be called 'plan', got '${params[0]}'`, {
        location: { file: run.position().file, line: run.position().line, col: run.position().col },
      });
    }
    positional.push(plan);
    rest = params.slice(1);
  }
  const argsValue = packageArgsValue(args, mainFile);
  if (isDefault && rest.length === 1 && rest[0] === 'args') {
    positional.push(argsValue);
    return call(thread, run, positional, null);
  }
  if (params.length === 0 && Object.keys(args).length > 0) {
    throw new UserError(`run() in ${mainFile} takes no arguments, but arguments were given: ${Object.keys(args).join(', ')}`, {
      location: { file: mainFile },
    });
  }
  const pos = run.position();
  const location = { file: pos.file, line: pos.line, col: pos.col };
  if (!(argsValue instanceof Dict)) {
    throw new UserError(`the package arguments are a struct ("_kurtosis_parser": "struct"), which only run(plan, args) can take`, { location });
  }
  const accepted = rest.slice(0, rest.length - (run.code.hasVarargs ? 1 : 0) - (run.code.hasKwargs ? 1 : 0));
  if (!run.code.hasKwargs) {
    const unknown = Object.keys(args).filter((k) => !accepted.includes(k));
    if (unknown.length > 0) {
      throw new UserError(
        `run() has no parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}` +
          ` (it takes: ${accepted.length > 0 ? accepted.join(', ') : 'only plan'})`,
        { location },
      );
    }
  }
  const kwargs: Value[] = [];
  for (const [k, v] of argsValue.items()) kwargs.push(k, v);
  return call(thread, run, positional, kwargs.length > 0 ? kwargs : null);
}

/** run()'s result may hold structs and Kurtosis values: what json.encode makes of them, else str(). */
function outputFallback(v: Value): JsValue {
  try {
    return JSON.parse(toUnicode(encodeJSON(v))) as JsValue;
  } catch {
    return toUnicode(str(v));
  }
}

/** Turns what interpretation threw into problems at package positions. */
function toProblems(e: unknown, mainFile = 'main.star'): Problem[] {
  if (e instanceof StarlarkSyntaxError) {
    const position = { file: e.file, line: e.pos.line, col: e.pos.col };
    return [{ message: e.msg, position, stack: [{ ...position, function: '<toplevel>' }] }];
  }
  if (e instanceof StarlarkResolveError) {
    return e.problems.map((p) => {
      const position = { file: e.file, line: p.pos.line, col: p.pos.col };
      return { message: p.msg, position, stack: [{ ...position, function: '<toplevel>' }] };
    });
  }
  if (e instanceof EvalError) {
    const frames = [...e.callStack].reverse().filter((f) => f.file !== '<builtin>');
    const stack: StackFrame[] = frames.map(frameOf);
    const position: SourcePosition = stack.length > 0 ? positionOf(stack[stack.length - 1]) : { file: mainFile, line: 0, col: 0 };
    const builtin = e.callStack.length > 0 && e.callStack[0].file === '<builtin>' ? e.callStack[0].name : undefined;
    const message = builtin === 'fail' ? e.msg.replace(/^fail: /, '') : e.msg;
    return [{ message, position, stack }];
  }
  if (e instanceof UserError) {
    const loc = e.location;
    const position = { file: loc?.file ?? '<package>', line: loc?.line ?? 0, col: loc?.col ?? 0 };
    return [{ message: e.detail, position, stack: [] }];
  }
  throw e;
}

function frameOf(f: CallFrame): StackFrame {
  return { file: f.file, line: f.line, col: f.col, function: f.name };
}

function positionOf(f: StackFrame): SourcePosition {
  return { file: f.file, line: f.line, col: f.col };
}
