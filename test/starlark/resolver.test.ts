// Tests of the Starlark resolver: the scope, slot and closure layout it writes into the
// tree, and the static errors it reports (text, position, order, dialect options). Sources
// go through the real parser, so these also check that the two agree on the tree's shape.
import assert from 'node:assert/strict';
import { parse } from '../../lib/starlark/parser.js';
import { resolveExpr, resolveFile } from '../../lib/starlark/resolver.js';
import { spellNearest } from '../../lib/starlark/spell.js';
import { StarlarkResolveError } from '../../lib/starlark/errors.js';
import {
  Scope,
  type Binding,
  type DefStmt,
  type DialectOptions,
  type Expr,
  type File,
  type Ident,
  type LambdaExpr,
  type ResolvedFunction,
} from '../../lib/starlark/ast.js';

const UNIVERSAL = new Set(['None', 'True', 'False', 'len', 'print', 'range', 'set', 'float', 'U']);
const isPredeclared = (name: string): boolean => name === 'M';
const isUniversal = (name: string): boolean => UNIVERSAL.has(name);

function src(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

function resolve(text: string, options?: DialectOptions): File {
  const file = parse('test.star', text);
  resolveFile(file, isPredeclared, isUniversal, options);
  return file;
}

/** The problems reported for `text`, as "line:col: message" strings, in reported order. */
function problems(text: string, options?: DialectOptions): string[] {
  const file = parse('test.star', text);
  try {
    resolveFile(file, isPredeclared, isUniversal, options);
  } catch (e) {
    assert.ok(e instanceof StarlarkResolveError, `not a resolve error: ${String(e)}`);
    assert.equal(e.file, 'test.star');
    return e.problems.map((p) => `${p.pos.line}:${p.pos.col}: ${p.msg}`);
  }
  return [];
}

/** Visits every syntax node once, skipping the resolver's annotations. */
function walk(root: unknown, visit: (n: Record<string, unknown>) => void): void {
  const seen = new Set<unknown>();
  const go = (n: unknown, key: string): void => {
    if (n === null || typeof n !== 'object' || seen.has(n)) return;
    if (key === 'binding' || key === 'module' || (key === 'fn' && !('kind' in n))) return;
    seen.add(n);
    if (Array.isArray(n)) {
      for (const x of n) go(x, '');
      return;
    }
    const rec = n as Record<string, unknown>;
    visit(rec);
    for (const k of Object.keys(rec)) go(rec[k], k);
  };
  go(root, '');
}

/** Every Ident of the tree in source order (parameters, bodies, load names, ...). */
function idents(root: unknown): Ident[] {
  const out: Ident[] = [];
  walk(root, (n) => {
    if (n['kind'] === 'Ident') out.push(n as unknown as Ident);
  });
  return out.sort((a, b) => a.namePos.line - b.namePos.line || a.namePos.col - b.namePos.col);
}

/** The `nth` (0-based) occurrence of identifier `name` that the resolver bound. */
function ident(file: File, name: string, nth = 0): Ident {
  const found = idents(file).filter((id) => id.name === name && id.binding !== undefined);
  const id = found[nth];
  assert.ok(id, `no occurrence ${nth} of ${name}`);
  return id;
}

function binding(file: File, name: string, nth = 0): Binding {
  const b = ident(file, name, nth).binding;
  assert.ok(b);
  return b;
}

function defs(root: unknown): Map<string, ResolvedFunction> {
  const out = new Map<string, ResolvedFunction>();
  walk(root, (n) => {
    if (n['kind'] !== 'DefStmt') return;
    const d = n as unknown as DefStmt;
    assert.ok(d.fn, `def ${d.name.name} not annotated`);
    out.set(d.name.name, d.fn);
  });
  return out;
}

function fnOf(file: File, name: string): ResolvedFunction {
  const fn = defs(file).get(name);
  assert.ok(fn, `no def ${name}`);
  return fn;
}

const names = (bs: Binding[]): string[] => bs.map((b) => b.first?.name ?? '?');

describe('starlark resolver', () => {
  describe('scopes', () => {
    it('classifies globals, predeclared and universal names', () => {
      const f = resolve(src('x = M', 'y = len(x)', 'z = U'));
      assert.equal(binding(f, 'x').scope, Scope.Global);
      assert.equal(binding(f, 'x').index, 0);
      assert.equal(binding(f, 'y').index, 1);
      assert.equal(binding(f, 'z').index, 2);
      assert.equal(binding(f, 'M').scope, Scope.Predeclared);
      assert.equal(binding(f, 'len').scope, Scope.Universal);
      assert.equal(binding(f, 'U').scope, Scope.Universal);
      assert.strictEqual(binding(f, 'x', 0), binding(f, 'x', 1));
      assert.deepEqual(names(f.module!.globals), ['x', 'y', 'z']);
      assert.deepEqual(f.module!.locals, []);
      assert.strictEqual(f.module!.globals[0]!.first, ident(f, 'x', 0));
    });

    it('lets a global shadow a predeclared or universal name everywhere in the file', () => {
      const f = resolve(src('a = U', 'U = 1', 'def g():', '  return len', 'len = 2'));
      assert.equal(binding(f, 'U', 0).scope, Scope.Global);
      assert.strictEqual(binding(f, 'U', 0), binding(f, 'U', 1));
      assert.equal(binding(f, 'len', 0).scope, Scope.Global);
      assert.equal(binding(f, 'len', 0).index, 3);
    });

    it('resolves forward references from functions to later globals', () => {
      const f = resolve(src('def f():', '  return g()', 'def g():', '  return f'));
      const g0 = binding(f, 'g', 0);
      assert.equal(g0.scope, Scope.Global);
      assert.strictEqual(g0, binding(f, 'g', 1));
      assert.equal(g0.index, 1);
    });

    it('makes every binding use inside a function a local, parameters first', () => {
      const f = resolve(
        src(
          'def f(a, *args, b=1, **kw):',
          '  M(x)', // use before assignment is still the local
          '  x = 1',
          '  if a:',
          '    y = 2',
          '  for i, (j, k) in kw:',
          '    pass',
          '  [m, n] = 1, 2',
          '  a.attr = 1',
          '  x += 1',
        ),
      );
      const fn = fnOf(f, 'f');
      assert.deepEqual(names(fn.locals), ['a', 'b', 'args', 'kw', 'x', 'y', 'i', 'j', 'k', 'm', 'n']);
      fn.locals.forEach((b, i) => {
        assert.equal(b.scope, Scope.Local);
        assert.equal(b.index, i);
      });
      assert.equal(fn.hasVarargs, true);
      assert.equal(fn.hasKwargs, true);
      assert.equal(fn.numKwonlyParams, 1);
      assert.equal(fn.name, 'f');
      assert.deepEqual(fn.pos, { line: 1, col: 1 });
      assert.deepEqual(fn.freeVars, []);
      const uses = idents(f).filter((id) => id.name === 'x');
      assert.equal(uses.length, 3);
      for (const u of uses) assert.strictEqual(u.binding, fn.locals[4]);
      assert.equal(binding(f, 'f').scope, Scope.Global);
    });

    it('counts keyword-only parameters after a bare *', () => {
      const f = resolve(src('def f(a, *, b, c=1, **kw):', '  pass'));
      const fn = fnOf(f, 'f');
      assert.equal(fn.numKwonlyParams, 2);
      assert.equal(fn.hasVarargs, false);
      assert.equal(fn.hasKwargs, true);
      assert.deepEqual(names(fn.locals), ['a', 'b', 'c', 'kw']);
    });

    it('resolves parameter defaults in the enclosing scope', () => {
      const f = resolve(src('def outer(y):', '  def inner(x=y, y=y):', '    return x', '  return inner'));
      const outer = fnOf(f, 'outer');
      const inner = fnOf(f, 'inner');
      assert.strictEqual(binding(f, 'y', 1), outer.locals[0]);
      assert.strictEqual(binding(f, 'y', 3), outer.locals[0]);
      assert.deepEqual(names(inner.locals), ['x', 'y']);
      assert.deepEqual(inner.freeVars, []);
      assert.equal(outer.locals[0]!.scope, Scope.Local);
    });
  });

  describe('closures', () => {
    it('turns a captured local into a cell and chains free variables through two levels', () => {
      const f = resolve(src('def outer(p):', '  x = 1', '  def mid():', '    def inner():', '      return x + p + inner', '    return inner', '  return mid'));
      const outer = fnOf(f, 'outer');
      const mid = fnOf(f, 'mid');
      const inner = fnOf(f, 'inner');
      assert.deepEqual(names(outer.locals), ['p', 'x', 'mid']);
      assert.equal(outer.locals[0]!.scope, Scope.Cell);
      assert.equal(outer.locals[1]!.scope, Scope.Cell);
      assert.equal(outer.locals[2]!.scope, Scope.Local);
      assert.deepEqual(outer.freeVars, []);

      assert.deepEqual(names(mid.locals), ['inner']);
      assert.equal(mid.locals[0]!.scope, Scope.Cell); // inner refers to itself
      assert.equal(mid.freeVars.length, 2);
      assert.strictEqual(mid.freeVars[0], outer.locals[1]);
      assert.strictEqual(mid.freeVars[1], outer.locals[0]);

      assert.equal(inner.freeVars.length, 3);
      const [fx, fp, fself] = inner.freeVars;
      assert.deepEqual({ ...fx! }, { scope: Scope.Free, index: 0, first: outer.locals[1]!.first });
      assert.deepEqual({ ...fp! }, { scope: Scope.Free, index: 1, first: outer.locals[0]!.first });
      assert.strictEqual(fself, mid.locals[0]);

      const xUse = binding(f, 'x', 1);
      assert.equal(xUse.scope, Scope.Free);
      assert.equal(xUse.index, 0);
      assert.notStrictEqual(xUse, fx, 'the inner use is inner’s own free binding, not mid’s');
      assert.equal(binding(f, 'p', 1).index, 1);
      assert.deepEqual({ scope: binding(f, 'inner', 1).scope, index: binding(f, 'inner', 1).index }, { scope: Scope.Free, index: 2 });
      assert.strictEqual(binding(f, 'inner', 2), mid.locals[0]);
    });

    it('creates one free variable per name however often it is used', () => {
      const f = resolve(src('def f():', '  a = 1', '  def g():', '    return a + a + [a for _ in a]', '  return g'));
      const g = fnOf(f, 'g');
      assert.equal(g.freeVars.length, 1);
      for (let i = 1; i <= 4; i++) assert.strictEqual(binding(f, 'a', i), binding(f, 'a', 1));
    });

    it('annotates lambdas, with a synthetic return body', () => {
      const f = resolve(src('def f(n):', '  return lambda x, *r: x + n'));
      const lam = (fnOf(f, 'f').body[0] as { result: LambdaExpr }).result;
      assert.ok(lam.fn);
      assert.equal(lam.fn.name, 'lambda');
      assert.deepEqual(lam.fn.pos, lam.lambdaPos);
      assert.equal(lam.fn.hasVarargs, true);
      assert.deepEqual(names(lam.fn.locals), ['x', 'r']);
      assert.equal(lam.fn.body.length, 1);
      assert.equal(lam.fn.body[0]!.kind, 'ReturnStmt');
      assert.strictEqual((lam.fn.body[0] as { result: Expr }).result, lam.body);
      assert.equal(lam.fn.freeVars.length, 1);
      assert.equal(fnOf(f, 'f').locals[0]!.scope, Scope.Cell);
    });

    it('captures file-local load names as cells of the module', () => {
      const f = resolve(src('load("m", "y")', 'def f():', '  return y'));
      assert.equal(f.module!.locals.length, 1);
      assert.equal(f.module!.locals[0]!.scope, Scope.Cell);
      const fn = fnOf(f, 'f');
      assert.strictEqual(fn.freeVars[0], f.module!.locals[0]);
      assert.equal(binding(f, 'y', 1).scope, Scope.Free);
    });
  });

  describe('comprehensions', () => {
    it('gives a comprehension its own block whose variables are locals of the function', () => {
      const f = resolve(src('def f(x):', '  a = [x for x in x]', '  return x'));
      const fn = fnOf(f, 'f');
      assert.deepEqual(names(fn.locals), ['x', 'x', 'a']);
      const xs = idents(f).filter((id) => id.name === 'x');
      // param, body use, loop var, iterable, return
      assert.deepEqual(
        xs.map((id) => id.binding),
        [fn.locals[0], fn.locals[1], fn.locals[1], fn.locals[0], fn.locals[0]],
      );
      assert.notStrictEqual(fn.locals[0], fn.locals[1]);
    });

    it('puts top-level comprehension variables in the module locals and hides them afterwards', () => {
      assert.deepEqual(problems(src('_ = [y for y in range(3)]', 'M(y)')), ['2:3: undefined: y']);
      const f = resolve(src('_ = {k: v for k in M for v in k if v}', 'w = [[z for z in q] for q in M]'));
      assert.deepEqual(names(f.module!.locals), ['k', 'v', 'q', 'z']);
      assert.deepEqual(names(f.module!.globals), ['_', 'w']);
      f.module!.locals.forEach((b, i) => {
        assert.equal(b.scope, Scope.Local);
        assert.equal(b.index, i);
      });
    });

    it('resolves later clauses inside the block, left to right', () => {
      const f = resolve(src('def f(b):', '  return [a for a in b for b in a]'));
      const fn = fnOf(f, 'f');
      assert.deepEqual(names(fn.locals), ['b', 'a', 'b']);
      const bs = idents(f).filter((id) => id.name === 'b');
      // param, first iterable (outer), second loop var (inner)
      assert.deepEqual(
        bs.map((id) => id.binding),
        [fn.locals[0], fn.locals[0], fn.locals[2]],
      );
    });

    it('lets a lambda in a top-level comprehension capture the loop variable', () => {
      const f = resolve(src('fs = [lambda: i for i in M]'));
      assert.equal(f.module!.locals[0]!.scope, Scope.Cell);
      assert.equal(binding(f, 'i', 0).scope, Scope.Free);
    });
  });

  describe('load', () => {
    it('binds file-locals, visible before the load statement too', () => {
      const f = resolve(src('_ = x', 'load("m", "x", z="w")'));
      assert.deepEqual(names(f.module!.locals), ['x', 'z']);
      assert.deepEqual(names(f.module!.globals), ['_']);
      assert.strictEqual(binding(f, 'x', 0), f.module!.locals[0]);
      assert.equal(binding(f, 'z').scope, Scope.Local);
    });

    it('binds globals with loadBindsGlobally', () => {
      const f = resolve(src('load("m", "x")', 'y = x'), { loadBindsGlobally: true });
      assert.deepEqual(names(f.module!.globals), ['x', 'y']);
      assert.deepEqual(f.module!.locals, []);
      assert.equal(binding(f, 'x', 1).scope, Scope.Global);
    });

    it('reports misplaced loads and bad names', () => {
      assert.deepEqual(problems(src('def f():', '  load("foo", "bar")', 'load("m", "", "_a", b="_c", _d="e")')), [
        '2:3: load statement within a function',
        '3:12: load: empty identifier',
        '3:16: load: names with leading underscores are not exported: _a',
        '3:24: load: names with leading underscores are not exported: _c',
      ]);
      assert.deepEqual(problems(src('if M:', '  load("m", "a")'), { topLevelControl: true }), ['2:3: load statement within a conditional']);
      assert.deepEqual(problems(src('for x in M:', '  load("m", "a")'), { topLevelControl: true }), ['2:3: load statement within a loop']);
    });

    it('forbids rebinding load names', () => {
      assert.deepEqual(problems(src('load("m", "x")', 'x = 1', 'load("m", "x")')), [
        '2:1: cannot reassign local x declared at test.star:1:12',
        '3:12: cannot reassign top-level x',
      ]);
      assert.deepEqual(problems(src('load("m", "x")', 'x = 1'), { loadBindsGlobally: true }), ['2:1: cannot reassign global x declared at test.star:1:12']);
      assert.deepEqual(problems(src('load("m", "x")', 'x = 1', 'load("m", "x")'), { globalReassign: true }), []);
    });
  });

  describe('errors', () => {
    it('reports undefined names, with spelling suggestions', () => {
      assert.deepEqual(problems(src('hello = 1', 'M(hollo)', 'def f(abc):', '  M(abd, goodbye)', '  M(Hel_lo)')), [
        '2:3: undefined: hollo (did you mean hello?)',
        '4:5: undefined: abd (did you mean abc?)',
        '4:10: undefined: goodbye',
        '5:5: undefined: Hel_lo (did you mean hello?)',
      ]);
    });

    it('reports global reassignment at the second binding, naming the first', () => {
      assert.deepEqual(problems(src('x = 1', 'x += 2', 'def x(): pass', 'M = 1', 'M = 2')), [
        '2:1: cannot reassign global x declared at test.star:1:1',
        '3:5: cannot reassign global x declared at test.star:1:1',
        '5:1: cannot reassign global M declared at test.star:4:1',
      ]);
    });

    it('reports misplaced statements', () => {
      assert.deepEqual(problems(src('return 1', 'break', 'for x in M:', '  continue', 'if M:', '  pass', 'def f():', '  while M:', '    pass')), [
        '1:1: return statement not within a function',
        '2:1: break not in a loop',
        '3:1: for loop not within a function',
        '5:1: if statement not within a function',
        '8:3: this Starlark dialect does not support while loops',
      ]);
    });

    it('does not let a loop around a def admit break in its body', () => {
      assert.deepEqual(problems(src('def f():', '  for x in M:', '    def g():', '      break', '    continue')), ['4:7: break not in a loop']);
    });

    it('reports bad assignment targets', () => {
      assert.deepEqual(problems(src('def f():', '  1 = 0', '  a + b = 0', '  M() = 0', '  [c, d] += 1', '  (e, f) += 1', '  [] = 0', '  () = 0')), [
        "2:3: can't assign to literal",
        "3:3: can't assign to binaryexpr",
        "4:3: can't assign to callexpr",
        "5:3: can't use list expression in augmented assignment",
        "6:4: can't use tuple expression in augmented assignment",
      ]);
    });

    it('reports malformed parameter lists', () => {
      assert.deepEqual(
        problems(
          src(
            'def a(x=1, y): pass',
            'def b(**kw, x): pass',
            'def c(**kw, *r): pass',
            'def d(**k1, **k2): pass',
            'def e(*r, *s): pass',
            'def f(*): pass',
            'def g(*, **kw): pass',
            'def h(a, b, a): pass',
            'def i(r, *r): pass',
            'def j(k, **k): pass',
            'def k(q=1, q=2): pass',
            'def l(**kw, y=1): pass',
          ),
        ),
        [
          '1:12: required parameter may not follow optional',
          '2:13: required parameter may not follow **kw',
          '3:13: * parameter may not follow **kw',
          '4:13: multiple ** parameters not allowed',
          '5:11: multiple * parameters not allowed',
          '6:7: bare * must be followed by keyword-only parameters',
          '7:7: bare * must be followed by keyword-only parameters',
          '8:13: duplicate parameter: a',
          '9:11: duplicate parameter: r',
          '10:12: duplicate parameter: k',
          '11:13: duplicate parameter: q',
          '12:14: optional parameter may not follow **kw',
        ],
      );
    });

    it('reports malformed argument lists', () => {
      assert.deepEqual(
        problems(
          src(
            'M(x=1, 2)',
            'M(**{}, 1)',
            'M(**{}, x=1)',
            'M(**{}, *[])',
            'M(**{}, **{})',
            'M(*[], 1)',
            'M(*[], a=1)',
            'M(*[], *[])',
            'M(a=1, b=2, a=3)',
            'M(*[], **{})',
          ),
        ),
        [
          '1:8: positional argument may not follow named',
          '2:9: positional argument may not follow **kwargs',
          '3:9: keyword argument may not follow **kwargs',
          '4:9: *args may not follow **kwargs',
          '5:9: multiple **kwargs not allowed',
          '6:8: positional argument may not follow *args',
          '7:8: keyword argument may not follow *args',
          '8:8: multiple *args not allowed',
          '9:13: keyword argument a repeated',
        ],
      );
    });

    it('limits calls to 255 positional and 255 keyword arguments', () => {
      const pos = Array.from({ length: 256 }, (_, i) => String(i)).join(', ');
      const kw = Array.from({ length: 256 }, (_, i) => `k${i}=${i}`).join(', ');
      assert.deepEqual(problems(src('x = 1', `M(${pos})`, `x.y(${kw})`)), [
        '2:1: 256 positional arguments in call, limit is 255',
        '3:1: 256 keyword arguments in call, limit is 255',
      ]);
      assert.deepEqual(problems(src(`M(${pos.slice(0, pos.lastIndexOf(','))})`)), []);
    });

    it('reports all problems together, in source order, as file:line:col lines', () => {
      const text = src('def f():', '  return g + h', 'x = 1', 'x = 2', 'return', 'g = 1');
      const file = parse('main.star', text);
      let err: unknown;
      try {
        resolveFile(file, isPredeclared, isUniversal);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof StarlarkResolveError);
      assert.deepEqual(
        err.problems.map((p) => [p.pos.line, p.pos.col, p.msg]),
        [
          [2, 14, 'undefined: h'],
          [4, 1, 'cannot reassign global x declared at main.star:3:1'],
          [5, 1, 'return statement not within a function'],
        ],
      );
      assert.equal(
        err.message,
        [
          'main.star:2:14: undefined: h',
          'main.star:4:1: cannot reassign global x declared at main.star:3:1',
          'main.star:5:1: return statement not within a function',
        ].join('\n'),
      );
      assert.ok(file.module, 'the module is annotated even when resolution fails');
    });

    it('reports an undefined name once per function but at every top-level use', () => {
      assert.deepEqual(problems(src('def f():', '  return q + q', 'M(q, q)')), ['2:10: undefined: q', '3:3: undefined: q', '3:6: undefined: q']);
    });
  });

  describe('dialect options', () => {
    it('set: the set built-in needs the option', () => {
      assert.deepEqual(problems(src('x = set([1])')), ['1:5: this Starlark dialect does not support sets']);
      assert.deepEqual(problems(src('x = set([1])'), { set: true }), []);
      const f = resolve(src('x = set([1])'), { set: true });
      assert.equal(binding(f, 'set').scope, Scope.Universal);
      assert.deepEqual(problems(src('set = 1', 'x = set')), [], 'a global named set is fine');
    });

    it('while: while loops need the option', () => {
      const text = src('def f():', '  while M:', '    break');
      assert.deepEqual(problems(text), ['2:3: this Starlark dialect does not support while loops']);
      assert.deepEqual(problems(text, { while: true }), []);
      assert.deepEqual(problems(text, { recursion: true }), ['2:3: this Starlark dialect does not support while loops']);
      assert.deepEqual(problems(src('while M:', '  pass'), { while: true }), ['1:1: while loop not within a function']);
    });

    it('recursion: changes nothing in resolution', () => {
      const text = src('def f(n):', '  return f(n - 1)');
      const a = resolve(text);
      const b = resolve(text, { recursion: true });
      assert.equal(binding(a, 'f', 1).scope, Scope.Global);
      assert.equal(binding(b, 'f', 1).scope, Scope.Global);
    });

    it('globalReassign: allows rebinding and top-level control flow, with def-before-use', () => {
      const text = src('x = 1', 'x = 2', 'M = 1', 'M = 2', 'for i in M:', '  if i:', '    pass', 'while M:', '  pass');
      assert.equal(problems(text).length, 6);
      assert.deepEqual(problems(text, { globalReassign: true, while: true }), []);
      const f = resolve(text, { globalReassign: true, while: true });
      assert.strictEqual(binding(f, 'x', 0), binding(f, 'x', 1));
      assert.deepEqual(names(f.module!.globals), ['x', 'M', 'i']);
      assert.deepEqual(problems(src('_ = y', 'y = 1'), { globalReassign: true }), ['1:5: undefined: y']);
      assert.deepEqual(problems(src('_ = y', 'y = 1')), []);
      const g = resolve(src('a = len', 'len = 1', 'b = len'), { globalReassign: true });
      assert.equal(binding(g, 'len', 0).scope, Scope.Universal);
      assert.equal(binding(g, 'len', 2).scope, Scope.Global);
    });

    it('topLevelControl: allows top-level if/for/while but not reassignment', () => {
      const text = src('for i in M:', '  pass', 'if M:', '  pass', 'x = 1', 'x = 2');
      assert.deepEqual(problems(text, { topLevelControl: true }), ['6:1: cannot reassign global x declared at test.star:5:1']);
      assert.deepEqual(problems(src('while M:', '  pass'), { topLevelControl: true, while: true }), []);
      assert.deepEqual(problems(src('_ = y', 'y = 1'), { topLevelControl: true }), []);
    });

    it('top-level for variables are globals', () => {
      const f = resolve(src('for a, b in M:', '  c = a'), { topLevelControl: true });
      assert.deepEqual(names(f.module!.globals), ['a', 'b', 'c']);
      assert.equal(binding(f, 'a', 1).scope, Scope.Global);
    });
  });

  describe('resolveExpr', () => {
    it('returns the locals of a standalone expression', () => {
      const file = parse('expr.star', src('[x + M for x in len(U)]'));
      const e = (file.stmts[0] as { x: Expr }).x;
      const locals = resolveExpr(e, isPredeclared, isUniversal);
      assert.deepEqual(names(locals), ['x']);
      assert.throws(
        () => resolveExpr((parse('e.star', 'nope + 1\n').stmts[0] as { x: Expr }).x, isPredeclared, isUniversal),
        (e: unknown) => e instanceof StarlarkResolveError && e.problems[0]!.msg === 'undefined: nope',
      );
    });
  });

  describe('spelling', () => {
    it('suggests the nearest name within half the length, ignoring case and underscores', () => {
      assert.equal(spellNearest('hollo', ['goodbye', 'hello']), 'hello');
      assert.equal(spellNearest('FOO_BAR', ['foobar', 'fooba']), 'foobar');
      assert.equal(spellNearest('abc', ['xyz']), '');
      assert.equal(spellNearest('ab', ['abcd']), '');
      assert.equal(spellNearest('abcd', ['abce', 'abcf']), 'abce');
    });
  });

  it('resolves a large file quickly', () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      lines.push(`def f${i}(a, b=g${i}):`, `  c = [a + x for x in b]`, `  return lambda: c + f${(i + 1) % 5000}(a)`, `g${i} = ${i}`);
    }
    const file = parse('big.star', src(...lines));
    const t0 = performance.now();
    resolveFile(file, isPredeclared, isUniversal);
    const ms = performance.now() - t0;
    assert.equal(file.module!.globals.length, 10000);
    assert.ok(ms < 1500, `took ${ms} ms`);
  });
});
