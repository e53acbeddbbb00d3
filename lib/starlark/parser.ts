// The Starlark parser: recursive descent over the scanner's tokens, one token of
// lookahead, producing the tree of ast.ts. It follows the reference parser production by
// production, so that the tree's shape, the positions kept in it, the first error found,
// the position it is reported at (usually the scanner's position just after the lookahead
// token) and its message are all the reference's. Binary operators are parsed by
// precedence climbing in one loop per operand rather than one call per precedence level,
// which accepts exactly the same language but keeps the stack shallow; nesting deeper
// than MAX_NESTING brackets, blocks or nested constructs is a clean syntax error.
//
// Checks the reference leaves to the resolver (parameter and argument order, duplicate
// names, what may be assigned to) are left to the resolver here too.
import type {
  AugmentedOp,
  BinaryExpr,
  BinaryOp,
  DictEntry,
  Expr,
  File,
  ForClause,
  Ident,
  IfClause,
  IfStmt,
  Literal,
  LoadStmt,
  Param,
  Position,
  Stmt,
  UnaryExpr,
} from './ast.js';
import { StarlarkSyntaxError } from './errors.js';
import { utf8Decode } from './quote.js';
import { Scanner, Tok, tokenDescr, tokenName } from './scanner.js';

/** Maximum nesting of brackets, calls, blocks, unary operators, lambdas and conditionals. */
export const MAX_NESTING = 1000;

const COMPARISON_PREC = 3;
const NOT_PREC = 2;

const precedence = new Int8Array(Tok.WHILE + 1).fill(-1);
precedence[Tok.OR] = 0;
precedence[Tok.AND] = 1;
precedence[Tok.NOT] = NOT_PREC;
for (const t of [Tok.EQL, Tok.NEQ, Tok.LT, Tok.GT, Tok.LE, Tok.GE, Tok.IN, Tok.NOT_IN]) precedence[t] = COMPARISON_PREC;
precedence[Tok.PIPE] = 4;
precedence[Tok.CIRCUMFLEX] = 5;
precedence[Tok.AMP] = 6;
precedence[Tok.LTLT] = 7;
precedence[Tok.GTGT] = 7;
precedence[Tok.MINUS] = 8;
precedence[Tok.PLUS] = 8;
precedence[Tok.STAR] = 9;
precedence[Tok.PERCENT] = 9;
precedence[Tok.SLASH] = 9;
precedence[Tok.SLASHSLASH] = 9;

function terminatesExprList(t: Tok): boolean {
  switch (t) {
    case Tok.EOF:
    case Tok.NEWLINE:
    case Tok.EQ:
    case Tok.RBRACE:
    case Tok.RBRACK:
    case Tok.RPAREN:
    case Tok.SEMI:
      return true;
  }
  return false;
}

function isAssignOp(t: Tok): boolean {
  return t === Tok.EQ || (t >= Tok.PLUS_EQ && t <= Tok.GTGT_EQ);
}

class Parser {
  private readonly sc: Scanner;
  private tok: Tok = Tok.ILLEGAL;
  private depth = 0;
  readonly filename: string;

  constructor(filename: string, src: string) {
    this.filename = filename;
    this.sc = new Scanner(filename, src);
  }

  start(): void {
    this.tok = this.sc.next();
  }

  // ---- token helpers -----------------------------------------------------------

  /** The lookahead token (a method, so that TypeScript does not narrow it across calls). */
  private token(): Tok {
    return this.tok;
  }

  private next(): void {
    this.tok = this.sc.next();
  }

  /** Advances and returns the position of the token just consumed. */
  private nextPos(): Position {
    const p = { line: this.sc.tokLine, col: this.sc.tokCol };
    this.tok = this.sc.next();
    return p;
  }

  /** An error at the scanner's position (just after the lookahead token). */
  errorHere(msg: string): never {
    throw new StarlarkSyntaxError(this.sc.filename, this.sc.pos(), msg);
  }

  private errorAt(pos: Position, msg: string): never {
    throw new StarlarkSyntaxError(this.sc.filename, pos, msg);
  }

  private consume(t: Tok): Position {
    if (this.token() !== t) this.errorHere(`got ${tokenDescr(this.token())}, want ${tokenDescr(t)}`);
    return this.nextPos();
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) {
      this.errorAt(this.sc.tokPos(), `nesting too deep (more than ${MAX_NESTING} levels)`);
    }
  }

  private leave(): void {
    this.depth--;
  }

  currentPos(): Position {
    return this.sc.tokPos();
  }

  // ---- statements --------------------------------------------------------------

  parseFile(filename: string): File {
    const stmts: Stmt[] = [];
    while (this.token() !== Tok.EOF) {
      if (this.token() === Tok.NEWLINE) {
        this.next();
        continue;
      }
      this.parseStmt(stmts);
    }
    return { kind: 'File', path: filename, stmts };
  }

  parseExprInput(): Expr {
    const x = this.parseExpr(false);
    if (this.token() === Tok.NEWLINE) this.next();
    if (this.token() !== Tok.EOF) this.errorHere(`got ${tokenDescr(this.token())} after expression, want EOF`);
    return x;
  }

  private parseStmt(stmts: Stmt[]): void {
    switch (this.token()) {
      case Tok.DEF:
        stmts.push(this.parseDefStmt());
        return;
      case Tok.IF:
        stmts.push(this.parseIfStmt());
        return;
      case Tok.FOR:
        stmts.push(this.parseForStmt());
        return;
      case Tok.WHILE:
        stmts.push(this.parseWhileStmt());
        return;
    }
    this.parseSimpleStmt(stmts);
  }

  private parseDefStmt(): Stmt {
    const def = this.nextPos();
    const name = this.parseIdent();
    this.consume(Tok.LPAREN);
    const params = this.parseParams();
    this.consume(Tok.RPAREN);
    this.consume(Tok.COLON);
    const body = this.parseSuite();
    return { kind: 'DefStmt', def, name, params, body };
  }

  private parseIfStmt(): Stmt {
    const ifPos = this.nextPos();
    const cond = this.parseTest();
    this.consume(Tok.COLON);
    const trueBody = this.parseSuite();
    const ifStmt: IfStmt = { kind: 'IfStmt', ifPos, cond, trueBody, elsePos: undefined, falseBody: [] };
    let tail = ifStmt;
    while (this.token() === Tok.ELIF) {
      const elifPos = this.nextPos();
      const cond = this.parseTest();
      this.consume(Tok.COLON);
      const body = this.parseSuite();
      const elif: IfStmt = { kind: 'IfStmt', ifPos: elifPos, cond, trueBody: body, elsePos: undefined, falseBody: [] };
      tail.elsePos = elifPos;
      tail.falseBody = [elif];
      tail = elif;
    }
    if (this.token() === Tok.ELSE) {
      tail.elsePos = this.nextPos();
      this.consume(Tok.COLON);
      tail.falseBody = this.parseSuite();
    }
    return ifStmt;
  }

  private parseForStmt(): Stmt {
    const forPos = this.nextPos();
    const vars = this.parseForLoopVariables();
    this.consume(Tok.IN);
    const x = this.parseExpr(false);
    this.consume(Tok.COLON);
    const body = this.parseSuite();
    return { kind: 'ForStmt', forPos, vars, x, body };
  }

  private parseWhileStmt(): Stmt {
    const whilePos = this.nextPos();
    const cond = this.parseTest();
    this.consume(Tok.COLON);
    const body = this.parseSuite();
    return { kind: 'WhileStmt', whilePos, cond, body };
  }

  /** Loop variables: primary expressions with suffixes, comma-separated (no `in` operator). */
  private parseForLoopVariables(): Expr {
    const v = this.parsePrimaryWithSuffix();
    if (this.token() !== Tok.COMMA) return v;
    const list: Expr[] = [v];
    while (this.token() === Tok.COMMA) {
      this.next();
      if (terminatesExprList(this.token())) break;
      list.push(this.parsePrimaryWithSuffix());
    }
    return { kind: 'TupleExpr', lparen: undefined, list, rparen: undefined };
  }

  private parseSimpleStmt(stmts: Stmt[]): Stmt[] {
    for (;;) {
      stmts.push(this.parseSmallStmt());
      if (this.token() !== Tok.SEMI) break;
      this.next();
      if (this.token() === Tok.NEWLINE || this.token() === Tok.EOF) break;
    }
    if (this.token() !== Tok.EOF) this.consume(Tok.NEWLINE);
    return stmts;
  }

  private parseSmallStmt(): Stmt {
    switch (this.token()) {
      case Tok.RETURN: {
        const returnPos = this.nextPos();
        let result: Expr | undefined;
        if (this.token() !== Tok.EOF && this.token() !== Tok.NEWLINE && this.token() !== Tok.SEMI) {
          result = this.parseExpr(false);
        }
        return { kind: 'ReturnStmt', returnPos, result };
      }
      case Tok.BREAK:
      case Tok.CONTINUE:
      case Tok.PASS: {
        const token = this.token() === Tok.BREAK ? 'break' : this.token() === Tok.CONTINUE ? 'continue' : 'pass';
        const tokenPos = this.nextPos();
        return { kind: 'BranchStmt', token, tokenPos };
      }
      case Tok.LOAD:
        return this.parseLoadStmt();
    }
    const lhs = this.parseExpr(false);
    if (isAssignOp(this.token())) {
      const op = tokenName(this.token()) as '=' | AugmentedOp;
      const opPos = this.nextPos();
      const rhs = this.parseExpr(false);
      return { kind: 'AssignStmt', opPos, op, lhs, rhs };
    }
    return { kind: 'ExprStmt', x: lhs };
  }

  private parseLoadStmt(): LoadStmt {
    const loadPos = this.nextPos();
    const lparen = this.consume(Tok.LPAREN);
    if (this.token() !== Tok.STRING) this.errorHere('first operand of load statement must be a string literal');
    const module = this.parseLiteral();
    const from: Ident[] = [];
    const to: Ident[] = [];
    while (this.token() !== Tok.RPAREN && this.token() !== Tok.EOF) {
      this.consume(Tok.COMMA);
      if (this.token() === Tok.RPAREN) break;
      switch (this.token()) {
        case Tok.STRING: {
          const lit = this.parseLiteral();
          const id = this.loadName(lit);
          to.push(id);
          from.push(id);
          break;
        }
        case Tok.IDENT: {
          const id = this.parseIdent();
          const name = utf8Decode(id.name);
          to.push(id);
          if (this.token() !== Tok.EQ) {
            this.errorHere(`load operand must be "${name}" or ${name}="originalname" (want '=' after ${name})`);
          }
          this.consume(Tok.EQ);
          if (this.token() !== Tok.STRING) {
            this.errorHere(`original name of loaded symbol must be quoted: ${name}="originalname"`);
          }
          from.push(this.loadName(this.parseLiteral()));
          break;
        }
        default:
          this.errorHere(`load operand must be "name" or localname="name" (got ${tokenDescr(this.token())})`);
      }
    }
    const rparen = this.consume(Tok.RPAREN);
    if (to.length === 0) this.errorAt(lparen, 'load statement must import at least 1 symbol');
    return { kind: 'LoadStmt', loadPos, module, from, to, rparen };
  }

  /** The identifier a load operand's string denotes, positioned just inside its quote. */
  private loadName(lit: Literal): Ident {
    return {
      kind: 'Ident',
      namePos: { line: lit.tokenPos.line, col: lit.tokenPos.col + 1 },
      name: lit.value as string,
    };
  }

  private parseSuite(): Stmt[] {
    this.enter();
    let stmts: Stmt[];
    if (this.token() === Tok.NEWLINE) {
      this.next();
      this.consume(Tok.INDENT);
      stmts = [];
      while (this.token() !== Tok.OUTDENT && this.token() !== Tok.EOF) this.parseStmt(stmts);
      this.consume(Tok.OUTDENT);
    } else {
      stmts = this.parseSimpleStmt([]);
    }
    this.leave();
    return stmts;
  }

  // ---- expressions -------------------------------------------------------------

  private parseIdent(): Ident {
    if (this.token() !== Tok.IDENT) this.errorHere('not an identifier');
    const id: Ident = {
      kind: 'Ident',
      namePos: { line: this.sc.tokLine, col: this.sc.tokCol },
      name: this.sc.value as string,
    };
    this.next();
    return id;
  }

  private parseLiteral(): Literal {
    const t = this.token();
    const lit: Literal = {
      kind: 'Literal',
      token: t === Tok.STRING ? 'STRING' : t === Tok.INT ? 'INT' : 'FLOAT',
      tokenPos: { line: this.sc.tokLine, col: this.sc.tokCol },
      raw: this.sc.raw,
      value: this.sc.value,
    };
    this.next();
    return lit;
  }

  /** Parameters of a def or lambda; order and duplicates are checked by the resolver. */
  private parseParams(): Param[] {
    const params: Param[] = [];
    while (this.token() !== Tok.RPAREN && this.token() !== Tok.COLON && this.token() !== Tok.EOF) {
      if (params.length > 0) this.consume(Tok.COMMA);
      if (this.token() === Tok.RPAREN) break;
      if (this.token() === Tok.STAR || this.token() === Tok.STARSTAR) {
        const op = this.token() === Tok.STAR ? '*' : '**';
        const opPos = this.nextPos();
        let x: Ident | undefined;
        if (op === '**' || this.token() === Tok.IDENT) x = this.parseIdent();
        params.push({ kind: 'UnaryExpr', opPos, op, x });
        continue;
      }
      const id = this.parseIdent();
      if (this.token() === Tok.EQ) {
        const opPos = this.nextPos();
        const y = this.parseTest();
        params.push({ kind: 'BinaryExpr', x: id, opPos, op: '=', y });
        continue;
      }
      params.push(id);
    }
    return params;
  }

  /** An expression, or an unparenthesized tuple of them. */
  private parseExpr(inParens: boolean): Expr {
    const x = this.parseTest();
    if (this.token() !== Tok.COMMA) return x;
    const list = this.parseExprs([x], inParens);
    return { kind: 'TupleExpr', lparen: undefined, list, rparen: undefined };
  }

  private parseExprs(exprs: Expr[], allowTrailingComma: boolean): Expr[] {
    while (this.token() === Tok.COMMA) {
      const pos = this.nextPos();
      if (terminatesExprList(this.token())) {
        if (!allowTrailingComma) this.errorAt(pos, 'unparenthesized tuple with trailing comma');
        break;
      }
      exprs.push(this.parseTest());
    }
    return exprs;
  }

  private parseTest(): Expr {
    if (this.token() === Tok.LAMBDA) return this.parseLambda(true);
    const x = this.parseBinary(0);
    if (this.token() !== Tok.IF) return x;
    this.enter();
    const ifPos = this.nextPos();
    const cond = this.parseBinary(0);
    if (this.token() !== Tok.ELSE) this.errorAt(ifPos, 'conditional expression without else clause');
    const elsePos = this.nextPos();
    const falseExpr = this.parseTest();
    this.leave();
    return { kind: 'CondExpr', ifPos, cond, trueExpr: x, elsePos, falseExpr };
  }

  private parseTestNoCond(): Expr {
    if (this.token() === Tok.LAMBDA) return this.parseLambda(false);
    return this.parseBinary(0);
  }

  private parseLambda(allowCond: boolean): Expr {
    this.enter();
    const lambdaPos = this.nextPos();
    const params = this.token() !== Tok.COLON ? this.parseParams() : [];
    this.consume(Tok.COLON);
    const body = allowCond ? this.parseTest() : this.parseTestNoCond();
    this.leave();
    return { kind: 'LambdaExpr', lambdaPos, params, body };
  }

  /**
   * Binary operators of precedence >= minPrec (and unary `not` when minPrec allows it).
   * Comparisons do not associate: two in a row at one level is an error.
   */
  private parseBinary(minPrec: number): Expr {
    let x: Expr;
    if (this.token() === Tok.NOT && minPrec <= NOT_PREC) {
      this.enter();
      const opPos = this.nextPos();
      const operand = this.parseBinary(NOT_PREC);
      this.leave();
      x = { kind: 'UnaryExpr', opPos, op: 'not', x: operand };
    } else {
      x = this.parsePrimaryWithSuffix();
    }
    let lastPrec = -1;
    for (;;) {
      if (this.token() === Tok.NOT) {
        this.next();
        if (this.token() !== Tok.IN) this.errorHere(`got ${tokenDescr(this.token())}, want in`);
        this.tok = Tok.NOT_IN;
      }
      const opPrec = precedence[this.token()];
      if (opPrec < minPrec) return x;
      if (opPrec === COMPARISON_PREC && lastPrec === COMPARISON_PREC) {
        this.errorHere(`${(x as BinaryExpr).op} does not associate with ${tokenName(this.token())} (use parens)`);
      }
      const op = tokenName(this.token()) as BinaryOp;
      const opPos = this.nextPos();
      const y = this.parseBinary(opPrec + 1);
      x = { kind: 'BinaryExpr', x, opPos, op, y };
      lastPrec = opPrec;
    }
  }

  private parsePrimaryWithSuffix(): Expr {
    let x = this.parsePrimary();
    for (;;) {
      switch (this.token()) {
        case Tok.DOT: {
          const dot = this.nextPos();
          const name = this.parseIdent();
          x = { kind: 'DotExpr', x, dot, namePos: name.namePos, name };
          break;
        }
        case Tok.LBRACK:
          x = this.parseSliceSuffix(x);
          break;
        case Tok.LPAREN:
          x = this.parseCallSuffix(x);
          break;
        default:
          return x;
      }
    }
  }

  private parseSliceSuffix(x: Expr): Expr {
    this.enter();
    const lbrack = this.nextPos();
    let lo: Expr | undefined;
    let hi: Expr | undefined;
    let step: Expr | undefined;
    if (this.token() !== Tok.COLON) {
      const y = this.parseExpr(false);
      if (this.token() === Tok.RBRACK) {
        const rbrack = this.nextPos();
        this.leave();
        return { kind: 'IndexExpr', x, lbrack, y, rbrack };
      }
      lo = y;
    }
    if (this.token() === Tok.COLON) {
      this.next();
      if (this.token() !== Tok.COLON && this.token() !== Tok.RBRACK) hi = this.parseTest();
    }
    if (this.token() === Tok.COLON) {
      this.next();
      if (this.token() !== Tok.RBRACK) step = this.parseTest();
    }
    const rbrack = this.consume(Tok.RBRACK);
    this.leave();
    return { kind: 'SliceExpr', x, lbrack, lo, hi, step, rbrack };
  }

  private parseCallSuffix(fn: Expr): Expr {
    this.enter();
    const lparen = this.consume(Tok.LPAREN);
    let args: Expr[];
    let rparen: Position;
    if (this.token() === Tok.RPAREN) {
      args = [];
      rparen = this.nextPos();
    } else {
      args = this.parseArgs();
      rparen = this.consume(Tok.RPAREN);
    }
    this.leave();
    return { kind: 'CallExpr', fn, lparen, args, rparen };
  }

  /** Call arguments; their order is checked by the resolver. */
  private parseArgs(): Expr[] {
    const args: Expr[] = [];
    while (this.token() !== Tok.RPAREN && this.token() !== Tok.EOF) {
      if (args.length > 0) this.consume(Tok.COMMA);
      if (this.token() === Tok.RPAREN) break;
      if (this.token() === Tok.STAR || this.token() === Tok.STARSTAR) {
        const op = this.token() === Tok.STAR ? '*' : '**';
        const opPos = this.nextPos();
        const x = this.parseTest();
        args.push({ kind: 'UnaryExpr', opPos, op, x } satisfies UnaryExpr);
        continue;
      }
      let x = this.parseTest();
      if (this.token() === Tok.EQ) {
        if (x.kind !== 'Ident') this.errorHere('keyword argument must have form name=expr');
        const opPos = this.nextPos();
        const y = this.parseTest();
        x = { kind: 'BinaryExpr', x, opPos, op: '=', y };
      }
      args.push(x);
    }
    return args;
  }

  private parsePrimary(): Expr {
    switch (this.token()) {
      case Tok.IDENT:
        return this.parseIdent();
      case Tok.INT:
      case Tok.FLOAT:
      case Tok.STRING:
        return this.parseLiteral();
      case Tok.LBRACK:
        return this.parseList();
      case Tok.LBRACE:
        return this.parseDict();
      case Tok.LPAREN: {
        this.enter();
        const lparen = this.nextPos();
        if (this.token() === Tok.RPAREN) {
          const rparen = this.nextPos();
          this.leave();
          return { kind: 'TupleExpr', lparen, list: [], rparen };
        }
        const x = this.parseExpr(true);
        const rparen = this.consume(Tok.RPAREN);
        this.leave();
        return { kind: 'ParenExpr', lparen, x, rparen };
      }
      case Tok.MINUS:
      case Tok.PLUS:
      case Tok.TILDE: {
        this.enter();
        const op = this.token() === Tok.MINUS ? '-' : this.token() === Tok.PLUS ? '+' : '~';
        const opPos = this.nextPos();
        const x = this.parsePrimaryWithSuffix();
        this.leave();
        return { kind: 'UnaryExpr', opPos, op, x };
      }
    }
    return this.errorHere(`got ${tokenDescr(this.token())}, want primary expression`);
  }

  private parseList(): Expr {
    this.enter();
    const lbrack = this.nextPos();
    if (this.token() === Tok.RBRACK) {
      const rbrack = this.nextPos();
      this.leave();
      return { kind: 'ListExpr', lbrack, list: [], rbrack };
    }
    const x = this.parseTest();
    if (this.token() === Tok.FOR) {
      const c = this.parseComprehensionSuffix(lbrack, x, Tok.RBRACK);
      this.leave();
      return c;
    }
    const list: Expr[] = [x];
    if (this.token() === Tok.COMMA) this.parseExprs(list, true);
    const rbrack = this.consume(Tok.RBRACK);
    this.leave();
    return { kind: 'ListExpr', lbrack, list, rbrack };
  }

  private parseDict(): Expr {
    this.enter();
    const lbrace = this.nextPos();
    if (this.token() === Tok.RBRACE) {
      const rbrace = this.nextPos();
      this.leave();
      return { kind: 'DictExpr', lbrace, list: [], rbrace };
    }
    const x = this.parseDictEntry();
    if (this.token() === Tok.FOR) {
      const c = this.parseComprehensionSuffix(lbrace, x, Tok.RBRACE);
      this.leave();
      return c;
    }
    const list: DictEntry[] = [x];
    while (this.token() === Tok.COMMA) {
      this.next();
      if (this.token() === Tok.RBRACE) break;
      list.push(this.parseDictEntry());
    }
    const rbrace = this.consume(Tok.RBRACE);
    this.leave();
    return { kind: 'DictExpr', lbrace, list, rbrace };
  }

  private parseDictEntry(): DictEntry {
    const key = this.parseTest();
    const colon = this.consume(Tok.COLON);
    const value = this.parseTest();
    return { kind: 'DictEntry', key, colon, value };
  }

  private parseComprehensionSuffix(lbrack: Position, body: Expr, end: Tok.RBRACK | Tok.RBRACE): Expr {
    const clauses: (ForClause | IfClause)[] = [];
    while (this.token() !== end) {
      if (this.token() === Tok.FOR) {
        const forPos = this.nextPos();
        const vars = this.parseForLoopVariables();
        const inPos = this.consume(Tok.IN);
        const x = this.parseBinary(0);
        clauses.push({ kind: 'ForClause', forPos, vars, inPos, x });
      } else if (this.token() === Tok.IF) {
        const ifPos = this.nextPos();
        const cond = this.parseTestNoCond();
        clauses.push({ kind: 'IfClause', ifPos, cond });
      } else {
        this.errorHere(`got ${tokenDescr(this.token())}, want '${tokenName(end)}', for, or if`);
      }
    }
    const rbrack = this.nextPos();
    return { kind: 'Comprehension', curly: end === Tok.RBRACE, lbrack, body, clauses, rbrack };
  }
}

function run<T>(p: Parser, f: () => T): T {
  try {
    p.start();
    return f();
  } catch (e) {
    if (e instanceof StarlarkSyntaxError) throw e;
    if (e instanceof RangeError) {
      throw new StarlarkSyntaxError(p.filename, p.currentPos(), 'nesting too deep');
    }
    throw new StarlarkSyntaxError(p.filename, p.currentPos(), `internal error: ${String(e)}`);
  }
}

/** Parses a file. Throws StarlarkSyntaxError for the first scan or parse error. */
export function parse(filename: string, src: string): File {
  const p = new Parser(filename, src);
  return run(p, () => p.parseFile(filename));
}

/**
 * Parses a single expression (an unparenthesized tuple is allowed; trailing newlines
 * are ignored). Throws StarlarkSyntaxError.
 */
export function parseExpr(filename: string, src: string): Expr {
  const p = new Parser(filename, src);
  return run(p, () => p.parseExprInput());
}
