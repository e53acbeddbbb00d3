// Tests of the evaluator through the public embedding API: control flow, closures,
// argument binding, backtraces, dialect options at run time, freezing, load and the
// step limit. Language details are covered by the reference's conformance suite.
import assert from 'node:assert/strict';
import {
  Builtin,
  EvalError,
  FULL_DIALECT,
  StarlarkFunction,
  StarlarkResolveError,
  StarlarkSyntaxError,
  Thread,
  call,
  fail,
  execFile,
  repr,
  toJS,
  toStarlark,
  type Value,
} from '../../lib/starlark/index.js';

function run(src: string, options: Parameters<typeof execFile>[3] = {}): { globals: Map<string, Value>; printed: string[] } {
  const printed: string[] = [];
  const thread = new Thread();
  thread.print = (_t, msg) => printed.push(msg);
  const globals = execFile(thread, 'test.star', src, options);
  return { globals, printed };
}

function evalError(src: string, options: Parameters<typeof execFile>[3] = {}): EvalError {
  try {
    run(src, options);
  } catch (e) {
    if (e instanceof EvalError) return e;
    throw e;
  }
  assert.fail('expected an EvalError');
}

describe('starlark evaluator', () => {
  it('runs control flow, comprehensions and closures', () => {
    const { globals } = run(`
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a

def counter():
    n = [0]
    def inc(by = 1):
        n[0] += by
        return n[0]
    return inc

c = counter()
c()
c(by = 5)
evens = [x * x for x in range(10) if x % 2 == 0]
pairs = {k: v for k, v in [("a", 1), ("b", 2)]}
nested = [(i, j) for i in range(3) for j in range(i)]
result = (fib(90), c(), evens, pairs, nested)
`);
    assert.equal(repr(globals.get('result')!), '(2880067194370816120, 7, [0, 4, 16, 36, 64], {"a": 1, "b": 2}, [(1, 0), (2, 0), (2, 1)])');
  });

  it('binds arguments like the reference and reports mistakes', () => {
    const { globals } = run(`
def f(a, b = 2, *args, c, d = 4, **kw):
    return (a, b, args, c, d, kw)
r1 = f(1, c = 3)
r2 = f(1, 2, 3, 4, c = 5, e = 6)
r3 = f(*[1, 2], **{"c": 7})
`);
    assert.equal(repr(globals.get('r1')!), '(1, 2, (), 3, 4, {})');
    assert.equal(repr(globals.get('r2')!), '(1, 2, (3, 4), 5, 4, {"e": 6})');
    assert.equal(repr(globals.get('r3')!), '(1, 2, (), 7, 4, {})');
    assert.match(evalError('def f(a): pass\nf()').msg, /function f missing 1 argument \(a\)/);
    assert.match(evalError('def f(a): pass\nf(1, 2)').msg, /function f accepts 1 positional argument \(2 given\)/);
    assert.match(evalError('def f(a): pass\nf(1, a = 2)').msg, /got multiple values for parameter "a"/);
    assert.match(evalError('def f(a): pass\nf(b = 2)').msg, /unexpected keyword argument "b"/);
  });

  it('gives a backtrace with a frame per call, innermost last', () => {
    const err = evalError(`
def inner(x):
    return x + "s"

def outer():
    return inner(1)

outer()
`);
    assert.equal(err.msg, 'unknown binary op: int + string');
    assert.deepEqual(
      err.callStack.map((f) => `${f.file}:${f.line}:${f.col}: ${f.name}`),
      ['test.star:3:14: inner', 'test.star:6:17: outer', 'test.star:8:6: <toplevel>'],
    );
    assert.equal(
      err.backtrace(),
      'Traceback (most recent call last):\n' +
        '  test.star:8:6: in <toplevel>\n' +
        '  test.star:6:17: in outer\n' +
        '  test.star:3:14: in inner\n' +
        'Error: unknown binary op: int + string',
    );
  });

  it('names the built-in an error comes from, and shows fail() messages as written', () => {
    const err = evalError('fail("database", "not", "ready")');
    assert.match(err.backtrace(), /Error in fail: fail: database not ready$/);
    assert.equal(err.callStack[0].file, '<builtin>');
  });

  it('refuses recursion and while loops in the Kurtosis dialect, allows them when enabled', () => {
    assert.match(evalError('def f(n):\n    return f(n - 1) if n else 0\nf(3)').msg, /function f called recursively/);
    assert.throws(() => run('def f():\n    while True:\n        pass\n'), StarlarkResolveError);
    const { globals } = run('def f(n):\n    return f(n - 1) + 1 if n else 0\nx = f(50)', { dialect: FULL_DIALECT });
    assert.equal(globals.get('x'), 50);
  });

  it('freezes module globals after execution', () => {
    const { globals } = run('x = [1]\nd = {"a": 1}\ndef add():\n    x.append(2)');
    const thread = new Thread();
    assert.throws(() => call(thread, globals.get('add')!, []), /cannot append to frozen list/);
  });

  it('reports mutation during iteration', () => {
    assert.match(evalError('def f():\n    x = [1, 2]\n    for e in x:\n        x.append(e)\nf()').msg, /cannot append to list during iteration/);
  });

  it('reports a local used before assignment', () => {
    assert.match(evalError('def f():\n    if False:\n        y = 1\n    return y\nf()').msg, /local variable y referenced before assignment/);
  });

  it('stops a runaway program at the step limit', () => {
    const thread = new Thread();
    thread.maxSteps = 1000;
    assert.throws(
      () => execFile(thread, 'spin.star', 'def f():\n    for i in range(100000000):\n        pass\nf()'),
      (e: unknown) => e instanceof EvalError && /too many steps/.test(e.msg),
    );
  });

  it('counts calls as steps: a loop-free call tree that explodes stops at the limit', () => {
    const thread = new Thread();
    thread.maxSteps = 5000;
    const src = ['def f0():\n    pass'];
    for (let i = 1; i <= 40; i++) src.push(`def f${i}():\n    f${i - 1}()\n    f${i - 1}()`);
    src.push('f40()');
    assert.throws(
      () => execFile(thread, 'tree.star', src.join('\n')),
      (e: unknown) => e instanceof EvalError && /too many steps \(limit 5000\)/.test(e.msg),
    );
    assert.equal(thread.steps, 4999);
  });

  it('polls the host every pollSteps steps; a poll that throws stops the program at its position', () => {
    const thread = new Thread();
    thread.pollSteps = 100;
    let polls = 0;
    thread.poll = () => {
      if (++polls === 7) fail('stop here');
    };
    const err = (() => {
      try {
        execFile(thread, 'spin.star', 'def f():\n    n = 0\n    for i in range(100000000):\n        n += i\nf()');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof EvalError, String(err));
    assert.equal(err.msg, 'stop here');
    assert.equal(polls, 7);
    assert.equal(thread.steps, 700);
    assert.deepEqual(
      err.callStack.filter((f) => f.file !== '<builtin>').map((f) => `${f.name}@${f.line}:${f.col}`),
      ['f@4:11', '<toplevel>@5:2'],
    );
  });

  it('polling does not move the step limit', () => {
    const thread = new Thread();
    thread.maxSteps = 1000;
    thread.pollSteps = 300;
    let polls = 0;
    thread.poll = () => void polls++;
    assert.throws(() => execFile(thread, 'spin.star', 'def f():\n    for i in range(100000000):\n        pass\nf()'), /too many steps \(limit 1000\)/);
    assert.equal(polls, 3);
    assert.equal(thread.steps, 999);
  });

  it('loads modules through the host hook', () => {
    const thread = new Thread();
    const loaded: string[] = [];
    thread.load = (t, module) => {
      loaded.push(module);
      return execFile(t, module, 'greeting = "hi"\ndef twice(x):\n    return x * 2\n');
    };
    const globals = execFile(thread, 'main.star', 'load("lib.star", "twice", hello = "greeting")\nout = twice(hello)');
    assert.deepEqual(loaded, ['lib.star']);
    assert.equal(globals.get('out'), 'hihi');
    assert.throws(() => execFile(thread, 'main.star', 'load("lib.star", "nope")'), /load: name nope not found in module lib.star/);
  });

  it('reports syntax and resolve errors with positions', () => {
    assert.throws(
      () => run('x = (1,'),
      (e: unknown) => e instanceof StarlarkSyntaxError && /^test\.star:1:8:/.test(e.message),
    );
    assert.throws(
      () => run('def f():\n    return undefined_a + undefined_b'),
      (e: unknown) => e instanceof StarlarkResolveError && e.problems.length === 2,
    );
  });

  it('lets host code define built-ins and convert values', () => {
    const calls: Value[][] = [];
    const record = new Builtin('record', (_t, _f, args) => {
      calls.push(args);
      return toStarlark({ ok: true, n: [1, 2] });
    });
    const { globals } = run('r = record("a", 1)', { predeclared: { record } });
    assert.deepEqual(toJS(globals.get('r')!), { ok: true, n: [1, 2] });
    assert.equal(calls.length, 1);
  });

  it('exposes a function signature for hosts (run(plan, args) detection)', () => {
    const { globals } = run('def run(plan, args):\n    pass');
    const f = globals.get('run');
    assert.ok(f instanceof StarlarkFunction);
    assert.deepEqual(f.paramNames, ['plan', 'args']);
  });

  it('keeps strings as bytes: len("é") == 2, and prints Unicode', () => {
    const { globals, printed } = run('n = len("é")\nprint("héllo")');
    assert.equal(globals.get('n'), 2);
    assert.deepEqual(printed, ['héllo']);
  });
});
