// The Starlark syntax tree: what the parser produces, the resolver annotates and the
// compiler consumes. It mirrors the shape of the reference implementation's tree (so its
// behaviour is easy to follow) with TypeScript discriminated unions: every node has a
// `kind`, and every node keeps the positions of the tokens that errors are reported at
// (an operator, an opening bracket, a keyword), 1-based line and column (in characters).
//
// The resolver fills in the optional `binding` of identifiers and `fn` of functions; the
// parser leaves them undefined.

export interface Position {
  readonly line: number;
  readonly col: number;
}

export type BinaryOp =
  '+' | '-' | '*' | '/' | '//' | '%' | '&' | '|' | '^' | '<<' | '>>' | '==' | '!=' | '<' | '>' | '<=' | '>=' | 'and' | 'or' | 'in' | 'not in';

export type AugmentedOp = '+=' | '-=' | '*=' | '/=' | '//=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';

// ---- files and statements ----------------------------------------------------------

export interface File {
  kind: 'File';
  path: string;
  stmts: Stmt[];
  /** Set by the resolver. */
  module?: ResolvedModule;
}

export type Stmt = AssignStmt | DefStmt | ExprStmt | IfStmt | ForStmt | WhileStmt | LoadStmt | BranchStmt | ReturnStmt;

/** `lhs = rhs` (op '=') or `lhs += rhs` etc. */
export interface AssignStmt {
  kind: 'AssignStmt';
  opPos: Position;
  op: '=' | AugmentedOp;
  lhs: Expr;
  rhs: Expr;
}

export interface DefStmt {
  kind: 'DefStmt';
  def: Position;
  name: Ident;
  params: Param[];
  body: Stmt[];
  /** Set by the resolver. */
  fn?: ResolvedFunction;
}

export interface ExprStmt {
  kind: 'ExprStmt';
  x: Expr;
}

/** `if` / `elif` chains: an `elif` is an IfStmt alone in `falseBody`, with `elsePos` at ELIF. */
export interface IfStmt {
  kind: 'IfStmt';
  ifPos: Position;
  cond: Expr;
  trueBody: Stmt[];
  elsePos?: Position;
  falseBody: Stmt[];
}

export interface ForStmt {
  kind: 'ForStmt';
  forPos: Position;
  /** An Ident, or a TupleExpr/ListExpr/ParenExpr of assignable expressions. */
  vars: Expr;
  x: Expr;
  body: Stmt[];
}

export interface WhileStmt {
  kind: 'WhileStmt';
  whilePos: Position;
  cond: Expr;
  body: Stmt[];
}

/** `load("module", "a", b="c")`: from[i] is the name in the loaded module, to[i] the local name. */
export interface LoadStmt {
  kind: 'LoadStmt';
  loadPos: Position;
  module: Literal; // a string literal
  from: Ident[];
  to: Ident[];
  rparen: Position;
}

export interface BranchStmt {
  kind: 'BranchStmt';
  token: 'break' | 'continue' | 'pass';
  tokenPos: Position;
}

export interface ReturnStmt {
  kind: 'ReturnStmt';
  returnPos: Position;
  result?: Expr;
}

// ---- expressions -----------------------------------------------------------------

export type Expr =
  | Ident
  | Literal
  | ParenExpr
  | CallExpr
  | DotExpr
  | Comprehension
  | DictExpr
  | DictEntry
  | LambdaExpr
  | ListExpr
  | CondExpr
  | TupleExpr
  | UnaryExpr
  | BinaryExpr
  | SliceExpr
  | IndexExpr;

export interface Ident {
  kind: 'Ident';
  namePos: Position;
  name: string;
  /** Set by the resolver. */
  binding?: Binding;
}

/**
 * A string, int or float literal. For STRING, `value` is the decoded string as a *byte
 * string*: one JS character (code 0-255) per byte of its UTF-8 encoding, which is how
 * Starlark strings are stored at run time (so `len("é") == 2`, and escapes such as "\xff"
 * denote single bytes). For INT, a number when it is a safe integer, else a bigint. For
 * FLOAT, a number.
 */
export interface Literal {
  kind: 'Literal';
  token: 'STRING' | 'INT' | 'FLOAT';
  tokenPos: Position;
  raw: string;
  value: string | number | bigint;
}

export interface ParenExpr {
  kind: 'ParenExpr';
  lparen: Position;
  x: Expr;
  rparen: Position;
}

/**
 * A call. `args` holds, in source order: plain expressions, `name=expr` (a BinaryExpr with
 * op '=' whose x is an Ident), `*expr` (UnaryExpr op '*') and `**expr` (UnaryExpr op '**').
 */
export interface CallExpr {
  kind: 'CallExpr';
  fn: Expr;
  lparen: Position;
  args: Expr[];
  rparen: Position;
}

export interface DotExpr {
  kind: 'DotExpr';
  x: Expr;
  dot: Position;
  namePos: Position;
  name: Ident;
}

/** `[body for ...]`, `{body for ...}` (set, behind an option) or `{k: v for ...}` (body is a DictEntry). */
export interface Comprehension {
  kind: 'Comprehension';
  curly: boolean;
  lbrack: Position;
  body: Expr;
  clauses: (ForClause | IfClause)[];
  rbrack: Position;
}

export interface ForClause {
  kind: 'ForClause';
  forPos: Position;
  vars: Expr;
  inPos: Position;
  x: Expr;
}

export interface IfClause {
  kind: 'IfClause';
  ifPos: Position;
  cond: Expr;
}

export interface DictExpr {
  kind: 'DictExpr';
  lbrace: Position;
  list: DictEntry[];
  rbrace: Position;
}

export interface DictEntry {
  kind: 'DictEntry';
  key: Expr;
  colon: Position;
  value: Expr;
}

export interface LambdaExpr {
  kind: 'LambdaExpr';
  lambdaPos: Position;
  params: Param[];
  body: Expr;
  /** Set by the resolver. */
  fn?: ResolvedFunction;
}

export interface ListExpr {
  kind: 'ListExpr';
  lbrack: Position;
  list: Expr[];
  rbrack: Position;
}

export interface CondExpr {
  kind: 'CondExpr';
  ifPos: Position;
  cond: Expr;
  trueExpr: Expr;
  elsePos: Position;
  falseExpr: Expr;
}

/** A tuple; `lparen`/`rparen` are absent for an unparenthesized tuple such as `x, y = 1, 2`. */
export interface TupleExpr {
  kind: 'TupleExpr';
  lparen?: Position;
  list: Expr[];
  rparen?: Position;
}

/**
 * `-x`, `+x`, `~x`, `not x`; in parameter lists and call arguments also `*x`, `**x`
 * and a bare `*` (op '*' with x undefined).
 */
export interface UnaryExpr {
  kind: 'UnaryExpr';
  opPos: Position;
  op: '+' | '-' | '~' | 'not' | '*' | '**';
  x?: Expr;
}

/** A binary operation; in parameter lists and call arguments also `name=expr` (op '='). */
export interface BinaryExpr {
  kind: 'BinaryExpr';
  x: Expr;
  opPos: Position;
  op: BinaryOp | '=';
  y: Expr;
}

export interface SliceExpr {
  kind: 'SliceExpr';
  x: Expr;
  lbrack: Position;
  lo?: Expr;
  hi?: Expr;
  step?: Expr;
  rbrack: Position;
}

export interface IndexExpr {
  kind: 'IndexExpr';
  x: Expr;
  lbrack: Position;
  y: Expr;
  rbrack: Position;
}

/**
 * A parameter: `name` (Ident), `name=default` (BinaryExpr op '='), `*` (UnaryExpr op '*',
 * no x), `*args` (UnaryExpr op '*'), `**kwargs` (UnaryExpr op '**').
 */
export type Param = Ident | BinaryExpr | UnaryExpr;

export type Node = File | Stmt | Expr | ForClause | IfClause;

// ---- resolver annotations --------------------------------------------------------

export const enum Scope {
  Undefined = 0,
  /** local to its function or file (comprehension variables, file-level `load` names) */
  Local = 1,
  /** a local that a nested function captures */
  Cell = 2,
  /** a cell of an enclosing function, captured by this one */
  Free = 3,
  /** global to the module */
  Global = 4,
  /** predeclared by the host for this module (e.g. `plan` helpers, `json`) */
  Predeclared = 5,
  /** universal built-in (e.g. `len`) */
  Universal = 6,
}

/**
 * What an identifier denotes. All identifiers that denote the same variable share one
 * Binding. `index` is into the enclosing function's (or module's) `locals` for Local and
 * Cell, the function's `freeVars` for Free, the module's `globals` for Global; 0 otherwise.
 */
export interface Binding {
  scope: Scope;
  index: number;
  /** The first binding use (for Local, Cell, Free and Global). */
  first?: Ident;
}

export interface ResolvedFunction {
  pos: Position;
  /** The def's name, or "lambda". */
  name: string;
  params: Param[];
  /** For a lambda: a synthetic `return body`. */
  body: Stmt[];
  hasVarargs: boolean;
  hasKwargs: boolean;
  /** Number of keyword-only parameters (those after `*` or `*args`, before `**kwargs`). */
  numKwonlyParams: number;
  /** This function's local and cell variables, parameters first, in parameter order. */
  locals: Binding[];
  /** For each captured variable, the Binding in the enclosing function (a Cell, or a Free of that function). */
  freeVars: Binding[];
}

export interface ResolvedModule {
  /** File-level locals: comprehension variables at top level, and `load` names. */
  locals: Binding[];
  /** The module's global variables, in order of first binding. */
  globals: Binding[];
}

/** Dialect options, as in the reference implementation. Kurtosis's dialect is all-false. */
export interface DialectOptions {
  /** allow the `set` built-in (and set comprehensions) */
  set?: boolean;
  /** allow `while` statements */
  while?: boolean;
  /** allow recursive calls (checked at run time) */
  recursion?: boolean;
  /** allow reassignment of top-level names, and `if`/`for`/`while` at top level */
  globalReassign?: boolean;
  /** allow `if`/`for`/`while` at top level (implied by globalReassign) */
  topLevelControl?: boolean;
  /** `load` binds names as globals rather than file-locals */
  loadBindsGlobally?: boolean;
}
