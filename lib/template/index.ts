// Go text/template for starform: the API `render_templates` uses.
//
// `parseTemplate` checks syntax (plan time: an invalid template is a plan error) and returns
// a reusable parsed template; `renderTemplate` parses and executes in one go (apply time).
// Semantics are those Kurtosis gets from Go's text/template with default options and data
// decoded from JSON with UseNumber: numbers are json.Number (string-kinded: `eq .n 6` is an
// error, `eq .n "6"` works, `.n.Int64` converts), missing keys print `<no value>`, maps
// iterate in sorted key order. Errors are TemplateError with Go's exact message.
//
// Data is JSON-like: plain objects (or Maps with string keys), arrays, strings, booleans,
// null, and numbers. JS numbers are given the text Go's encoding/json prints for that
// float64 — exactly what Kurtosis's interpretation-time round trip produces; pass a bigint
// or a JsonNumber to supply an exact literal instead.

import { TemplateError } from './errors.js';
import { type MissingKey, executeTree } from './exec.js';
import { type TreeSet, parseTrees } from './parse.js';
import { bytesToBuffer, fromBytes, toBytes } from './utf8.js';
import { JsonNumber, fromData } from './values.js';

export { TemplateError, JsonNumber };
export type { TemplatePhase } from './errors.js';
export type { MissingKey } from './exec.js';

export interface ExecuteOptions {
  /** Go's `missingkey` option; Kurtosis uses the default (`<no value>`). */
  readonly missingKey?: MissingKey;
}

/** A parsed template (with any templates it defines), ready to execute many times. */
export class Template {
  /** @internal */
  private constructor(
    readonly name: string,
    private readonly set: TreeSet,
  ) {}

  /** @internal */
  static fromSet(name: string, set: TreeSet): Template {
    return new Template(name, set);
  }

  /** Names of all templates the text defines, the top-level one included. */
  get definedTemplates(): string[] {
    return [...this.set.trees.keys()].map(fromBytes).sort();
  }

  /** Executes the top-level template on `data`; output decoded as UTF-8. */
  execute(data: unknown, options: ExecuteOptions = {}): string {
    return fromBytes(this.executeBytes(data, options));
  }

  /** Executes the top-level template on `data`; the exact output bytes. */
  executeToBuffer(data: unknown, options: ExecuteOptions = {}): Buffer {
    return bytesToBuffer(this.executeBytes(data, options));
  }

  private executeBytes(data: unknown, options: ExecuteOptions): string {
    const value = fromDataChecked(data, this.name);
    return executeTree(this.set, this.set.parseName, value, options.missingKey ?? 'default');
  }
}

function fromDataChecked(data: unknown, name: string): ReturnType<typeof fromData> {
  try {
    return fromData(data);
  } catch (e) {
    if (e instanceof TemplateError) throw new TemplateError(e.message, name, 'data');
    throw e;
  }
}

/** Parses `text` as Go template `name`. Throws TemplateError (phase 'parse'). */
export function parseTemplate(name: string, text: string): Template {
  return Template.fromSet(name, parseTrees(toBytes(name), toBytes(text)));
}

/** Parses and executes in one step: Go's template.New(name).Parse(text).Execute(data). */
export function renderTemplate(name: string, text: string, data: unknown, options: ExecuteOptions = {}): string {
  return parseTemplate(name, text).execute(data, options);
}
