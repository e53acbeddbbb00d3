// The template evaluator: a port of text/template/exec.go over the value model in values.ts.
//
// The walk/eval functions keep Go's shape and, importantly, its `s.at(node)` calls: an
// execution error names the node most recently visited, so the order in which nodes are
// visited is observable. Go distinguishes an invalid reflect.Value (no value: a missing key)
// from an interface holding nil (a JSON null in a map or slice), and values read out of
// interface{} slots (map values, range elements) from concrete ones; the former is the NIL
// value, the latter the `iface` flag carried with dot and variables, which only changes the
// type named in field errors ("can't evaluate field x in type interface {}").
// The statement walk runs on an explicit stack (templates may recurse 100000 deep, as in Go)
// and break/continue travel as flow codes instead of Go's panics; expression evaluation
// recurses natively, bounded by the nesting written in the template.

import {
  type AnyNode,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type VariableNode,
  nodeString,
} from './ast.js';
import { TemplateError } from './errors.js';
import { type FmtArg, GoError, printOne, sprintf } from './fmt.js';
import { BUILTINS, FuncError, type GoFunc, JSON_NUMBER_METHODS, type ParamType, isTrue } from './funcs.js';
import type { TreeSet } from './parse.js';
import { fromBytes } from './utf8.js';
import { GoComplex, GoInt, GoMap, GoSlice, JsonNumber, NIL, type Val, goInt, typeName } from './values.js';

export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

const MAX_EXEC_DEPTH = 100000;

const MISSING: unique symbol = Symbol('missing');
type Final = Val | typeof MISSING;

const enum Flow {
  Normal,
  Break,
  Continue,
}

interface ListFrame {
  k: 'list';
  nodes: readonly Node[];
  i: number;
  dot: Val;
  dotI: boolean;
}
interface IfWithFrame {
  k: 'ifwith';
  mark: number;
}
interface RangeFrame {
  k: 'range';
  r: BranchNode;
  dot: Val;
  dotI: boolean;
  mark0: number;
  mark: number;
  slice: GoSlice | null;
  map: GoMap | null;
  keys: readonly string[] | null;
  idx: number;
  inElse: boolean;
}
interface TemplateFrame {
  k: 'template';
  name: string;
  vars: Variable[];
  node: AnyNode | null;
}
type Frame = ListFrame | IfWithFrame | RangeFrame | TemplateFrame;

interface Variable {
  name: string;
  value: Val;
  iface: boolean;
}

function doublePercent(s: string): string {
  return s.includes('%') ? s.replace(/%/g, '%%') : s;
}

function strip(v: Val): Val {
  return v === NIL ? undefined : v;
}

class State {
  tmplName: string;
  node: AnyNode | null = null;
  vars: Variable[] = [];
  depth = 0;
  out = '';
  /** whether the last evalField result came out of an interface{} slot */
  fieldIface = false;

  constructor(
    readonly set: TreeSet,
    readonly missingKey: MissingKey,
    name: string,
  ) {
    this.tmplName = name;
  }

  // ---- errors ----

  errorf(format: string, args: readonly FmtArg[]): never {
    const name = doublePercent(this.tmplName);
    let full: string;
    if (this.node === null) {
      full = sprintf('template: %s: %s', [name, format]);
    } else {
      const [location, context] = this.errorContext(this.node);
      full = sprintf('template: %s: executing %q at <%s>: %s', [location, name, doublePercent(context), format]);
    }
    throw new TemplateError(fromBytes(sprintf(full, args, true)), fromBytes(this.tmplName), 'exec');
  }

  errorContext(n: AnyNode): [string, string] {
    const pos = n.pos;
    const text = this.set.text.slice(0, pos);
    const nl = text.lastIndexOf('\n');
    const col = nl === -1 ? pos : pos - (nl + 1);
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
    return [sprintf('%s:%d:%d', [this.set.parseName, goInt(line), goInt(col)]), nodeString(n)];
  }

  // ---- variables ----

  push(name: string, value: Val, iface: boolean): void {
    this.vars.push({ name, value, iface });
  }

  setVar(name: string, value: Val): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i]!;
      if (v.name === name) {
        v.value = value;
        v.iface = false;
        return;
      }
    }
    this.errorf('undefined variable: %s', [name]);
  }

  setTopVar(n: number, value: Val, iface: boolean): void {
    const v = this.vars[this.vars.length - n]!;
    v.value = value;
    v.iface = iface;
  }

  varLookup(name: string): Variable {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!;
    }
    return this.errorf('undefined variable: %s', [name]);
  }

  // ---- walking ----
  //
  // Go's walk functions recurse (list -> if/with/range -> list, template -> list), and a
  // template may invoke itself up to 100000 levels deep. The JS stack cannot hold that, so
  // the walk runs on an explicit stack of frames. A control frame (if/with, range, template)
  // is always directly below the list it is executing; when it is back on top, that list has
  // finished (or is unwinding a break/continue, which lists and if/with frames pass up and
  // the nearest range consumes, exactly where Go's panics would be recovered).

  run(root: ListNode, dot: Val): void {
    const stack: Frame[] = [];
    this.pushList(stack, root, dot, false);
    let flow = Flow.Normal;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      switch (top.k) {
        case 'list': {
          if (flow !== Flow.Normal || top.i >= top.nodes.length) {
            stack.pop();
            break;
          }
          flow = this.step(stack, top, top.nodes[top.i++]!);
          break;
        }
        case 'ifwith':
          this.vars.length = top.mark;
          stack.pop();
          break;
        case 'range':
          flow = this.rangeResume(stack, top, flow);
          break;
        case 'template':
          this.depth--;
          this.tmplName = top.name;
          this.vars = top.vars;
          this.node = top.node;
          stack.pop();
          break;
      }
    }
  }

  pushList(stack: Frame[], list: ListNode, dot: Val, dotI: boolean): void {
    this.node = list;
    stack.push({ k: 'list', nodes: list.nodes, i: 0, dot, dotI });
  }

  /** Executes one node of a list; returns the flow it starts (break/continue) or Normal. */
  step(stack: Frame[], f: ListFrame, node: Node): Flow {
    this.node = node;
    switch (node.kind) {
      case 'text':
        this.out += node.text;
        return Flow.Normal;
      case 'action': {
        const val = this.evalPipeline(f.dot, f.dotI, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return Flow.Normal;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const val = this.evalPipeline(f.dot, f.dotI, node.pipe);
        if (isTrue(val)) {
          stack.push({ k: 'ifwith', mark });
          if (node.kind === 'with') this.pushList(stack, node.list, val, false);
          else this.pushList(stack, node.list, f.dot, f.dotI);
        } else if (node.elseList !== null) {
          stack.push({ k: 'ifwith', mark });
          this.pushList(stack, node.elseList, f.dot, f.dotI);
        } else {
          this.vars.length = mark;
        }
        return Flow.Normal;
      }
      case 'range':
        this.rangeStart(stack, f, node);
        return Flow.Normal;
      case 'template':
        this.templateStart(stack, f, node);
        return Flow.Normal;
      case 'break':
        return Flow.Break;
      case 'continue':
        return Flow.Continue;
      case 'list':
        this.pushList(stack, node, f.dot, f.dotI);
        return Flow.Normal;
    }
  }

  rangeStart(stack: Frame[], f: ListFrame, r: BranchNode): void {
    const mark0 = this.vars.length;
    const val = this.evalPipeline(f.dot, f.dotI, r.pipe);
    const frame: RangeFrame = {
      k: 'range',
      r,
      dot: f.dot,
      dotI: f.dotI,
      mark0,
      mark: this.vars.length,
      slice: null,
      map: null,
      keys: null,
      idx: 0,
      inElse: false,
    };
    if (val instanceof GoSlice) {
      if (val.len > 0) frame.slice = val;
    } else if (val instanceof GoMap) {
      if (val.entries.size > 0) {
        frame.map = val;
        frame.keys = val.keys();
      }
    } else if (val !== undefined) {
      this.errorf("range can't iterate over %v", [val]);
    }
    stack.push(frame);
    if (frame.slice !== null || frame.map !== null) {
      this.rangeIteration(stack, frame);
    } else if (r.elseList !== null) {
      frame.inElse = true;
      this.pushList(stack, r.elseList, f.dot, f.dotI);
    }
  }

  rangeIteration(stack: Frame[], frame: RangeFrame): void {
    let index: Val;
    let elem: Val;
    if (frame.slice !== null) {
      index = goInt(frame.idx);
      elem = frame.slice.at(frame.idx);
    } else {
      index = frame.keys![frame.idx]!;
      elem = frame.map!.entries.get(index);
    }
    const ndecl = frame.r.pipe.decl.length;
    if (ndecl > 0) this.setTopVar(1, elem, true);
    if (ndecl > 1) this.setTopVar(2, index, false);
    this.pushList(stack, frame.r.list, elem, true);
  }

  /** Back on a range frame: its list finished (flow Normal) or is unwinding. */
  rangeResume(stack: Frame[], frame: RangeFrame, flow: Flow): Flow {
    if (frame.inElse || (frame.slice === null && frame.map === null)) {
      this.vars.length = frame.mark0;
      stack.pop();
      return flow === Flow.Break ? Flow.Normal : flow;
    }
    this.vars.length = frame.mark;
    if (flow !== Flow.Break) {
      frame.idx++;
      const n = frame.slice !== null ? frame.slice.len : frame.keys!.length;
      if (frame.idx < n) {
        this.rangeIteration(stack, frame);
        return Flow.Normal;
      }
    }
    this.vars.length = frame.mark0;
    stack.pop();
    return Flow.Normal;
  }

  templateStart(stack: Frame[], f: ListFrame, t: TemplateNode): void {
    const tree = this.set.trees.get(t.name);
    if (tree === undefined) this.errorf('template %q not defined', [t.name]);
    if (this.depth === MAX_EXEC_DEPTH) this.errorf('exceeded maximum template depth (%v)', [goInt(MAX_EXEC_DEPTH)]);
    const newDot = this.evalPipeline(f.dot, f.dotI, t.pipe);
    stack.push({ k: 'template', name: this.tmplName, vars: this.vars, node: this.node });
    this.tmplName = t.name;
    this.vars = [{ name: '$', value: newDot, iface: false }];
    this.depth++;
    this.pushList(stack, tree.root, newDot, false);
  }

  // ---- evaluation ----

  evalPipeline(dot: Val, dotI: boolean, pipe: PipeNode | null): Val {
    if (pipe === null) return undefined;
    this.node = pipe;
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = strip(this.evalCommand(dot, dotI, cmd, value));
    const v = value as Val;
    for (const d of pipe.decl) {
      if (pipe.isAssign) this.setVar(d.ident[0]!, v);
      else this.push(d.ident[0]!, v, false);
    }
    return v;
  }

  notAFunction(args: readonly ArgNode[] | null, final: Final): void {
    if ((args !== null && args.length > 1) || final !== MISSING) {
      this.errorf("can't give argument to non-function %s", [nodeString(args![0]!)]);
    }
  }

  evalCommand(dot: Val, dotI: boolean, cmd: CommandNode, final: Final): Val {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, dotI, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, dotI, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, dotI, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, dotI, first);
      case 'variable':
        return this.evalVariableNode(dot, dotI, first, cmd.args, final);
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command', []);
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  idealConstant(c: NumberNode): Val {
    this.node = c;
    if (c.isComplex) return new GoComplex(c.re, c.im);
    if (c.isFloat && !isHexInt(c.text) && !(c.text[0] === "'") && /[.eEpP]/.test(c.text)) return c.float64;
    if (c.isInt) return new GoInt(c.int64, 'int');
    if (c.isUint) this.errorf('%s overflows int', [c.text]);
    return undefined;
  }

  evalFieldNode(dot: Val, dotI: boolean, field: FieldNode, args: readonly ArgNode[] | null, final: Final): Val {
    this.node = field;
    return this.evalFieldChain(dot, dotI, dot, dotI, field, field.ident, args, final);
  }

  evalChainNode(dot: Val, dotI: boolean, chain: ChainNode, args: readonly ArgNode[] | null, final: Final): Val {
    this.node = chain;
    if (chain.node.kind === 'nil') this.errorf('indirection through explicit nil in %s', [nodeString(chain)]);
    const pipe = this.evalArg(dot, dotI, null, chain.node);
    return this.evalFieldChain(dot, dotI, pipe, false, chain, chain.field, args, final);
  }

  evalVariableNode(dot: Val, dotI: boolean, v: VariableNode, args: readonly ArgNode[] | null, final: Final): Val {
    this.node = v;
    const variable = this.varLookup(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return variable.value;
    }
    return this.evalFieldChain(dot, dotI, variable.value, variable.iface, v, v.ident.slice(1), args, final);
  }

  evalFieldChain(
    dot: Val,
    dotI: boolean,
    receiver: Val,
    recvI: boolean,
    node: AnyNode,
    ident: readonly string[],
    args: readonly ArgNode[] | null,
    final: Final,
  ): Val {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) {
      receiver = this.evalField(dot, dotI, ident[i]!, node, null, MISSING, receiver, recvI);
      recvI = this.fieldIface;
    }
    return this.evalField(dot, dotI, ident[n - 1]!, node, args, final, receiver, recvI);
  }

  evalFunction(dot: Val, dotI: boolean, node: IdentifierNode, cmd: AnyNode, args: readonly ArgNode[] | null, final: Final): Val {
    this.node = node;
    const fn = BUILTINS.get(node.ident);
    if (fn === undefined) return this.errorf('%q is not a defined function', [node.ident]);
    return this.evalCall(dot, dotI, fn, true, cmd, node.ident, args, final);
  }

  evalField(dot: Val, dotI: boolean, fieldName: string, node: AnyNode, args: readonly ArgNode[] | null, final: Final, receiver: Val, recvI: boolean): Val {
    this.fieldIface = false;
    if (receiver === undefined) {
      if (this.missingKey === 'error') this.errorf('nil data; no entry for key %q', [fieldName]);
      return undefined;
    }
    const typ = recvI ? 'interface {}' : typeName(receiver);
    if (receiver === NIL) this.errorf('nil pointer evaluating %s.%s', [typ, fieldName]);
    if (receiver instanceof JsonNumber) {
      const method = JSON_NUMBER_METHODS.get(fieldName);
      if (method !== undefined) return this.evalCall(dot, dotI, method(receiver), false, node, fieldName, args, final);
    }
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (receiver instanceof GoMap) {
      if (hasArgs) this.errorf('%s is not a method but has arguments', [fieldName]);
      const result = receiver.entries.get(fieldName);
      if (result !== undefined) {
        this.fieldIface = true;
        return result;
      }
      switch (this.missingKey) {
        case 'zero':
          this.fieldIface = true;
          return NIL;
        case 'error':
          return this.errorf('map has no entry for key %q', [fieldName]);
      }
      return undefined;
    }
    return this.errorf("can't evaluate field %s in type %s", [fieldName, typ]);
  }

  evalCall(dot: Val, dotI: boolean, fn: GoFunc, isBuiltin: boolean, node: AnyNode, name: string, args: readonly ArgNode[] | null, final: Final): Val {
    const argNodes = args !== null ? args.slice(1) : [];
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    let numFixed = argNodes.length;
    if (fn.variadic !== null) {
      numFixed = fn.fixed.length;
      if (numIn < numFixed) {
        this.errorf('wrong number of args for %s: want at least %d got %d', [name, goInt(fn.fixed.length), goInt(argNodes.length)]);
      }
    } else if (numIn !== fn.fixed.length) {
      this.errorf('wrong number of args for %s: want %d got %d', [name, goInt(fn.fixed.length), goInt(numIn)]);
    }
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: Val;
      for (const arg of argNodes) {
        v = this.evalArg(dot, dotI, 'value', arg);
        if (isTrue(v === NIL ? undefined : v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }
    const argv: Val[] = [];
    let i = 0;
    for (; i < numFixed && i < argNodes.length; i++) argv.push(this.evalArg(dot, dotI, fn.fixed[i]!, argNodes[i]!));
    if (fn.variadic !== null) {
      for (; i < argNodes.length; i++) argv.push(this.evalArg(dot, dotI, fn.variadic, argNodes[i]!));
    }
    if (final !== MISSING) {
      let t: ParamType;
      if (fn.variadic !== null) t = numIn - 1 < numFixed ? fn.fixed[numIn - 1]! : fn.variadic;
      else t = fn.fixed[fn.fixed.length - 1]!;
      argv.push(this.validateType(final, t));
    }
    try {
      return fn.impl(argv);
    } catch (e) {
      if (e instanceof FuncError) {
        this.node = node;
        this.errorf('error calling %s: %w', [name, new GoError(e.message)]);
      }
      throw e;
    }
  }

  validateType(value: Val, typ: ParamType | null): Val {
    if (value === undefined) {
      if (typ === null || typ === 'value') return undefined;
      if (typ === 'any') return NIL;
      return this.errorf('invalid value; expected %s', [typ]);
    }
    if (typ === 'string' && typeof value !== 'string') {
      this.errorf('wrong type for value; expected %s; got %s', [typ, value === NIL ? 'interface {}' : typeName(value)]);
    }
    return value;
  }

  evalArg(dot: Val, dotI: boolean, typ: ParamType | null, n: ArgNode): Val {
    this.node = n;
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'value') return undefined;
        if (typ === 'any') return NIL;
        return this.errorf('cannot assign nil to %s', [typ ?? 'interface {}']);
      case 'field':
        return this.validateType(this.evalFieldNode(dot, dotI, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, dotI, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, dotI, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, dotI, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, dotI, n, null, MISSING), typ);
    }
    if (typ === 'string') {
      if (n.kind === 'string') return n.text;
      return this.errorf('expected string; found %s', [nodeString(n)]);
    }
    switch (n.kind) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
  }

  printValue(n: Node, v: Val): void {
    this.node = n;
    this.out += v === undefined ? '<no value>' : printOne(v);
  }
}

function isHexInt(s: string): boolean {
  return s.length > 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X') && !/[pP]/.test(s);
}

/**
 * Executes template `name` of `set` on `data` (already converted), returning the output as a
 * byte string. Throws TemplateError.
 */
export function executeTree(set: TreeSet, name: string, data: Val, missingKey: MissingKey): string {
  const s = new State(set, missingKey, name);
  const tree = set.trees.get(name);
  if (tree === undefined) return s.errorf('%q is an incomplete or empty template', [name]);
  s.vars = [{ name: '$', value: data, iface: false }];
  try {
    s.run(tree.root, data);
  } catch (e) {
    if (e instanceof RangeError) {
      // Only expression evaluation and printing recurse natively; Go has no limit there.
      const what = /string length/i.test(e.message) ? 'output exceeds the maximum string length' : 'expression or data nesting too deep';
      throw new TemplateError(`template: ${fromBytes(set.parseName)}: ${what}`, fromBytes(s.tmplName), 'exec');
    }
    throw e;
  }
  return s.out;
}
