// The Starlark resolver: decides, before anything runs, what every identifier denotes
// (a local slot, a cell, a captured free variable, a module global, a predeclared or a
// universal name), lays out each function's locals and free variables, and reports the
// static errors of the language (undefined names, reassigned globals, misplaced
// statements, malformed parameter and argument lists) all together.
//
// It follows the reference implementation's algorithm. Blocks (the file, functions,
// comprehensions) form a tree. While walking a function, binding uses create locals in
// the current block and every use is queued on its function; when the function ends, the
// queued uses that name one of its own locals are settled. Everything else is settled
// once the whole file has been seen (a function may use a global defined further down):
// blocks are then visited innermost first, and a name found in an enclosing function turns
// that function's local into a cell and becomes a free variable of each function in
// between. Lookups are memoised per block, so the whole pass stays linear.
import type { Binding, DialectOptions, Expr, File, Ident, Param, Position, ResolvedFunction, ResolvedModule, Stmt, UnaryExpr } from './ast.js';
import { Scope } from './ast.js';
import { StarlarkResolveError, type ResolveProblem } from './errors.js';
import { compareCodePoints, spellNearest } from './spell.js';

export type NamePredicate = (name: string) => boolean;

const DOESNT = 'this Starlark dialect does not ';

const SCOPE_NAMES = ['undefined', 'local', 'cell', 'free', 'global', 'predeclared', 'universal'];

/** The reference's name for a scope ("local", "global", ...), as used in messages. */
function scopeName(scope: Scope): string {
  return SCOPE_NAMES[scope] ?? 'undefined';
}

/**
 * Resolves a file in place: sets every Ident's `binding`, every DefStmt's and LambdaExpr's
 * `fn`, and `file.module`. Throws StarlarkResolveError listing every problem in source order.
 */
export function resolveFile(file: File, isPredeclared: (name: string) => boolean, isUniversal: (name: string) => boolean, options?: DialectOptions): void {
  const r = new Resolver(file.path, isPredeclared, isUniversal, options ?? {});
  r.stmts(file.stmts);
  r.fileBlock.resolveLocalUses();
  r.resolveNonLocalUses(r.fileBlock);
  const module: ResolvedModule = { locals: r.moduleLocals, globals: r.moduleGlobals };
  file.module = module;
  r.throwIfErrors();
}

/**
 * Resolves a standalone expression (as a REPL does) and returns the locals it binds
 * (comprehension variables), for which the caller must provide slots.
 */
export function resolveExpr(
  expr: Expr,
  isPredeclared: (name: string) => boolean,
  isUniversal: (name: string) => boolean,
  options?: DialectOptions,
  filename = '<expr>',
): Binding[] {
  const r = new Resolver(filename, isPredeclared, isUniversal, options ?? {});
  r.expr(expr);
  r.fileBlock.resolveLocalUses();
  r.resolveNonLocalUses(r.fileBlock);
  r.throwIfErrors();
  return r.moduleLocals;
}

// ---- blocks ----------------------------------------------------------------------

class Block {
  children: Block[] | undefined = undefined;
  bindings: Map<string, Binding> | undefined = undefined;
  /** Uses queued on a container block (function or file): identifier and its block. */
  useIds: Ident[] | undefined = undefined;
  useEnvs: Block[] | undefined = undefined;
  /** The innermost enclosing function or file block (itself for those). */
  readonly container: Block;

  constructor(
    readonly parent: Block | undefined,
    readonly fn: ResolvedFunction | undefined,
  ) {
    this.container = fn !== undefined || parent === undefined ? this : parent.container;
  }

  bind(name: string, b: Binding): void {
    (this.bindings ??= new Map()).set(name, b);
  }

  /** Settles the queued uses that denote a local of this container; keeps the rest. */
  resolveLocalUses(): void {
    const ids = this.useIds;
    const envs = this.useEnvs;
    if (ids === undefined || envs === undefined) return;
    let kept = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const env = envs[i]!;
      const b = lookupLocal(id.name, env);
      if (b !== undefined && (b.scope === Scope.Local || b.scope === Scope.Cell)) {
        id.binding = b;
      } else {
        ids[kept] = id;
        envs[kept] = env;
        kept++;
      }
    }
    ids.length = kept;
    envs.length = kept;
  }
}

function lookupLocal(name: string, start: Block): Binding | undefined {
  for (let env: Block | undefined = start; env !== undefined; env = env.parent) {
    const b = env.bindings?.get(name);
    if (b !== undefined) return b;
    if (env.fn !== undefined) break;
  }
  return undefined;
}

function newBinding(scope: Scope, index: number, first: Ident | undefined): Binding {
  return { scope, index, first };
}

// ---- the resolver ----------------------------------------------------------------

class Resolver {
  readonly fileBlock = new Block(undefined, undefined);
  private env: Block = this.fileBlock;
  readonly moduleLocals: Binding[] = [];
  readonly moduleGlobals: Binding[] = [];
  private readonly globals = new Map<string, Binding>();
  private readonly predeclared = new Map<string, Binding>();
  private readonly problems: ResolveProblem[] = [];
  private loops = 0;
  private ifstmts = 0;

  private readonly allowSet: boolean;
  private readonly allowWhile: boolean;
  private readonly globalReassign: boolean;
  private readonly topLevelControl: boolean;
  private readonly loadBindsGlobally: boolean;

  constructor(
    private readonly filename: string,
    private readonly isPredeclared: NamePredicate,
    private readonly isUniversal: NamePredicate,
    options: DialectOptions,
  ) {
    this.allowSet = options.set === true;
    this.allowWhile = options.while === true;
    this.globalReassign = options.globalReassign === true;
    this.topLevelControl = this.globalReassign || options.topLevelControl === true;
    this.loadBindsGlobally = options.loadBindsGlobally === true;
  }

  throwIfErrors(): void {
    if (this.problems.length === 0) return;
    const sorted = this.problems
      .map((p, i) => ({ p, i }))
      .sort((a, b) => a.p.pos.line - b.p.pos.line || a.p.pos.col - b.p.pos.col || a.i - b.i)
      .map((e) => e.p);
    throw new StarlarkResolveError(this.filename, sorted);
  }

  private error(pos: Position, msg: string): void {
    this.problems.push({ pos, msg });
  }

  private formatPos(pos: Position): string {
    return `${this.filename}:${pos.line}:${pos.col}`;
  }

  private atTopLevel(): boolean {
    return this.env.container.fn === undefined;
  }

  private push(b: Block): void {
    (this.env.children ??= []).push(b);
    this.env = b;
  }

  private pop(): void {
    this.env = this.env.parent!;
  }

  // ---- binding and use ----

  /** A binding use: a global at top level, a local elsewhere. Returns whether it existed. */
  private bind(id: Ident): boolean {
    if (this.env !== this.fileBlock) return this.bindLocal(id);
    let b = this.fileBlock.bindings?.get(id.name);
    if (b === undefined) b = this.globals.get(id.name);
    const existed = b !== undefined;
    if (b === undefined) {
      b = newBinding(Scope.Global, this.moduleGlobals.length, id);
      this.globals.set(id.name, b);
      this.moduleGlobals.push(b);
    } else if (!this.globalReassign) {
      const first = b.first === undefined ? '' : this.formatPos(b.first.namePos);
      this.error(id.namePos, `cannot reassign ${scopeName(b.scope)} ${id.name} declared at ${first}`);
    }
    id.binding = b;
    return existed;
  }

  private bindLocal(id: Ident): boolean {
    const existed = this.env.bindings?.has(id.name) === true;
    if (!existed) {
      const fn = this.env.container.fn;
      const locals = fn !== undefined ? fn.locals : this.moduleLocals;
      const b = newBinding(Scope.Local, locals.length, id);
      this.env.bind(id.name, b);
      locals.push(b);
    }
    this.use(id);
    return existed;
  }

  private use(id: Ident): void {
    if (this.globalReassign && this.env === this.fileBlock) {
      this.useToplevel(id, this.env);
      return;
    }
    const c = this.env.container;
    (c.useIds ??= []).push(id);
    (c.useEnvs ??= []).push(this.env);
  }

  private useToplevel(id: Ident, env: Block): Binding {
    const name = id.name;
    let b = this.fileBlock.bindings?.get(name) ?? this.globals.get(name) ?? this.predeclared.get(name);
    if (b === undefined) {
      if (this.isPredeclared(name)) {
        b = newBinding(Scope.Predeclared, 0, undefined);
        this.predeclared.set(name, b);
      } else if (this.isUniversal(name)) {
        if (!this.allowSet && name === 'set') this.error(id.namePos, DOESNT + 'support sets');
        b = newBinding(Scope.Universal, 0, undefined);
        this.predeclared.set(name, b);
      } else {
        b = newBinding(Scope.Undefined, 0, undefined);
        const n = this.spellcheck(name, env);
        this.error(id.namePos, `undefined: ${name}${n === '' ? '' : ` (did you mean ${n}?)`}`);
      }
    }
    id.binding = b;
    return b;
  }

  private spellcheck(name: string, env: Block): string {
    const names: string[] = [];
    for (let b: Block | undefined = env; b !== undefined; b = b.parent) {
      if (b.bindings !== undefined) for (const k of b.bindings.keys()) names.push(k);
    }
    for (const g of this.moduleGlobals) names.push(g.first!.name);
    names.sort(compareCodePoints);
    return spellNearest(name, names);
  }

  resolveNonLocalUses(b: Block): void {
    if (b.children !== undefined) for (const child of b.children) this.resolveNonLocalUses(child);
    const ids = b.useIds;
    const envs = b.useEnvs;
    if (ids === undefined || envs === undefined) return;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      id.binding = this.lookupLexical(id, envs[i]!, envs[i]!);
    }
  }

  private lookupLexical(id: Ident, useEnv: Block, env: Block): Binding {
    if (env === this.fileBlock) return this.useToplevel(id, useEnv);
    let b = env.bindings?.get(id.name);
    if (b === undefined) {
      b = this.lookupLexical(id, useEnv, env.parent!);
      const fn = env.fn;
      if (fn !== undefined && (b.scope === Scope.Local || b.scope === Scope.Free || b.scope === Scope.Cell)) {
        if (b.scope === Scope.Local) b.scope = Scope.Cell;
        const index = fn.freeVars.length;
        fn.freeVars.push(b);
        b = newBinding(Scope.Free, index, b.first);
      }
      env.bind(id.name, b);
    }
    return b;
  }

  // ---- statements ----

  stmts(stmts: Stmt[]): void {
    for (const s of stmts) this.stmt(s);
  }

  private stmt(s: Stmt): void {
    switch (s.kind) {
      case 'ExprStmt':
        this.expr(s.x);
        break;

      case 'BranchStmt':
        if (this.loops === 0 && (s.token === 'break' || s.token === 'continue')) {
          this.error(s.tokenPos, `${s.token} not in a loop`);
        }
        break;

      case 'IfStmt':
        if (!this.topLevelControl && this.atTopLevel()) {
          this.error(s.ifPos, 'if statement not within a function');
        }
        this.expr(s.cond);
        this.ifstmts++;
        this.stmts(s.trueBody);
        this.stmts(s.falseBody);
        this.ifstmts--;
        break;

      case 'AssignStmt':
        this.expr(s.rhs);
        this.assign(s.lhs, s.op !== '=');
        break;

      case 'DefStmt': {
        this.bind(s.name);
        const fn = newFunction(s.def, s.name.name, s.params, s.body);
        s.fn = fn;
        this.func(fn);
        break;
      }

      case 'ForStmt':
        if (!this.topLevelControl && this.atTopLevel()) {
          this.error(s.forPos, 'for loop not within a function');
        }
        this.expr(s.x);
        this.assign(s.vars, false);
        this.loops++;
        this.stmts(s.body);
        this.loops--;
        break;

      case 'WhileStmt':
        if (!this.allowWhile) this.error(s.whilePos, DOESNT + 'support while loops');
        if (!this.topLevelControl && this.atTopLevel()) {
          this.error(s.whilePos, 'while loop not within a function');
        }
        this.expr(s.cond);
        this.loops++;
        this.stmts(s.body);
        this.loops--;
        break;

      case 'ReturnStmt':
        if (this.atTopLevel()) this.error(s.returnPos, 'return statement not within a function');
        if (s.result !== undefined) this.expr(s.result);
        break;

      case 'LoadStmt':
        if (!this.atTopLevel()) {
          this.error(s.loadPos, 'load statement within a function');
        } else if (this.loops > 0) {
          this.error(s.loadPos, 'load statement within a loop');
        } else if (this.ifstmts > 0) {
          this.error(s.loadPos, 'load statement within a conditional');
        }
        for (let i = 0; i < s.from.length; i++) {
          const from = s.from[i]!;
          if (from.name === '') {
            this.error(from.namePos, 'load: empty identifier');
            continue;
          }
          if (from.name[0] === '_') {
            this.error(from.namePos, `load: names with leading underscores are not exported: ${from.name}`);
          }
          const id = s.to[i]!;
          if (this.loadBindsGlobally) {
            this.bind(id);
          } else if (this.bindLocal(id) && !this.globalReassign) {
            this.error(id.namePos, `cannot reassign top-level ${id.name}`);
          }
        }
        break;
    }
  }

  private assign(lhs: Expr, isAugmented: boolean): void {
    switch (lhs.kind) {
      case 'Ident':
        this.bind(lhs);
        break;
      case 'IndexExpr':
        this.expr(lhs.x);
        this.expr(lhs.y);
        break;
      case 'DotExpr':
        this.expr(lhs.x);
        break;
      case 'TupleExpr':
      case 'ListExpr':
        if (isAugmented) {
          // The reference parses `(a, b)` as parentheses around a bare tuple, which starts
          // at its first element.
          const pos = lhs.kind === 'TupleExpr' && lhs.list.length > 0 ? exprStart(lhs.list[0]!) : exprStart(lhs);
          const what = lhs.kind === 'TupleExpr' ? 'tuple' : 'list';
          this.error(pos, `can't use ${what} expression in augmented assignment`);
        }
        for (const elem of lhs.list) this.assign(elem, isAugmented);
        break;
      case 'ParenExpr':
        this.assign(lhs.x, isAugmented);
        break;
      default:
        this.error(exprStart(lhs), `can't assign to ${lhs.kind.toLowerCase()}`);
    }
  }

  // ---- expressions ----

  expr(e: Expr): void {
    switch (e.kind) {
      case 'Ident':
        this.use(e);
        break;
      case 'Literal':
        break;
      case 'ListExpr':
      case 'TupleExpr':
        for (const x of e.list) this.expr(x);
        break;
      case 'CondExpr':
        this.expr(e.cond);
        this.expr(e.trueExpr);
        this.expr(e.falseExpr);
        break;
      case 'IndexExpr':
        this.expr(e.x);
        this.expr(e.y);
        break;
      case 'DictEntry':
        this.expr(e.key);
        this.expr(e.value);
        break;
      case 'SliceExpr':
        this.expr(e.x);
        if (e.lo !== undefined) this.expr(e.lo);
        if (e.hi !== undefined) this.expr(e.hi);
        if (e.step !== undefined) this.expr(e.step);
        break;
      case 'Comprehension': {
        if (e.curly && e.body.kind !== 'DictEntry' && !this.allowSet) {
          this.error(e.lbrack, DOESNT + 'support set comprehensions');
        }
        const first = e.clauses[0];
        if (first === undefined) {
          this.expr(e.body);
          break;
        }
        // The first iterable is evaluated outside the comprehension's block: [x for x in x].
        if (first.kind === 'ForClause') this.expr(first.x);
        this.push(new Block(this.env, undefined));
        if (first.kind === 'ForClause') this.assign(first.vars, false);
        else this.expr(first.cond);
        for (let i = 1; i < e.clauses.length; i++) {
          const c = e.clauses[i]!;
          if (c.kind === 'IfClause') {
            this.expr(c.cond);
          } else {
            this.assign(c.vars, false);
            this.expr(c.x);
          }
        }
        this.expr(e.body);
        this.pop();
        break;
      }
      case 'DictExpr':
        for (const entry of e.list) {
          this.expr(entry.key);
          this.expr(entry.value);
        }
        break;
      case 'UnaryExpr':
        if (e.x !== undefined) this.expr(e.x);
        break;
      case 'BinaryExpr':
        this.expr(e.x);
        this.expr(e.y);
        break;
      case 'DotExpr':
        this.expr(e.x);
        break;
      case 'CallExpr':
        this.call(e.fn, e.args);
        break;
      case 'LambdaExpr': {
        const ret: Stmt = { kind: 'ReturnStmt', returnPos: e.lambdaPos, result: e.body };
        const fn = newFunction(e.lambdaPos, 'lambda', e.params, [ret]);
        e.fn = fn;
        this.func(fn);
        break;
      }
      case 'ParenExpr':
        this.expr(e.x);
        break;
    }
  }

  private call(fnExpr: Expr, args: Expr[]): void {
    this.expr(fnExpr);
    let seenVarargs = false;
    let seenKwargs = false;
    let seenName: Set<string> | undefined;
    let nNamed = 0;
    let nPositional = 0;
    for (const arg of args) {
      const pos = exprStart(arg);
      if (arg.kind === 'UnaryExpr' && arg.op === '**') {
        if (seenKwargs) this.error(pos, 'multiple **kwargs not allowed');
        seenKwargs = true;
        this.expr(arg);
      } else if (arg.kind === 'UnaryExpr' && arg.op === '*') {
        if (seenKwargs) this.error(pos, '*args may not follow **kwargs');
        else if (seenVarargs) this.error(pos, 'multiple *args not allowed');
        seenVarargs = true;
        this.expr(arg);
      } else if (arg.kind === 'BinaryExpr' && arg.op === '=') {
        nNamed++;
        if (seenKwargs) this.error(pos, 'keyword argument may not follow **kwargs');
        else if (seenVarargs) this.error(pos, 'keyword argument may not follow *args');
        const x = arg.x;
        if (x.kind === 'Ident') {
          if (seenName?.has(x.name)) {
            this.error(x.namePos, `keyword argument ${x.name} repeated`);
          } else {
            (seenName ??= new Set()).add(x.name);
          }
        }
        this.expr(arg.y);
      } else {
        nPositional++;
        if (seenVarargs) this.error(pos, 'positional argument may not follow *args');
        else if (seenKwargs) this.error(pos, 'positional argument may not follow **kwargs');
        else if (seenName !== undefined && seenName.size > 0) {
          this.error(pos, 'positional argument may not follow named');
        }
        this.expr(arg);
      }
    }
    if (nPositional >= 256) {
      this.error(exprStart(fnExpr), `${nPositional} positional arguments in call, limit is 255`);
    }
    if (nNamed >= 256) {
      this.error(exprStart(fnExpr), `${nNamed} keyword arguments in call, limit is 255`);
    }
  }

  private func(fn: ResolvedFunction): void {
    for (const p of fn.params) {
      if (p.kind === 'BinaryExpr') this.expr(p.y);
    }

    const block = new Block(this.env, fn);
    this.push(block);
    const outerLoops = this.loops;
    const outerIfs = this.ifstmts;
    this.loops = 0;
    this.ifstmts = 0;

    let seenOptional = false;
    let star: UnaryExpr | undefined;
    let starStar: Ident | undefined;
    let numKwonly = 0;
    for (const p of fn.params) {
      switch (p.kind) {
        case 'Ident':
          if (starStar !== undefined) {
            this.error(p.namePos, `required parameter may not follow **${starStar.name}`);
          } else if (star !== undefined) {
            numKwonly++;
          } else if (seenOptional) {
            this.error(p.namePos, 'required parameter may not follow optional');
          }
          if (this.bind(p)) this.error(p.namePos, `duplicate parameter: ${p.name}`);
          break;
        case 'BinaryExpr':
          if (starStar !== undefined) {
            this.error(p.opPos, `optional parameter may not follow **${starStar.name}`);
          } else if (star !== undefined) {
            numKwonly++;
          }
          if (p.x.kind === 'Ident' && this.bind(p.x)) {
            this.error(p.opPos, `duplicate parameter: ${p.x.name}`);
          }
          seenOptional = true;
          break;
        case 'UnaryExpr':
          if (p.op === '*') {
            if (starStar !== undefined) {
              this.error(p.opPos, `* parameter may not follow **${starStar.name}`);
            } else if (star !== undefined) {
              this.error(p.opPos, 'multiple * parameters not allowed');
            } else {
              star = p;
            }
          } else {
            if (starStar !== undefined) this.error(p.opPos, 'multiple ** parameters not allowed');
            if (p.x !== undefined && p.x.kind === 'Ident') starStar = p.x;
          }
          break;
      }
    }

    // *args and **kwargs take the slots after all named parameters.
    if (star !== undefined) {
      const id = star.x;
      if (id !== undefined && id.kind === 'Ident') {
        if (this.bind(id)) this.error(id.namePos, `duplicate parameter: ${id.name}`);
        fn.hasVarargs = true;
      } else if (numKwonly === 0) {
        this.error(star.opPos, 'bare * must be followed by keyword-only parameters');
      }
    }
    if (starStar !== undefined) {
      if (this.bind(starStar)) this.error(starStar.namePos, `duplicate parameter: ${starStar.name}`);
      fn.hasKwargs = true;
    }
    fn.numKwonlyParams = numKwonly;

    this.stmts(fn.body);
    block.resolveLocalUses();

    this.loops = outerLoops;
    this.ifstmts = outerIfs;
    this.pop();
  }
}

function newFunction(pos: Position, name: string, params: Param[], body: Stmt[]): ResolvedFunction {
  return {
    pos,
    name,
    params,
    body,
    hasVarargs: false,
    hasKwargs: false,
    numKwonlyParams: 0,
    locals: [],
    freeVars: [],
  };
}

/** The position where the reference considers an expression to start. */
export function exprStart(e: Expr): Position {
  for (;;) {
    switch (e.kind) {
      case 'Ident':
        return e.namePos;
      case 'Literal':
        return e.tokenPos;
      case 'ParenExpr':
        return e.lparen;
      case 'Comprehension':
      case 'ListExpr':
        return e.lbrack;
      case 'DictExpr':
        return e.lbrace;
      case 'LambdaExpr':
        return e.lambdaPos;
      case 'UnaryExpr':
        return e.opPos;
      case 'TupleExpr':
        if (e.lparen !== undefined) return e.lparen;
        if (e.list.length === 0) return { line: 0, col: 0 };
        e = e.list[0]!;
        break;
      case 'CondExpr':
        e = e.trueExpr;
        break;
      case 'DictEntry':
        e = e.key;
        break;
      case 'CallExpr':
        e = e.fn;
        break;
      case 'DotExpr':
      case 'BinaryExpr':
      case 'SliceExpr':
      case 'IndexExpr':
        e = e.x;
        break;
    }
  }
}
