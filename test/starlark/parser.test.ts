// Tests of the Starlark parser: the tree shape of every construct (rendered compactly),
// operator precedence and associativity, the positions kept in nodes, the reference's
// error messages and positions, nesting limits, and a property test that any text
// parses to a File or fails with a StarlarkSyntaxError.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import type {
  AssignStmt,
  BinaryExpr,
  CallExpr,
  Comprehension,
  CondExpr,
  DefStmt,
  DotExpr,
  Expr,
  ExprStmt,
  ForClause,
  ForStmt,
  IfClause,
  IfStmt,
  LambdaExpr,
  Literal,
  LoadStmt,
  Node,
  ParenExpr,
  ReturnStmt,
  SliceExpr,
  Stmt,
  TupleExpr,
  UnaryExpr,
} from '../../lib/starlark/ast.js';
import { StarlarkSyntaxError } from '../../lib/starlark/errors.js';
import { MAX_NESTING, parse, parseExpr } from '../../lib/starlark/parser.js';

/** A compact, fully parenthesized rendering of a tree. */
function show(n: Node | undefined): string {
  if (n === undefined) return '_';
  const list = (xs: readonly Node[]): string => xs.map(show).join(' ');
  const items = (xs: readonly Node[]): string => xs.map((x) => ' ' + show(x)).join('');
  switch (n.kind) {
    case 'File':
      return list(n.stmts);
    case 'AssignStmt':
      return `(${n.op} ${show(n.lhs)} ${show(n.rhs)})`;
    case 'DefStmt':
      return `(def ${n.name.name} [${list(n.params)}] ${list(n.body)})`;
    case 'ExprStmt':
      return show(n.x);
    case 'IfStmt':
      return `(if ${show(n.cond)} [${list(n.trueBody)}] [${list(n.falseBody)}])`;
    case 'ForStmt':
      return `(for ${show(n.vars)} ${show(n.x)} [${list(n.body)}])`;
    case 'WhileStmt':
      return `(while ${show(n.cond)} [${list(n.body)}])`;
    case 'LoadStmt':
      return `(load ${show(n.module)} ${n.to.map((t, i) => `${t.name}=${n.from[i].name}`).join(' ')})`;
    case 'BranchStmt':
      return n.token;
    case 'ReturnStmt':
      return `(return ${show(n.result)})`;
    case 'Ident':
      return n.name;
    case 'Literal':
      return typeof n.value === 'string' ? JSON.stringify(n.value) : `${String(n.value)}${typeof n.value === 'bigint' ? 'n' : ''}`;
    case 'ParenExpr':
      return `(paren ${show(n.x)})`;
    case 'CallExpr':
      return `(call ${show(n.fn)}${items(n.args)})`;
    case 'DotExpr':
      return `(. ${show(n.x)} ${n.name.name})`;
    case 'Comprehension':
      return `(${n.curly ? 'dictcomp' : 'listcomp'} ${show(n.body)} ${list(n.clauses)})`;
    case 'ForClause':
      return `(for ${show(n.vars)} ${show(n.x)})`;
    case 'IfClause':
      return `(if ${show(n.cond)})`;
    case 'DictExpr':
      return `(dict${items(n.list)})`;
    case 'DictEntry':
      return `(: ${show(n.key)} ${show(n.value)})`;
    case 'LambdaExpr':
      return `(lambda [${list(n.params)}] ${show(n.body)})`;
    case 'ListExpr':
      return `(list${items(n.list)})`;
    case 'CondExpr':
      return `(ifelse ${show(n.cond)} ${show(n.trueExpr)} ${show(n.falseExpr)})`;
    case 'TupleExpr':
      return `(tuple${items(n.list)})`;
    case 'UnaryExpr':
      return n.x === undefined ? n.op : `(${n.op} ${show(n.x)})`;
    case 'BinaryExpr':
      return `(${n.op} ${show(n.x)} ${show(n.y)})`;
    case 'SliceExpr':
      return `(slice ${show(n.x)} ${show(n.lo)} ${show(n.hi)} ${show(n.step)})`;
    case 'IndexExpr':
      return `(index ${show(n.x)} ${show(n.y)})`;
  }
}

const p = (src: string): string => show(parse('t.star', src));
const e = (src: string): string => show(parseExpr('t.star', src));

/** "line:col: message" of the syntax error for `src`. */
function parseError(src: string): string {
  try {
    parse('t.star', src);
  } catch (err) {
    assert.ok(err instanceof StarlarkSyntaxError, `not a syntax error: ${String(err)}`);
    assert.equal(err.file, 't.star');
    return `${err.pos.line}:${err.pos.col}: ${err.msg}`;
  }
  assert.fail(`no error parsing ${JSON.stringify(src)}`);
}

function stmt<T extends Stmt>(src: string, i = 0): T {
  return parse('t.star', src).stmts[i] as T;
}

function expr<T extends Expr>(src: string): T {
  return parseExpr('t.star', src) as T;
}

const at = (line: number, col: number) => ({ line, col });

describe('parser', () => {
  describe('statements', () => {
    it('assignments, augmented assignments and unpacking', () => {
      assert.equal(p('x = 1\n'), '(= x 1)');
      assert.equal(p('x += 1; y //= 2; z <<= 3; w >>= 4; v ^= 5\n'), '(+= x 1) (//= y 2) (<<= z 3) (>>= w 4) (^= v 5)');
      assert.equal(p('a, b = 1, 2'), '(= (tuple a b) (tuple 1 2))');
      assert.equal(p('[a, (b, c)] = x'), '(= (list a (paren (tuple b c))) x)');
      assert.equal(p('(a, b,) = 1, 2'), '(= (paren (tuple a b)) (tuple 1 2))');
      assert.equal(p('x.f[0] = 1'), '(= (index (. x f) 0) 1)');
    });
    it('expression statements, pass, break, continue, return', () => {
      assert.equal(p('f()\npass\n'), '(call f) pass');
      assert.equal(p('def f():\n  for x in y:\n    break\n    continue\n  return\n'), '(def f [] (for x y [break continue]) (return _))');
      assert.equal(p('def f(): return 1, 2'), '(def f [] (return (tuple 1 2)))');
      assert.equal(p('def f(): return; pass'), '(def f [] (return _) pass)');
      assert.equal(p('"doc"\n'), '"doc"');
    });
    it('def with every kind of parameter (order is checked later, by the resolver)', () => {
      assert.equal(p('def f(a, b=1, *args, c, d=2, **kw): pass'), '(def f [a (= b 1) (* args) c (= d 2) (** kw)] pass)');
      assert.equal(p('def f(a, *, b): pass'), '(def f [a * b] pass)');
      assert.equal(p('def f(a,): pass'), '(def f [a] pass)');
      assert.equal(p('def f(**kw,): pass'), '(def f [(** kw)] pass)');
      assert.equal(p('def f(**kw, *a, *, b=1, a): pass'), '(def f [(** kw) (* a) * (= b 1) a] pass)');
      const d = stmt<DefStmt>('def f(a, *b, **c):\n  pass\n');
      assert.deepEqual(d.def, at(1, 1));
      assert.deepEqual(d.name.namePos, at(1, 5));
      assert.deepEqual((d.params[1] as UnaryExpr).opPos, at(1, 10));
      assert.deepEqual((d.params[2] as UnaryExpr).opPos, at(1, 14));
      assert.equal(d.body.length, 1);
    });
    it('if / elif / else chains', () => {
      assert.equal(p('if a:\n  x\nelif b:\n  y\nelif c: z\nelse:\n  w\n'), '(if a [x] [(if b [y] [(if c [z] [w])])])');
      const s = stmt<IfStmt>('if a: x\nelif b: y\nelse: z\n');
      assert.deepEqual(s.ifPos, at(1, 1));
      assert.deepEqual(s.elsePos, at(2, 1));
      const elif = s.falseBody[0] as IfStmt;
      assert.deepEqual(elif.ifPos, at(2, 1));
      assert.deepEqual(elif.elsePos, at(3, 1));
      assert.equal(stmt<IfStmt>('if a: x\n').elsePos, undefined);
    });
    it('for and while (while is always parsed)', () => {
      assert.equal(p('for x in 1, 2, 3: pass'), '(for x (tuple 1 2 3) [pass])');
      assert.equal(p('for a, b in c: pass'), '(for (tuple a b) c [pass])');
      assert.equal(p('for (a, b) in c: pass'), '(for (paren (tuple a b)) c [pass])');
      assert.equal(p('for x.y[0] in c: pass'), '(for (index (. x y) 0) c [pass])');
      assert.equal(p('while x < 1:\n  x += 1\n'), '(while (< x 1) [(+= x 1)])');
      assert.deepEqual(stmt<ForStmt>('\n  \nfor x in y: pass').forPos, at(3, 1));
    });
    it('load statements', () => {
      assert.equal(p('load("m", "a", b="c", "d",)'), '(load "m" a=a b=c d=d)');
      const s = stmt<LoadStmt>('load("mod.star", "a", bb = "c")');
      assert.deepEqual(s.loadPos, at(1, 1));
      assert.deepEqual(s.module.tokenPos, at(1, 6));
      assert.deepEqual(s.to[0].namePos, at(1, 19));
      assert.equal(s.from[0], s.to[0]);
      assert.deepEqual(s.to[1].namePos, at(1, 23));
      assert.deepEqual(s.from[1].namePos, at(1, 29));
      assert.deepEqual(s.rparen, at(1, 31));
      assert.equal(stmt<LoadStmt>('load("m", "é")').to[0].name, '\xc3\xa9');
    });
    it('semicolons and statement suites', () => {
      assert.equal(p('a; b;\nc'), 'a b c');
      assert.equal(p('if x: a; b\n'), '(if x [a b] [])');
      assert.equal(p('def f():\n  a\n\n  # c\n  b\nc\n'), '(def f [] a b) c');
    });
  });

  describe('expressions', () => {
    it('precedence follows the spec table', () => {
      assert.equal(e('a or b and c'), '(or a (and b c))');
      assert.equal(e('not a and b'), '(and (not a) b)');
      assert.equal(e('not a == b'), '(not (== a b))');
      assert.equal(e('a == b | c'), '(== a (| b c))');
      assert.equal(e('a | b ^ c & d'), '(| a (^ b (& c d)))');
      assert.equal(e('a & b << c'), '(& a (<< b c))');
      assert.equal(e('a << b + c'), '(<< a (+ b c))');
      assert.equal(e('a + b * c'), '(+ a (* b c))');
      assert.equal(e('a * -b.c'), '(* a (- (. b c)))');
      assert.equal(e('-a[0](1)'), '(- (call (index a 0) 1))');
      assert.equal(e('~-+a'), '(~ (- (+ a)))');
      assert.equal(e('a - b - c'), '(- (- a b) c)');
      assert.equal(e('a / b // c % d'), '(% (// (/ a b) c) d)');
      assert.equal(e('a or b or c'), '(or (or a b) c)');
      assert.equal(e('not not a'), '(not (not a))');
      assert.equal(e('a and not b or c'), '(or (and a (not b)) c)');
      assert.equal(e('a < b and c >= d or e != f'), '(or (and (< a b) (>= c d)) (!= e f))');
    });
    it('in and not in', () => {
      assert.equal(e('a in b'), '(in a b)');
      assert.equal(e('a not in b + c'), '(not in a (+ b c))');
      assert.equal(e('not a in b'), '(not (in a b))');
      const x = expr<BinaryExpr>('a  not  in b');
      assert.equal(x.op, 'not in');
      assert.deepEqual(x.opPos, at(1, 9));
    });
    it('conditional expressions and lambdas', () => {
      assert.equal(e('a if b else c'), '(ifelse b a c)');
      assert.equal(e('a if b else c if d else e'), '(ifelse b a (ifelse d c e))');
      assert.equal(e('a or b if c or d else e'), '(ifelse (or c d) (or a b) e)');
      assert.equal(e('lambda: 1'), '(lambda [] 1)');
      assert.equal(e('lambda x, y=1, *a, **k: x if y else a'), '(lambda [x (= y 1) (* a) (** k)] (ifelse y x a))');
      assert.equal(e('lambda x: lambda y: x + y'), '(lambda [x] (lambda [y] (+ x y)))');
      const l = expr<LambdaExpr>('lambda x: x');
      assert.deepEqual(l.lambdaPos, at(1, 1));
    });
    it('tuples, lists, dicts and parentheses', () => {
      assert.equal(e('()'), '(tuple)');
      assert.equal(e('(1)'), '(paren 1)');
      assert.equal(e('(1,)'), '(paren (tuple 1))');
      assert.equal(e('1, 2'), '(tuple 1 2)');
      assert.equal(e('[]'), '(list)');
      assert.equal(e('[1, 2,]'), '(list 1 2)');
      assert.equal(e('{}'), '(dict)');
      assert.equal(e('{1: 2, "a": b,}'), '(dict (: 1 2) (: "a" b))');
      const t = expr<TupleExpr>('()');
      assert.deepEqual([t.lparen, t.rparen], [at(1, 1), at(1, 2)]);
      const u = expr<TupleExpr>('1, 2');
      assert.equal(u.lparen, undefined);
      assert.equal(u.rparen, undefined);
      const paren = expr<ParenExpr>('( x )');
      assert.deepEqual([paren.lparen, paren.rparen], [at(1, 1), at(1, 5)]);
    });
    it('comprehensions with nested for and if clauses', () => {
      assert.equal(e('[x for x in y]'), '(listcomp x (for x y))');
      assert.equal(e('[x for x in y if x if z for a, b in x]'), '(listcomp x (for x y) (if x) (if z) (for (tuple a b) x))');
      assert.equal(e('{k: v for k, v in d.items() if k}'), '(dictcomp (: k v) (for (tuple k v) (call (. d items))) (if k))');
      assert.equal(e('[a for b in c if lambda: d]'), '(listcomp a (for b c) (if (lambda [] d)))');
      assert.equal(e('[x for x in (lambda: 1, 2)]'), '(listcomp x (for x (paren (tuple (lambda [] 1) 2))))');
      const c = expr<Comprehension>('[x for y in z if w]');
      assert.equal(c.curly, false);
      assert.deepEqual([c.lbrack, c.rbrack], [at(1, 1), at(1, 19)]);
      const f = c.clauses[0] as ForClause;
      assert.deepEqual([f.forPos, f.inPos], [at(1, 4), at(1, 10)]);
      assert.deepEqual((c.clauses[1] as IfClause).ifPos, at(1, 15));
      assert.equal(expr<Comprehension>('{a: b for c in d}').curly, true);
    });
    it('calls with every argument form (order is checked later, by the resolver)', () => {
      assert.equal(e('f()'), '(call f)');
      assert.equal(e('f(a, b=1, *c, **d)'), '(call f a (= b 1) (* c) (** d))');
      assert.equal(e('f(**d, a, b=1, *c,)'), '(call f (** d) a (= b 1) (* c))');
      assert.equal(e('f([x for x in y])'), '(call f (listcomp x (for x y)))');
      const c = expr<CallExpr>('f(a, k=1)');
      assert.deepEqual([c.lparen, c.rparen], [at(1, 2), at(1, 9)]);
      const kw = c.args[1] as BinaryExpr;
      assert.equal(kw.op, '=');
      assert.equal(kw.x.kind, 'Ident');
      assert.deepEqual(kw.opPos, at(1, 7));
    });
    it('dots, indexes and slices', () => {
      assert.equal(e('a.b.c'), '(. (. a b) c)');
      assert.equal(e('a[1]'), '(index a 1)');
      assert.equal(e('a[1, 2]'), '(index a (tuple 1 2))');
      assert.equal(e('a[:]'), '(slice a _ _ _)');
      assert.equal(e('a[::]'), '(slice a _ _ _)');
      assert.equal(e('a[1:]'), '(slice a 1 _ _)');
      assert.equal(e('a[:2]'), '(slice a _ 2 _)');
      assert.equal(e('a[::3]'), '(slice a _ _ 3)');
      assert.equal(e('a[1:2:3]'), '(slice a 1 2 3)');
      assert.equal(e('a[1, 2:]'), '(slice a (tuple 1 2) _ _)');
      const s = expr<SliceExpr>('ab[1:2]');
      assert.deepEqual([s.lbrack, s.rbrack], [at(1, 3), at(1, 7)]);
      const d = expr<DotExpr>('a . b');
      assert.deepEqual([d.dot, d.namePos, d.name.namePos], [at(1, 3), at(1, 5), at(1, 5)]);
    });
    it('literals keep token, position, raw text and value', () => {
      const lit = (src: string) => expr<Literal>(src);
      assert.deepEqual(lit('0x10'), { kind: 'Literal', token: 'INT', tokenPos: at(1, 1), raw: '0x10', value: 16 });
      assert.deepEqual(lit('1.5e1'), { kind: 'Literal', token: 'FLOAT', tokenPos: at(1, 1), raw: '1.5e1', value: 15 });
      assert.deepEqual((expr<ParenExpr>('(\n  1.5e1)').x as Literal).tokenPos, at(2, 3));
      assert.deepEqual(lit('"a\\n"'), { kind: 'Literal', token: 'STRING', tokenPos: at(1, 1), raw: '"a\\n"', value: 'a\n' });
      assert.equal(lit('123456789012345678901234567890').value, 123456789012345678901234567890n);
    });
    it('keeps operator positions', () => {
      const a = stmt<AssignStmt>('xs  += [1]');
      assert.deepEqual(a.opPos, at(1, 5));
      const b = expr<BinaryExpr>('a +\\\n  b');
      assert.deepEqual(b.opPos, at(1, 3));
      const u = expr<ParenExpr>('(  -x)').x as UnaryExpr;
      assert.deepEqual(u.opPos, at(1, 4));
      const r = stmt<DefStmt>('def f():\n    return x\n').body[0] as ReturnStmt;
      assert.deepEqual(r.returnPos, at(2, 5));
      const x = stmt<ExprStmt>('[\n  1,\n  2 if a else 3]').x as { list: Expr[] };
      assert.deepEqual((x.list[1] as CondExpr).ifPos, at(3, 5));
      assert.deepEqual((x.list[1] as CondExpr).elsePos, at(3, 10));
    });
    it('parseExpr takes one expression, an unparenthesized tuple, and trailing newlines', () => {
      assert.equal(e('a, b\n\n\n'), '(tuple a b)');
      assert.equal(e('f(\n1)\n'), '(call f 1)');
      assert.throws(() => parseExpr('t.star', 'a b'), /t\.star:1:4: got identifier after expression, want EOF/);
      assert.throws(() => parseExpr('t.star', 'a = 1'), /got '=' after expression, want EOF/);
      assert.throws(() => parseExpr('t.star', 'a,'), /unparenthesized tuple with trailing comma/);
    });
  });

  describe('errors', () => {
    const cases: [string, string][] = [
      ['x = 1 +\n2', '2:1: got newline, want primary expression'],
      ['_ = *x', "1:6: got '*', want primary expression"],
      ['def f(a, *-b, c): pass', "1:12: got '-', want ','"],
      ['def pass(): pass', '1:9: not an identifier'],
      ['def f : pass', "1:8: got ':', want '('"],
      ['f(a=1, *, b=2)', "1:10: got ',', want primary expression"],
      ['_ = {x for y in z}', "1:11: got for, want ':'"],
      ['_ = [x for x in lambda: True, lambda: False if x()]', '1:23: got lambda, want primary expression'],
      ['_ = [x for x in 1, 2, 3]', "1:19: got ',', want ']', for, or if"],
      ['_ = [a for b in c if lambda: d if e else f]', "1:41: got else, want ']', for, or if"],
      ['_ = 0 == 1 == 2', '1:14: == does not associate with == (use parens)'],
      ['_ = 0 <= i < n', '1:13: <= does not associate with < (use parens)'],
      ['_ = a in b not in c', '1:18: in does not associate with not in (use parens)'],
      ['_ = [x for x in a if b else c]', "1:28: got else, want ']', for, or if"],
      ['_ = a + b not c', '1:16: got identifier, want in'],
      ['f(1+2 = 3)', '1:8: keyword argument must have form name=expr'],
      ['print(1, 2, 3\n', "2:1: got end of file, want ')'"],
      ['_ = a if b', '1:7: conditional expression without else clause'],
      ['load("")', '1:5: load statement must import at least 1 symbol'],
      ['load("", 1)', '1:11: load operand must be "name" or localname="name" (got int literal)'],
      ['load(1, 2)', '1:7: first operand of load statement must be a string literal'],
      ['load("a", x)', '1:13: load operand must be "x" or x="originalname" (want \'=\' after x)'],
      ['load("a", x2=x)', '1:15: original name of loaded symbol must be quoted: x2="originalname"'],
      ['load = 1', "1:7: got '=', want '('"],
      ['f(load())', '1:7: got load, want primary expression'],
      ['def f(load): pass', '1:11: not an identifier'],
      ['print 1 2', '1:8: got int literal, want newline'],
      ['x[1, 2,:]', "1:9: got ':', want primary expression"],
      ['a, b, = 1, 2', '1:5: unparenthesized tuple with trailing comma'],
      ['a, b = 1, 2,', '1:12: unparenthesized tuple with trailing comma'],
      ['a = max(range(10)))', "1:19: unexpected ')'"],
      ['s = "\\x-0"', '1:5: invalid escape sequence \\x-0'],
      ['class C: pass', '1:6: got illegal token, want primary expression'],
      ['if x:\npass', '2:5: got pass, want indent'],
      ['def f():\n  pass\n pass\n', '3:2: unindent does not match any outer indentation level'],
      ['if x: if y: pass', '1:9: got if, want primary expression'],
      ['for x not in y: pass', '1:10: got not, want in'],
      ['lambda x,: 1', '1:11: not an identifier'],
      ['for a, in c: pass', '1:10: got in, want primary expression'],
      ['f(a, b c)', "1:9: got identifier, want ','"],
      ['[1, 2', "1:6: got end of file, want ']'"],
      ['{1: 2, 3}', "1:10: got '}', want ':'"],
      ['x = ', '1:5: got end of file, want primary expression'],
      ['x = (1, 2 3)', "1:12: got int literal, want ')'"],
      ['a = b = c', "1:8: got '=', want newline"],
    ];
    for (const [src, want] of cases) {
      it(JSON.stringify(src), () => assert.equal(parseError(src), want));
    }
  });

  describe('robustness', () => {
    it(`accepts nesting up to ${MAX_NESTING} levels and rejects deeper nesting cleanly`, () => {
      const nest = (open: string, close: string, n: number) => 'x = ' + open.repeat(n) + '1' + close.repeat(n) + '\n';
      for (const [open, close] of [
        ['(', ')'],
        ['[', ']'],
        ['f(', ')'],
        ['-', ''],
        ['not ', ''],
        ['lambda: ', ''],
        ['1 if 1 else ', ''],
      ]) {
        assert.doesNotThrow(() => parse('t.star', nest(open, close, MAX_NESTING)), `${open} x ${MAX_NESTING}`);
        assert.throws(
          () => parse('t.star', nest(open, close, MAX_NESTING + 1)),
          (err: unknown) => err instanceof StarlarkSyntaxError && /nesting too deep/.test(err.msg),
        );
      }
      const blocks = Array.from({ length: MAX_NESTING + 1 }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(MAX_NESTING + 1) + 'pass\n';
      assert.throws(() => parse('t.star', blocks), /nesting too deep/);
    });
    it('parses long operator chains and long lists without deep recursion', () => {
      const chain = parseExpr('t.star', Array.from({ length: 50000 }, (_, i) => `x${i}`).join(' + '));
      assert.equal(chain.kind, 'BinaryExpr');
      const f = parse('t.star', 'x = [' + '1, '.repeat(100000) + ']\n');
      assert.equal(((f.stmts[0] as AssignStmt).rhs as { list: Expr[] }).list.length, 100000);
    });
    it('any text yields a File or a StarlarkSyntaxError', () => {
      const pieces = fc.constantFrom(
        '\n',
        ' ',
        '  ',
        '\t',
        '\\\n',
        '(',
        ')',
        '[',
        ']',
        '{',
        '}',
        ',',
        ':',
        ';',
        '.',
        '=',
        '==',
        '+',
        '-',
        '*',
        '**',
        'not',
        'in',
        'if',
        'else',
        'elif',
        'for',
        'def',
        'lambda',
        'load',
        'return',
        'pass',
        'while',
        'and',
        'or',
        'x',
        'y',
        'f',
        '1',
        '0x',
        '"s"',
        "'''t'''",
        '#c\n',
        '"',
        '\r\n',
      );
      fc.assert(
        fc.property(fc.array(fc.oneof(pieces, pieces, pieces, fc.string()), { maxLength: 50 }), (parts) => {
          const src = parts.join(' ');
          try {
            const f = parse('t.star', src);
            assert.equal(f.kind, 'File');
          } catch (err) {
            assert.ok(err instanceof StarlarkSyntaxError, String(err));
            assert.ok(!err.msg.startsWith('internal error'), err.msg);
          }
        }),
        { numRuns: 3000 },
      );
    });
  });

  const reference = '/usr/share/gocode/src/go.starlark.net/syntax/testdata/scan.star';
  it('parses the reference scanner test file', function () {
    if (!existsSync(reference)) this.skip();
    const f = parse('scan.star', readFileSync(reference, 'utf8'));
    assert.ok(f.stmts.length > 20);
    assert.equal(f.path, 'scan.star');
  });
});
