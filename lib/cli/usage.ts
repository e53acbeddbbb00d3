// Usage errors: a command line starform cannot take exactly as written. Every one of them
// stops the command before it reads a state, writes a file or calls the engine, with one
// message and exit code 1 (lib/cli/main.ts makes yargs throw instead of carrying on).
//
// yargs alone lets some mistakes through as something else, so the command line is also
// checked here, on its raw words:
//   - `-destroy` is not `-d -e -s -t -r -o -y`: long options take two dashes, and the only
//     single-dash options are single letters (`-h`);
//   - an option given twice (`--state a --state b`) is refused, not turned into a list;
//   - `--auto-approve=yes` is not a boolean (yargs would read it as false);
//   - `--parallelism abc` is not a number (yargs would read NaN);
//   - `--out` with nothing after it is refused (yargs would read an empty string).

/** A usage mistake; printed as `starform: <message>` with a pointer to --help. */
export class UsageError extends Error {
  readonly userFacing = true as const;
  constructor(detail: string, command: string | undefined) {
    const help = command === undefined ? 'starform --help' : `starform ${command} --help`;
    super(`starform: ${detail}\nRun \`${help}\` for usage.`);
    this.name = 'UsageError';
  }
}

/** The words before `--` (after it everything is an operand). */
function optionWords(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end === -1 ? argv : argv.slice(0, end);
}

/**
 * A single-dash word of more than one letter (`-destroy`, `-target=x`, `-json`), which
 * yargs would read as a group of one-letter flags. Negative numbers are values, not options.
 */
export function singleDashProblem(argv: readonly string[]): string | undefined {
  const word = optionWords(argv).find((w) => /^-[^-\d.]./.test(w));
  if (word === undefined) return undefined;
  const name = word.slice(1).split('=')[0]!;
  return `unknown option '${word}': long options take two dashes (--${name}); the only single-dash option is -h`;
}

/** The option lists of the command being parsed, as yargs hands them to `check`. */
export interface OptionLists {
  readonly array: readonly string[];
  readonly boolean: readonly string[];
  readonly number: readonly string[];
  readonly string: readonly string[];
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Reads the option lists from what yargs passes as the second argument of a check. */
export function optionLists(options: unknown): OptionLists {
  const o = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
  return { array: stringList(o['array']), boolean: stringList(o['boolean']), number: stringList(o['number']), string: stringList(o['string']) };
}

/** The values the raw words give for `--name` / `--name=value` (for booleans also `--no-name=value`). */
function occurrences(words: readonly string[], name: string): { word: string; inline: string | undefined }[] {
  const found: { word: string; inline: string | undefined }[] = [];
  for (const word of words) {
    for (const spelling of [`--${name}`, `--no-${name}`]) {
      if (word === spelling) found.push({ word, inline: undefined });
      else if (word.startsWith(`${spelling}=`)) found.push({ word, inline: word.slice(spelling.length + 1) });
    }
  }
  return found;
}

/**
 * What yargs accepted but starform must not: an option given twice, a boolean with a
 * value other than true/false, a number that is not one, a string option without a value.
 * `parsed` is yargs' result for the command, `raw` the words of the command line.
 */
export function optionProblem(raw: readonly string[], parsed: Record<string, unknown>, lists: OptionLists): string | undefined {
  const words = optionWords(raw);
  const arrays = new Set(lists.array);
  const given = (name: string): boolean => occurrences(words, name).length > 0;
  for (const name of [...lists.string, ...lists.number, ...lists.boolean]) {
    if (!arrays.has(name) && Array.isArray(parsed[name]) && given(name)) return `--${name} was given more than once`;
  }
  for (const name of lists.boolean) {
    for (const { word, inline } of occurrences(words, name)) {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') return `${word}: --${name} is true or false`;
    }
  }
  for (const name of lists.number) {
    const value = parsed[name];
    if (typeof value === 'number' && Number.isNaN(value) && given(name)) return `--${name} needs a number`;
  }
  for (const name of lists.string) {
    const value = parsed[name];
    const empty = value === '' || (Array.isArray(value) && value.includes(''));
    if (empty && given(name)) return `--${name} needs a value`;
  }
  return undefined;
}

/** The command named on the command line (`state rm` for the state subcommands), for the --help pointer. */
export function commandOf(argv: readonly string[], commands: readonly string[]): string | undefined {
  const words = optionWords(argv).filter((w) => !w.startsWith('-'));
  const first = words.find((w) => commands.includes(w));
  if (first === undefined) return undefined;
  const next = words[words.indexOf(first) + 1];
  return first === 'state' && next !== undefined && ['list', 'show', 'rm', 'mv', 'pull', 'push'].includes(next) ? `state ${next}` : first;
}
