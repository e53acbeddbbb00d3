// Errors of the Starlark front end (scanning, parsing, resolving). Each carries the
// position the reference implementation reports, and prints as `file:line:col: message`.
import type { Position } from './ast.js';

/** A scan or parse error: the first one found (as in the reference, parsing stops there). */
export class StarlarkSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly pos: Position,
    readonly msg: string,
  ) {
    super(`${file}:${pos.line}:${pos.col}: ${msg}`);
    this.name = 'StarlarkSyntaxError';
  }
}

export interface ResolveProblem {
  readonly pos: Position;
  readonly msg: string;
}

/** All resolve errors of a file, in source order, reported together. */
export class StarlarkResolveError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ResolveProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.pos.line}:${p.pos.col}: ${p.msg}`).join('\n'));
    this.name = 'StarlarkResolveError';
  }
}
