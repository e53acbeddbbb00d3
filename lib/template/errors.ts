// The one error type the template engine throws.
//
// Messages are Go's, byte for byte (decoded to a JS string): parse errors read
// `template: NAME:LINE: ...`, execution errors `template: NAME:LINE:COL: executing "T" at
// <NODE>: ...`, so users see exactly what Kurtosis would have shown them. `phase` says
// whether the template failed to parse (a plan-time error), failed while executing against
// its data (an apply-time error), or the data itself was not JSON-encodable.

export type TemplatePhase = 'parse' | 'exec' | 'data';

export class TemplateError extends Error {
  /**
   * @param message Go's error text
   * @param template the name of the template being parsed or executed
   * @param phase where it failed
   */
  constructor(
    message: string,
    readonly template: string,
    readonly phase: TemplatePhase,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}
