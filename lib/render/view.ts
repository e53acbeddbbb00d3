// The shape every command's view has (as Terraform's views): a command computes a result
// and hands it to a view, which writes it in one of two forms — the human one (text,
// coloured on a terminal) or the JSON one (--json) — to the streams it is given. Commands
// never write to the process's streams themselves (lib/cli/streams.ts owns them; the lint
// rule in eslint.config.js keeps it so), which is also what lets test/render check each
// view on plain string buffers, without a process or an engine.

/** Where a view writes: the process's stdout or stderr, or a buffer in a test. */
export interface Output {
  write(text: string): unknown;
  /** Whether the output is a terminal (colour and the live view depend on it). */
  readonly isTTY?: boolean;
}

/** The two outputs a command has: results on `out`, notes, warnings and problems on `err`. */
export interface Streams {
  readonly out: Output;
  readonly err: Output;
}

/** A command's view of its result `R`: one rendering per output form. */
export interface View<R> {
  human(result: R, streams: Streams): void;
  json(result: R, streams: Streams): void;
}

/** Renders `result` in the form the user asked for. */
export function show<R>(view: View<R>, result: R, streams: Streams, json: boolean): void {
  if (json) view.json(result, streams);
  else view.human(result, streams);
}

/**
 * The view of a command that has no --json: its JSON form is its human one (show() is
 * called with json false by such a command, so the JSON form is never asked for).
 */
export function textView<R>(human: (result: R, streams: Streams) => void): View<R> {
  return { human, json: human };
}
