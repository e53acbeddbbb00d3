// The compiler: turns a resolved syntax tree into JavaScript source, which V8 compiles to
// machine code. This is how starform's Starlark gets its speed: Starlark's structured
// control flow (no goto, no exceptions, no generators) maps one-to-one onto JS loops and
// blocks, and the resolver has already decided where every name lives, so
//   - function locals and cells become JS `let` variables (closures capture cells natively),
//   - globals become slots of the module's array G, predeclared and universal names
//     slots of the constant arrays P and U,
//   - every operator becomes a call to a small runtime function (lib/starlark/operators.ts)
//     whose fast path V8 inlines.
// No user text ever reaches the generated code as code: names become numbered variables
// and every string is a slot of the constant array K.
//
// Error positions cost one register write: before each operation that can fail, the code
// stores its encoded source position in `$p`; each function's catch handler records
// (function, $p) as a frame of the error's backtrace and rethrows.
import type {
  AssignStmt,
  Binding,
  CallExpr,
  Comprehension,
  DefStmt,
  Expr,
  File,
  ForClause,
  IfClause,
  LambdaExpr,
  Position,
  ResolvedFunction,
  Stmt,
} from './ast.js';
import { Scope } from './ast.js';
import { Float, encodePos, type Value } from './values.js';
import { exprStart } from './resolver.js';

/** Static description of a def or lambda, shared by every function value made from it. */
export interface FunctionCode {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Names of all parameters, in order (including *args and **kwargs). */
  readonly paramNames: readonly string[];
  readonly hasVarargs: boolean;
  readonly hasKwargs: boolean;
  readonly numKwonly: number;
  /** Number of parameters with default values (including keyword-only ones). */
  readonly numDefaults: number;
  /** True when positional arguments can be passed straight through (no *, ** or kw-only). */
  readonly simple: boolean;
  /** How many activations are running (for the no-recursion rule). */
  active: number;
}

export interface CompiledModule {
  readonly file: string;
  /** The generated JavaScript (for debugging: `STARFORM_DUMP_JS=1`). */
  readonly source: string;
  readonly constants: Value[];
  readonly functions: FunctionCode[];
  /** Names of predeclared and universal names used, in slot order. */
  readonly predeclaredNames: string[];
  readonly universalNames: string[];
  readonly globalNames: string[];
  /** (rt, K, D, U, P) => (thread, G) => void */
  readonly factory: (...args: unknown[]) => unknown;
}

interface FnScope {
  id: number;
  fn: ResolvedFunction | null; // null for the module's top level
  parent: FnScope | null;
  temps: number;
}

class Compiler {
  private readonly constants: Value[] = [];
  private readonly constIndex = new Map<string, number>();
  private readonly functions: FunctionCode[] = [];
  private readonly predeclared = new Map<string, number>();
  private readonly universal = new Map<string, number>();
  private scope!: FnScope;
  private nextFnId = 0;
  private loopDepth = 0;
  /** Number of parameter locals of the function being compiled. */
  private paramLocals = 0;
  /**
   * Variables (their owning Local/Cell binding) certainly assigned at this point of the
   * code being generated: reads of these need no "referenced before assignment" check.
   * A variable once assigned stays so (Starlark has no `del`); branches intersect.
   */
  private assigned = new Set<Binding>();

  constructor(
    private readonly file: File,
    private readonly makeFactory: FactoryMaker,
  ) {}

  compile(): CompiledModule {
    const module = this.file.module;
    if (!module) throw new Error('compile: file has not been resolved');
    this.scope = { id: this.nextFnId++, fn: null, parent: null, temps: 0 };
    const body = this.stmts(this.file.stmts);
    const locals = module.locals.map((_, i) => `m${i}`);
    const fileK = this.konst(this.file.path);
    const top =
      `return function toplevel(th, G) {\n` +
      `let $p = 0, $g${locals.length ? ', ' + locals.join(', ') : ''}${this.tempDecls()};\n` +
      `try {\n${body}} catch (e) { throw rt.frame(e, $p, '<toplevel>', K[${fileK}]); }\n};\n`;
    const source = `'use strict';\n${top}`;
    const factory = this.makeFactory(source);
    return {
      file: this.file.path,
      source,
      constants: this.constants,
      functions: this.functions,
      predeclaredNames: [...this.predeclared.keys()],
      universalNames: [...this.universal.keys()],
      globalNames: module.globals.map((b) => b.first!.name),
      factory,
    };
  }

  // ---- helpers --------------------------------------------------------------------------

  private konst(v: Value): number {
    const key = typeof v === 'string' ? `s${v}` : v instanceof Float ? `f${Object.is(v.v, -0) ? '-0' : v.v}` : `o${String(v)}`;
    let i = this.constIndex.get(key);
    if (i === undefined) {
      i = this.constants.length;
      this.constants.push(v);
      this.constIndex.set(key, i);
    }
    return i;
  }

  private temp(): string {
    return `t${this.scope.temps++}`;
  }

  private tempDecls(): string {
    let s = '';
    for (let i = 0; i < this.scope.temps; i++) s += `, t${i}`;
    return s;
  }

  private p(pos: Position): string {
    return `$p = ${encodePos(pos.line, pos.col)}`;
  }

  /**
   * `code` (the compiled `e`, an operation's last operand) followed by setting the
   * position to `pos`, as one expression worth `code`'s value: the reference reports an
   * operation's error at its operator (`+`, `[`, `.`), and operands that call functions
   * move the position while they are evaluated, so it is set after them, just before the
   * operation runs. Identifiers and literals do not move it and need no temporary.
   */
  private late(pos: Position, code: string, e: Expr | undefined): string {
    if (e === undefined || isPlain(e)) return `(${this.p(pos)}, ${code})`;
    const t = this.temp();
    return `(${t} = ${code}, ${this.p(pos)}, ${t})`;
  }

  private localName(scope: FnScope, index: number): string {
    return scope.fn === null ? `m${index}` : `v${scope.id}_${index}`;
  }

  /** The JS variable of a Free binding: follow freeVars out to the function that owns the cell. */
  private freeName(scope: FnScope, index: number): string {
    const outerBinding = scope.fn!.freeVars[index];
    const parent = scope.parent!;
    if (outerBinding.scope === Scope.Free) return this.freeName(parent, outerBinding.index);
    return this.localName(parent, outerBinding.index);
  }

  /** The JS variable (in scope `outer`) of free variable `i` of the function `fn` defined there. */
  private freeNameFrom(outer: FnScope, fn: ResolvedFunction, i: number): string {
    const b = fn.freeVars[i];
    return b.scope === Scope.Free ? this.freeName(outer, b.index) : this.localName(outer, b.index);
  }

  /** The Local/Cell binding that owns the variable `b` denotes in the current scope. */
  private owner(b: Binding, scope: FnScope = this.scope): Binding {
    if (b.scope !== Scope.Free) return b;
    return this.owner(scope.fn!.freeVars[b.index], scope.parent!);
  }

  private bindingName(b: Binding): string {
    switch (b.scope) {
      case Scope.Local:
      case Scope.Cell:
        return this.localName(this.scope, b.index);
      case Scope.Free:
        return this.freeName(this.scope, b.index);
      default:
        throw new Error(`compile: no variable for scope ${b.scope}`);
    }
  }

  // ---- statements ---------------------------------------------------------------------------

  private stmts(list: Stmt[]): string {
    let out = '';
    for (const s of list) out += this.stmt(s);
    return out;
  }

  private stmt(s: Stmt): string {
    switch (s.kind) {
      case 'ExprStmt':
        return `${this.expr(s.x)};\n`;
      case 'AssignStmt':
        return this.assignStmt(s);
      case 'IfStmt': {
        const cond = this.expr(s.cond);
        const before = new Set(this.assigned);
        const t = this.stmts(s.trueBody);
        const afterTrue = this.assigned;
        this.assigned = new Set(before);
        const f = this.stmts(s.falseBody);
        for (const b of afterTrue) if (this.assigned.has(b)) before.add(b);
        this.assigned = before;
        return `if (rt.truth(${cond})) {\n${t}}` + (s.falseBody.length ? ` else {\n${f}}\n` : '\n');
      }
      case 'ForStmt': {
        const it = this.temp();
        const v = this.temp();
        const x = this.expr(s.x);
        const before = new Set(this.assigned);
        this.loopDepth++;
        const body = this.assign(s.vars, v) + this.stmts(s.body);
        this.loopDepth--;
        this.assigned = before;
        return (
          `${it} = (${this.p(s.forPos)}, rt.iterate(${x}));\n` +
          `try {\nwhile ((${v} = ${it}.next()) !== undefined) {\nif (++th.steps === th.stepLimit) rt.tooManySteps(th);\n${body}}\n} finally { ${it}.done(); }\n`
        );
      }
      case 'WhileStmt': {
        const before = new Set(this.assigned);
        this.loopDepth++;
        const body = this.stmts(s.body);
        this.loopDepth--;
        this.assigned = before;
        return `while (rt.truth(${this.expr(s.cond)})) {\nif (++th.steps === th.stepLimit) rt.tooManySteps(th);\n${body}}\n`;
      }
      case 'BranchStmt':
        if (s.token === 'pass') return '';
        return `${s.token};\n`;
      case 'ReturnStmt':
        return `return ${s.result ? this.expr(s.result) : 'null'};\n`;
      case 'DefStmt':
        return `${this.assignTo(s.name, this.functionExpr(s.fn!, s.name.name, s.def))};\n`;
      case 'LoadStmt': {
        const m = this.temp();
        let out = `${m} = (${this.p(s.loadPos)}, rt.load(th, K[${this.konst(s.module.value as string)}]));\n`;
        for (let i = 0; i < s.from.length; i++) {
          const from = s.from[i];
          out += `${this.assignTo(s.to[i], `(${this.p(from.namePos)}, rt.loadName(${m}, K[${this.konst(from.name)}], K[${this.konst(s.module.value as string)}]))`)};\n`;
        }
        return out;
      }
    }
  }

  private assignStmt(s: AssignStmt): string {
    if (s.op === '=') {
      if (s.lhs.kind === 'Ident') return `${this.assignTo(s.lhs, this.expr(s.rhs))};\n`;
      const t = this.temp();
      return `${t} = ${this.expr(s.rhs)};\n${this.assign(s.lhs, t)}`;
    }
    const op = augmentedOps[s.op];
    const fn = s.op === '+=' ? 'rt.inplaceAdd' : `rt.${op}`;
    let lhs = s.lhs;
    while (lhs.kind === 'ParenExpr') lhs = lhs.x;
    if (lhs.kind === 'Ident') {
      const cur = this.expr(lhs);
      return `${this.assignTo(lhs, `${fn}(${cur}, ${this.late(s.opPos, this.expr(s.rhs), s.rhs)})`)};\n`;
    }
    if (lhs.kind === 'IndexExpr') {
      const o = this.temp();
      const k = this.temp();
      const v = this.temp();
      return (
        `${o} = ${this.expr(lhs.x)}; ${k} = ${this.expr(lhs.y)};\n` +
        `${v} = ${fn}((${this.p(lhs.lbrack)}, rt.getIndex(${o}, ${k})), ${this.late(s.opPos, this.expr(s.rhs), s.rhs)});\n` +
        `${this.p(lhs.lbrack)}; rt.setIndex(${o}, ${k}, ${v});\n`
      );
    }
    if (lhs.kind === 'DotExpr') {
      const o = this.temp();
      const v = this.temp();
      const name = `K[${this.konst(lhs.name.name)}]`;
      return (
        `${o} = ${this.expr(lhs.x)};\n` +
        `${v} = ${fn}((${this.p(lhs.dot)}, rt.getAttr(${o}, ${name})), ${this.late(s.opPos, this.expr(s.rhs), s.rhs)});\n` +
        `${this.p(lhs.dot)}; rt.setField(${o}, ${name}, ${v});\n`
      );
    }
    throw new Error(`compile: bad augmented assignment target ${lhs.kind}`);
  }

  /** Code that assigns the JS value in variable `src` to the target expression. */
  private assign(target: Expr, src: string): string {
    switch (target.kind) {
      case 'Ident':
        return `${this.assignTo(target, src)};\n`;
      case 'ParenExpr':
        return this.assign(target.x, src);
      case 'TupleExpr':
      case 'ListExpr': {
        const t = this.temp();
        const pos = target.kind === 'TupleExpr' ? (target.lparen ?? exprStart(target.list[0])) : target.lbrack;
        let out = `${t} = (${this.p(pos)}, rt.unpack(${src}, ${target.list.length}));\n`;
        target.list.forEach((e, i) => {
          const ei = this.temp();
          out += `${ei} = ${t}[${i}];\n${this.assign(e, ei)}`;
        });
        return out;
      }
      case 'IndexExpr':
        return `rt.setIndex(${this.expr(target.x)}, ${this.late(target.lbrack, this.expr(target.y), target.y)}, ${src});\n`;
      case 'DotExpr':
        return `rt.setField(${this.expr(target.x)}, (${this.p(target.dot)}, K[${this.konst(target.name.name)}]), ${src});\n`;
      default:
        throw new Error(`compile: cannot assign to ${target.kind}`);
    }
  }

  private assignTo(id: { name: string; binding?: Binding }, value: string): string {
    const b = id.binding!;
    if (b.scope === Scope.Global) return `G[${b.index}] = ${value}`;
    const code = `${this.bindingName(b)} = ${value}`;
    this.assigned.add(this.owner(b));
    return code;
  }

  // ---- expressions ----------------------------------------------------------------------------

  private expr(e: Expr): string {
    switch (e.kind) {
      case 'Ident':
        return this.ident(e);
      case 'Literal':
        return this.literal(e.value, e.token);
      case 'ParenExpr':
        return this.expr(e.x);
      case 'ListExpr':
        return `new rt.List([${e.list.map((x) => this.expr(x)).join(', ')}])`;
      case 'TupleExpr':
        return `[${e.list.map((x) => this.expr(x)).join(', ')}]`;
      case 'DictExpr': {
        if (e.list.length === 0) return 'new rt.Dict()';
        const d = this.temp();
        const parts = e.list.map((en) => `rt.dictPut(${d}, ${this.expr(en.key)}, ${this.late(en.colon, this.expr(en.value), en.value)})`);
        return `(${d} = new rt.Dict(), ${parts.join(', ')}, ${d})`;
      }
      case 'CondExpr':
        return `(rt.truth(${this.expr(e.cond)}) ? ${this.expr(e.trueExpr)} : ${this.expr(e.falseExpr)})`;
      case 'UnaryExpr': {
        if (e.op === 'not') return `!rt.truth(${this.expr(e.x!)})`;
        const fn = e.op === '-' ? 'neg' : e.op === '+' ? 'pos' : e.op === '~' ? 'invert' : null;
        if (fn === null) throw new Error(`compile: unexpected unary ${e.op}`);
        return `rt.${fn}(${this.late(e.opPos, this.expr(e.x!), e.x)})`;
      }
      case 'BinaryExpr': {
        if (e.op === 'and' || e.op === 'or') {
          const t = this.temp();
          const x = this.expr(e.x);
          const y = this.expr(e.y);
          return e.op === 'and' ? `(rt.truth(${t} = ${x}) ? ${y} : ${t})` : `(rt.truth(${t} = ${x}) ? ${t} : ${y})`;
        }
        const fn = binaryOps[e.op];
        if (fn === undefined) throw new Error(`compile: unexpected binary ${e.op}`);
        const x = this.expr(e.x);
        return `rt.${fn}(${x}, ${this.late(e.opPos, this.expr(e.y), e.y)})`;
      }
      case 'DotExpr':
        return `rt.getAttr(${this.expr(e.x)}, (${this.p(e.dot)}, K[${this.konst(e.name.name)}]))`;
      case 'IndexExpr': {
        const x = this.expr(e.x);
        return `rt.getIndex(${x}, ${this.late(e.lbrack, this.expr(e.y), e.y)})`;
      }
      case 'SliceExpr': {
        const x = this.expr(e.x);
        const part = (v: Expr | undefined) => (v ? this.expr(v) : 'undefined');
        return `rt.slice(${x}, ${part(e.lo)}, ${part(e.hi)}, ${this.late(e.lbrack, part(e.step), e.step)})`;
      }
      case 'CallExpr':
        return this.call(e);
      case 'LambdaExpr':
        return this.functionExpr(e.fn!, 'lambda', e.lambdaPos);
      case 'Comprehension':
        return this.comprehension(e);
      case 'DictEntry':
        throw new Error('compile: dict entry outside a dict');
    }
  }

  private literal(v: string | number | bigint, token: string): string {
    if (token === 'FLOAT') return `K[${this.konst(new Float(v as number))}]`;
    if (typeof v === 'string') return `K[${this.konst(v)}]`;
    if (typeof v === 'bigint') return `${v}n`;
    return String(v);
  }

  private ident(e: { name: string; namePos: Position; binding?: Binding }): string {
    const b = e.binding!;
    switch (b.scope) {
      case Scope.Global:
        return `((${this.p(e.namePos)}, $g = G[${b.index}]) === undefined ? rt.unboundGlobal(K[${this.konst(e.name)}]) : $g)`;
      case Scope.Local:
      case Scope.Cell:
      case Scope.Free: {
        const name = this.bindingName(b);
        if (this.isParam(b) || this.assigned.has(this.owner(b))) return name;
        return `(${name} === undefined ? (${this.p(e.namePos)}, rt.unboundLocal(K[${this.konst(e.name)}])) : ${name})`;
      }
      case Scope.Predeclared: {
        let i = this.predeclared.get(e.name);
        if (i === undefined) this.predeclared.set(e.name, (i = this.predeclared.size));
        return `P[${i}]`;
      }
      case Scope.Universal: {
        let i = this.universal.get(e.name);
        if (i === undefined) this.universal.set(e.name, (i = this.universal.size));
        return `U[${i}]`;
      }
      default:
        return `(${this.p(e.namePos)}, rt.undefinedName(K[${this.konst(e.name)}]))`;
    }
  }

  private isParam(b: Binding): boolean {
    if (b.scope !== Scope.Local && b.scope !== Scope.Cell) return false;
    const fn = this.scope.fn;
    return fn !== null && b.index < this.paramLocals;
  }

  private call(e: CallExpr): string {
    const fn = this.expr(e.fn);
    const positional: string[] = [];
    const kw: string[] = [];
    let star: string | null = null;
    let starstar: string | null = null;
    for (const a of e.args) {
      if (a.kind === 'UnaryExpr' && a.op === '*') star = this.expr(a.x!);
      else if (a.kind === 'UnaryExpr' && a.op === '**') starstar = this.expr(a.x!);
      else if (a.kind === 'BinaryExpr' && a.op === '=') {
        const name = (a.x as { name: string }).name;
        kw.push(`K[${this.konst(name)}], ${this.expr(a.y)}`);
      } else positional.push(this.expr(a));
    }
    const args = `[${positional.join(', ')}]`;
    const kwargs = kw.length ? `[${kw.join(', ')}]` : 'null';
    const pos = this.p(e.lparen);
    if (star === null && starstar === null) return `rt.call(th, ${fn}, ${args}, ${kwargs}, (${pos}))`;
    return `rt.callStar(th, ${fn}, ${args}, ${kwargs}, ${star ?? 'undefined'}, ${starstar ?? 'undefined'}, (${pos}))`;
  }

  private comprehension(e: Comprehension): string {
    const result = this.temp();
    const isDict = e.curly && e.body.kind === 'DictEntry';
    const before = new Set(this.assigned);
    const clauseCode: ((body: string) => string)[] = [];
    for (const c of e.clauses) clauseCode.push(this.clauseWrapper(c));
    let code = this.comprehensionBody(e, result, isDict);
    for (let i = clauseCode.length - 1; i >= 0; i--) code = clauseCode[i](code);
    this.assigned = before;
    const init = isDict ? 'new rt.Dict()' : e.curly ? 'new rt.StarSet()' : '[]';
    const finish = isDict || e.curly ? result : `new rt.List(${result})`;
    return `(() => {\n${result} = ${init};\n${code}return ${finish};\n})()`;
  }

  private comprehensionBody(e: Comprehension, result: string, isDict: boolean): string {
    let inner: string;
    if (isDict) {
      const en = e.body as { key: Expr; value: Expr; colon: Position };
      inner = `${result}.set(${this.expr(en.key)}, ${this.late(en.colon, this.expr(en.value), en.value)});\n`;
    } else if (e.curly) {
      inner = `${result}.addUnchecked(${this.late(e.lbrack, this.expr(e.body), e.body)});\n`;
    } else {
      inner = `${result}.push(${this.expr(e.body)});\n`;
    }
    return inner;
  }

  /**
   * Compiles a clause's own expressions now, in source order (so the variables its loop
   * assigns count as assigned in later clauses and the body), and returns how to wrap the
   * code of what follows it.
   */
  private clauseWrapper(c: ForClause | IfClause): (body: string) => string {
    if (c.kind === 'IfClause') {
      const cond = this.expr(c.cond);
      return (body) => `if (rt.truth(${cond})) {\n${body}}\n`;
    }
    const it = this.temp();
    const v = this.temp();
    const x = this.expr(c.x);
    const assign = this.assign(c.vars, v);
    const pos = this.p(c.forPos);
    return (body) =>
      `${it} = (${pos}, rt.iterate(${x}));\n` +
      `try {\nwhile ((${v} = ${it}.next()) !== undefined) {\nif (++th.steps === th.stepLimit) rt.tooManySteps(th);\n${assign}${body}}\n} finally { ${it}.done(); }\n`;
  }

  private functionExpr(fn: ResolvedFunction, name: string, pos: Position): string {
    const named: string[] = [];
    const defaults: string[] = [];
    let varargs: string | null = null;
    let kwargs: string | null = null;
    let seenStar = false;
    for (const p of fn.params) {
      if (p.kind === 'Ident') {
        named.push(p.name);
        if (seenStar) defaults.push('rt.MANDATORY');
      } else if (p.kind === 'BinaryExpr') {
        named.push((p.x as { name: string }).name);
        defaults.push(this.expr(p.y));
      } else if (p.op === '*') {
        seenStar = true;
        if (p.x) varargs = (p.x as { name: string }).name;
      } else {
        kwargs = (p.x as { name: string }).name;
      }
    }
    const paramNames = [...named, ...(varargs !== null ? [varargs] : []), ...(kwargs !== null ? [kwargs] : [])];
    const code: FunctionCode = {
      name,
      file: this.file.path,
      line: pos.line,
      col: pos.col,
      paramNames,
      hasVarargs: fn.hasVarargs,
      hasKwargs: fn.hasKwargs,
      numKwonly: fn.numKwonlyParams,
      numDefaults: defaults.length,
      simple: !fn.hasVarargs && !fn.hasKwargs && fn.numKwonlyParams === 0,
      active: 0,
    };
    const d = this.functions.length;
    this.functions.push(code);

    const outer = this.scope;
    const outerLoop = this.loopDepth;
    const outerParams = this.paramLocals;
    const outerAssigned = this.assigned;
    this.scope = { id: this.nextFnId++, fn, parent: outer, temps: 0 };
    this.loopDepth = 0;
    this.paramLocals = paramNames.length;
    this.assigned = new Set(outerAssigned);
    const body = this.stmts(fn.body);
    this.assigned = outerAssigned;
    const decls: string[] = [];
    for (let i = 0; i < fn.locals.length; i++) {
      const v = this.localName(this.scope, i);
      decls.push(i < paramNames.length ? `${v} = $a[${i}]` : v);
    }
    const js =
      `function (th, $a) {\n` +
      `let $p = ${encodePos(pos.line, pos.col)}, $g${decls.length ? ', ' + decls.join(', ') : ''}${this.tempDecls()};\n` +
      `try {\n${body}return null;\n} catch (e) { throw rt.frame(e, $p, D[${d}].name, D[${d}].file); }\n}`;
    this.scope = outer;
    this.loopDepth = outerLoop;
    this.paramLocals = outerParams;
    const captured = fn.freeVars.map((_, i) => `rt.freezeIfSet(${this.freeNameFrom(outer, fn, i)});`);
    const freezer = captured.length > 0 ? `, () => { ${captured.join(' ')} }` : '';
    return `rt.makeFunction(D[${d}], [${defaults.join(', ')}], ${js}${freezer})`;
  }
}

const binaryOps: Record<string, string> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '//': 'floordiv',
  '%': 'mod',
  '&': 'bitand',
  '|': 'bitor',
  '^': 'bitxor',
  '<<': 'lshift',
  '>>': 'rshift',
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  in: 'inOp',
  'not in': 'notIn',
};

const augmentedOps: Record<string, string> = {
  '+=': 'add',
  '-=': 'sub',
  '*=': 'mul',
  '/=': 'div',
  '//=': 'floordiv',
  '%=': 'mod',
  '&=': 'bitand',
  '|=': 'bitor',
  '^=': 'bitxor',
  '<<=': 'lshift',
  '>>=': 'rshift',
};

/** Compiles a resolved file. */
/** Makes a module's factory from its generated source (default: `new Function`; the program cache compiles through vm.Script). */
export type FactoryMaker = (source: string) => CompiledModule['factory'];

const newFunctionFactory: FactoryMaker = (source) => new Function('rt', 'K', 'D', 'U', 'P', source) as CompiledModule['factory'];

export function compileFile(file: File, makeFactory: FactoryMaker = newFunctionFactory): CompiledModule {
  return new Compiler(file, makeFactory).compile();
}

export type { DefStmt, LambdaExpr };

/** Whether evaluating `e` leaves the current position alone (identifiers and literals). */
function isPlain(e: Expr): boolean {
  while (e.kind === 'ParenExpr') e = e.x;
  return e.kind === 'Ident' || e.kind === 'Literal';
}
