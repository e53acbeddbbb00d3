// The template parser: a port of text/template/parse's recursive-descent Tree.
//
// It keeps Go's three-token look-ahead buffer and its bookkeeping (declared variables, range
// depth, the line of the action being parsed) because Go's parse errors depend on them: the
// line in `template: t:LINE: ...` is that of the most recently read token, and messages such
// as "unexpected <end> in command" name exactly the token the buffer holds. {{define}} and
// {{block}} bodies are parsed by their own Tree sharing the lexer, as in Go, and collected in
// one set with Go's redefinition rules. Only the built-in functions exist (Kurtosis adds
// none), so an unknown identifier is a parse error.

import {
  type ActionNode,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type ElseNode,
  type EndNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type VariableNode,
  nodeString,
} from './ast.js';
import { TemplateError } from './errors.js';
import { type FmtArg, GoError, sprintf } from './fmt.js';
import { type Item, Lexer, T, itemString } from './lexer.js';
import { parseFloat64, parseInt64, parseUint, unquote, unquoteChar } from './strconv.js';
import { fromBytes, isAllSpace } from './utf8.js';
import { GoInt } from './values.js';

/** Names of the functions templates can call. */
const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
]);

/** One parsed template body. */
export interface ParsedTree {
  readonly name: string;
  readonly root: ListNode;
}

/** Everything one Parse call produced: the named trees, the source and its name. */
export interface TreeSet {
  /** name (byte string) → tree */
  readonly trees: Map<string, ParsedTree>;
  /** byte-string source text */
  readonly text: string;
  /** name of the top-level template (byte string), used in all locations */
  readonly parseName: string;
}

const ZERO_ITEM: Item = { typ: T.Error, pos: 0, val: '', line: 0 };

class Tree {
  root: ListNode | null = null;
  private readonly token: Item[] = [ZERO_ITEM, ZERO_ITEM, ZERO_ITEM];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(
    public name: string,
    readonly parseName: string,
    readonly lex: Lexer,
    readonly treeSet: Map<string, Tree>,
  ) {}

  // ---- token buffer ----

  next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount]!;
  }

  backup(): void {
    this.peekCount++;
  }

  backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }

  nextNonSpace(): Item {
    let token: Item;
    do token = this.next();
    while (token.typ === T.Space);
    return token;
  }

  peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  // ---- errors ----

  errorf(format: string, args: readonly FmtArg[]): never {
    this.root = null;
    const full = sprintf('template: %s:%d: %s', [this.parseName, new GoInt(BigInt(this.token[0]!.line), 'int'), format]);
    throw new TemplateError(fromBytes(sprintf(full, args, true)), fromBytes(this.parseName), 'parse');
  }

  error(msg: string): never {
    return this.errorf('%s', [new GoError(msg)]);
  }

  expect(expected: T, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }

  expectOneOf(e1: T, e2: T, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== e1 && token.typ !== e2) this.unexpected(token, context);
    return token;
  }

  unexpected(token: Item, context: string): never {
    if (token.typ === T.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = sprintf(' in action started at %s:%d', [this.parseName, new GoInt(BigInt(this.actionLine), 'int')]);
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf('%s%s', [itemString(token), extra]);
    }
    return this.errorf('unexpected %s in %s', [itemString(token), context]);
  }

  // ---- top level ----

  parse(): void {
    this.root = { kind: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== T.EOF) {
      if (this.peek().typ === T.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === T.Define) {
          const newT = new Tree('definition', this.parseName, this.lex, this.treeSet);
          newT.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') this.errorf('unexpected %s', [nodeString(n)]);
      this.root.nodes.push(n);
    }
  }

  add(): void {
    const tree = this.treeSet.get(this.name);
    if (tree === undefined || isEmptyTree(tree.root!)) {
      this.treeSet.set(this.name, this);
      return;
    }
    if (!isEmptyTree(this.root!)) this.errorf('template: multiple definition of template %q', [this.name]);
  }

  parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf(T.String, T.RawString, context);
    const unq = unquote(name.val);
    if (unq === null) this.error('invalid syntax');
    this.name = unq;
    this.expect(T.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.kind !== 'end') this.errorf('unexpected %s in %s', [nodeString(end), context]);
    this.add();
  }

  itemList(): [ListNode, EndNode | ElseNode] {
    const list: ListNode = { kind: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== T.EOF) {
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') return [list, n];
      list.nodes.push(n);
    }
    return this.errorf('unexpected EOF', []);
  }

  textOrAction(): Node | EndNode | ElseNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Text:
        return { kind: 'text', pos: token.pos, text: token.val };
      case T.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
    }
    return this.unexpected(token, 'input');
  }

  action(): Node | EndNode | ElseNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Block:
        return this.blockControl();
      case T.Break:
        return this.breakControl(token.pos, token.line);
      case T.Continue:
        return this.continueControl(token.pos, token.line);
      case T.Else:
        return this.elseControl();
      case T.End:
        return this.endControl();
      case T.If:
        return this.ifControl();
      case T.Range:
        return this.rangeControl();
      case T.Template:
        return this.templateControl();
      case T.With:
        return this.withControl();
    }
    this.backup();
    const t = this.peek();
    const node: ActionNode = { kind: 'action', pos: t.pos, line: t.line, pipe: this.pipeline('command', T.RightDelim) };
    return node;
  }

  breakControl(pos: number, line: number): Node {
    const token = this.nextNonSpace();
    if (token.typ !== T.RightDelim) this.unexpected(token, '{{break}}');
    if (this.rangeDepth === 0) this.errorf('{{break}} outside {{range}}', []);
    return { kind: 'break', pos, line };
  }

  continueControl(pos: number, line: number): Node {
    const token = this.nextNonSpace();
    if (token.typ !== T.RightDelim) this.unexpected(token, '{{continue}}');
    if (this.rangeDepth === 0) this.errorf('{{continue}} outside {{range}}', []);
    return { kind: 'continue', pos, line };
  }

  pipeline(context: string, end: T): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: token.pos, line: token.line, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== T.Variable) break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === T.Assign || next.typ === T.Declare) {
        pipe.isAssign = next.typ === T.Assign;
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.typ === T.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === T.Variable || p === T.RightDelim || p === T.RightParen) continue decls;
          this.errorf('range can only initialize variables', []);
        }
        this.errorf('too many declarations in %s', [context]);
      } else if (tokenAfterVariable.typ === T.Space) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case T.Bool:
        case T.CharConstant:
        case T.Complex:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf('missing value for %s', [context]);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const k = pipe.cmds[i]!.args[0]!.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
        this.errorf('non executable command in pipeline stage %d', [new GoInt(BigInt(i + 1), 'int')]);
      }
    }
  }

  parseControl(allowElseIf: boolean, context: string): [PipeNode, ListNode, ListNode | null] {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, T.RightDelim);
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.kind === 'else') {
        if (allowElseIf && this.peek().typ === T.If) {
          this.next();
          elseList = { kind: 'list', pos: next.pos, nodes: [this.ifControl()] };
          return [pipe, list, elseList];
        }
        [elseList, next] = this.itemList();
        if (next.kind !== 'end') this.errorf('expected end; found %s', [nodeString(next)]);
      }
      return [pipe, list, elseList];
    } finally {
      this.vars.length = mark;
    }
  }

  branch(kind: 'if' | 'range' | 'with', allowElseIf: boolean): BranchNode {
    const [pipe, list, elseList] = this.parseControl(allowElseIf, kind);
    return { kind, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
  }

  ifControl(): BranchNode {
    return this.branch('if', true);
  }
  rangeControl(): BranchNode {
    return this.branch('range', false);
  }
  withControl(): BranchNode {
    return this.branch('with', false);
  }

  endControl(): EndNode {
    return { kind: 'end', pos: this.expect(T.RightDelim, 'end').pos };
  }

  elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    if (peek.typ === T.If) return { kind: 'else', pos: peek.pos, line: peek.line };
    const token = this.expect(T.RightDelim, 'else');
    return { kind: 'else', pos: token.pos, line: token.line };
  }

  blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, T.RightDelim);
    const block = new Tree(name, this.parseName, this.lex, this.treeSet);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.kind !== 'end') this.errorf('unexpected %s in %s', [nodeString(end), context]);
    block.add();
    return { kind: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== T.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, T.RightDelim);
    }
    return { kind: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  parseTemplateName(token: Item, context: string): string {
    if (token.typ === T.String || token.typ === T.RawString) {
      const s = unquote(token.val);
      if (s === null) this.error('invalid syntax');
      return s;
    }
    return this.unexpected(token, context);
  }

  command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === T.Space) continue;
      if (token.typ === T.RightDelim || token.typ === T.RightParen) this.backup();
      else if (token.typ !== T.Pipe) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command', []);
    return cmd;
  }

  operand(): ArgNode | null {
    let node = this.term();
    if (node === null) return null;
    if (this.peek().typ === T.Field) {
      const chain: ChainNode = { kind: 'chain', pos: this.peek().pos, node, field: [] };
      while (this.peek().typ === T.Field) chain.field.push(this.next().val.slice(1));
      switch (node.kind) {
        case 'field':
          node = { kind: 'field', pos: chain.pos, ident: nodeString(chain).slice(1).split('.') };
          break;
        case 'variable':
          node = newVariable(chain.pos, nodeString(chain));
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf('unexpected . after term %q', [nodeString(node)]);
          break;
        default:
          node = chain;
      }
    }
    return node;
  }

  term(): ArgNode | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Identifier:
        if (!BUILTIN_NAMES.has(token.val)) this.errorf('function %q not defined', [token.val]);
        return { kind: 'identifier', pos: token.pos, ident: token.val };
      case T.Dot:
        return { kind: 'dot', pos: token.pos };
      case T.Nil:
        return { kind: 'nil', pos: token.pos };
      case T.Variable:
        return this.useVar(token.pos, token.val);
      case T.Field:
        return { kind: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
      case T.Bool:
        return { kind: 'bool', pos: token.pos, value: token.val === 'true' };
      case T.CharConstant:
      case T.Complex:
      case T.Number:
        return this.newNumber(token.pos, token.val, token.typ);
      case T.LeftParen:
        return this.pipeline('parenthesized pipeline', T.RightParen);
      case T.String:
      case T.RawString: {
        const s = unquote(token.val);
        if (s === null) this.error('invalid syntax');
        return { kind: 'string', pos: token.pos, quoted: token.val, text: s };
      }
    }
    this.backup();
    return null;
  }

  useVar(pos: number, name: string): VariableNode {
    const v = newVariable(pos, name);
    if (!this.vars.includes(v.ident[0]!)) this.errorf('undefined variable %q', [v.ident[0]!]);
    return v;
  }

  newNumber(pos: number, text: string, typ: T): NumberNode {
    const n: NumberNode = {
      kind: 'number',
      pos,
      text,
      isInt: false,
      isUint: false,
      isFloat: false,
      isComplex: false,
      int64: 0n,
      uint64: 0n,
      float64: 0,
      re: 0,
      im: 0,
    };
    if (typ === T.CharConstant) {
      const r = unquoteChar(text.slice(1), text.charCodeAt(0));
      if (r === null) this.error('invalid syntax');
      if (r.tail !== "'") this.errorf('%s', [new GoError(sprintf('malformed character constant: %s', [text]))]);
      n.int64 = n.uint64 = BigInt(r.value);
      n.isInt = n.isUint = n.isFloat = true;
      n.float64 = r.value;
      return n;
    }
    if (typ === T.Complex) {
      const c = parseComplex(text);
      if (typeof c === 'string') this.error(c);
      n.isComplex = true;
      n.re = c[0];
      n.im = c[1];
      simplifyComplex(n);
      return n;
    }
    if (text.length > 0 && text[text.length - 1] === 'i') {
      const f = parseFloat64(text.slice(0, -1));
      if (f.ok) {
        n.isComplex = true;
        n.re = 0;
        n.im = f.value;
        simplifyComplex(n);
        return n;
      }
    }
    const u = parseUint(text, 0);
    if (u.ok) {
      n.isUint = true;
      n.uint64 = u.value;
    }
    const i = parseInt64(text, 0);
    if (i.ok) {
      n.isInt = true;
      n.int64 = i.value;
      if (i.value === 0n) {
        n.isUint = true;
        n.uint64 = u.ok ? u.value : 0n;
      }
    }
    if (n.isInt) {
      n.isFloat = true;
      n.float64 = Number(n.int64);
    } else if (n.isUint) {
      n.isFloat = true;
      n.float64 = Number(n.uint64);
    } else {
      const f = parseFloat64(text);
      if (f.ok) {
        if (!/[.eEpP]/.test(text)) this.errorf('%s', [new GoError(sprintf('integer overflow: %q', [text]))]);
        n.isFloat = true;
        n.float64 = f.value;
        const asInt = floatToInt64(f.value);
        if (asInt !== null) {
          n.isInt = true;
          n.int64 = asInt;
        }
        if (Number.isInteger(f.value) && f.value >= 0 && f.value < 2 ** 64) {
          n.isUint = true;
          n.uint64 = BigInt(f.value);
        }
      }
    }
    if (!n.isInt && !n.isUint && !n.isFloat) {
      this.errorf('%s', [new GoError(sprintf('illegal number syntax: %q', [text]))]);
    }
    return n;
  }
}

function newVariable(pos: number, ident: string): VariableNode {
  return { kind: 'variable', pos, ident: ident.split('.') };
}

function floatToInt64(f: number): bigint | null {
  if (!Number.isInteger(f) || f < -(2 ** 63) || f >= 2 ** 63) return null;
  return BigInt(f);
}

function simplifyComplex(n: NumberNode): void {
  n.isFloat = n.im === 0;
  if (n.isFloat) {
    n.float64 = n.re;
    const i = floatToInt64(n.re);
    n.isInt = i !== null;
    if (i !== null) n.int64 = i;
    n.isUint = Number.isInteger(n.re) && n.re >= 0 && n.re < 2 ** 64;
    if (n.isUint) n.uint64 = BigInt(n.re);
  }
}

/**
 * Parses the lexer's complex form `<real>[+-]<imag>i` the way Go does, with fmt.Sscan's
 * scanner (complexTokens/floatToken/convertFloat), returning its error text on failure.
 */
function parseComplex(text: string): [number, number] | string {
  let i = 0;
  let buf = '';
  const accept = (set: string): boolean => {
    if (i < text.length && set.includes(text[i]!)) {
      buf += text[i++];
      return true;
    }
    return false;
  };
  const floatToken = (): string => {
    buf = '';
    if (accept('nN') && accept('aA') && accept('nN')) return buf;
    accept('+-');
    if (accept('iI') && accept('nN') && accept('fF')) return buf;
    let digits = '0123456789_';
    let exp = 'eEpP';
    if (accept('0') && accept('xX')) {
      digits = '0123456789aAbBcCdDeEfF_';
      exp = 'pP';
    }
    while (accept(digits));
    if (accept('.')) while (accept(digits));
    if (accept(exp)) {
      accept('+-');
      while (accept('0123456789_'));
    }
    return buf;
  };
  const convert = (str: string): number | string => {
    const p = str.indexOf('p');
    if (p >= 0 && !/[xX]/.test(str)) {
      const f = parseFloat64(str.slice(0, p));
      if (!f.ok) return sprintf('strconv.ParseFloat: parsing %q: %s', [str, numErr(f.err)]);
      const m = parseInt64(str.slice(p + 1), 10);
      if (!m.ok) return sprintf('strconv.Atoi: parsing %q: %s', [str, numErr(m.err)]);
      return f.value * Math.pow(2, Number(m.value));
    }
    const f = parseFloat64(str);
    return f.ok ? f.value : sprintf('strconv.ParseFloat: parsing %q: %s', [str, numErr(f.err)]);
  };
  const errComplex = 'syntax error scanning complex number';
  const real = floatToken();
  buf = '';
  if (!accept('+-')) return errComplex;
  const sign = buf;
  const imag = floatToken();
  if (!accept('i')) return errComplex;
  const re = convert(real);
  if (typeof re === 'string') return re;
  const im = convert(sign + imag);
  if (typeof im === 'string') return im;
  return [re, im];
}

function numErr(e: 'syntax' | 'range'): string {
  return e === 'syntax' ? 'invalid syntax' : 'value out of range';
}

/** Go's parse.IsEmptyTree for a list: only white-space text. */
function isEmptyTree(list: ListNode): boolean {
  for (const n of list.nodes) {
    if (n.kind === 'text') {
      if (!isAllSpace(n.text)) return false;
    } else if (n.kind === 'list') {
      if (!isEmptyTree(n)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/**
 * Parses `text` (byte string) as template `name` (byte string), returning every tree it
 * defines. Throws TemplateError (phase 'parse') with Go's message on failure.
 */
export function parseTrees(name: string, text: string): TreeSet {
  const treeSet = new Map<string, Tree>();
  const lex = new Lexer(text);
  const t = new Tree(name, name, lex, treeSet);
  try {
    t.parse();
    t.add();
  } catch (e) {
    if (e instanceof RangeError) {
      throw new TemplateError(fromBytes(sprintf('template: %s: %s', [name, 'expression nesting too deep'])), fromBytes(name), 'parse');
    }
    throw e;
  }
  const trees = new Map<string, ParsedTree>();
  for (const [k, v] of treeSet) trees.set(k, { name: k, root: v.root! });
  return { trees, text, parseName: name };
}
