// Package arguments with the ones the user marks sensitive: `--sensitive-arg KEY`
// (repeatable) and an args file's top-level `sensitive:` list. In an args file, the
// top-level key `sensitive` is starform's, never the package's: it must be a list of
// argument names (dotted paths like `db.password` reach into nested objects) and is taken
// out before run() sees the arguments. A package argument literally called `sensitive`
// can still be given with `--args`, which is never read this way. A marked name that the
// arguments do not hold is an error (a typo would leave the secret in clear).
import { UserError } from '../util/errors.js';
import { valueAtPath, type JsonObject } from '../util/json.js';
import { readArgs, type ArgsOptions } from './args.js';

export interface MarkedArgs {
  /** The arguments run() gets. */
  readonly args: JsonObject;
  /** The marked argument names (dotted paths), in the order given, without repeats. */
  readonly sensitive: readonly string[];
}

export function readMarkedArgs(options: ArgsOptions & { readonly sensitiveArgs?: readonly string[] }): MarkedArgs {
  const args: { [key: string]: JsonObject[string] } = readArgs(options);
  const fromFile = options.argsFile === undefined ? {} : readArgs({ argsFile: options.argsFile });
  const inline = options.args === undefined ? {} : readArgs({ args: options.args });
  const marked: string[] = [];
  if (Object.prototype.hasOwnProperty.call(fromFile, 'sensitive')) {
    const listed = fromFile['sensitive'];
    if (!Array.isArray(listed) || !listed.every((k): k is string => typeof k === 'string' && k !== '')) {
      throw new UserError("'sensitive' must be a list of the names of the arguments to mask (e.g. sensitive: [db_password])", {
        location: { file: options.argsFile! },
        hint: 'The top-level key `sensitive` of an args file is read by starform and not passed to the package; give an argument of that name with --args.',
      });
    }
    marked.push(...listed);
    if (!Object.prototype.hasOwnProperty.call(inline, 'sensitive')) delete args['sensitive'];
    checkMarkedArgs(args, listed, `${options.argsFile}: sensitive`);
  }
  const flags = options.sensitiveArgs ?? [];
  checkMarkedArgs(args, flags);
  marked.push(...flags);
  return { args, sensitive: [...new Set(marked)] };
}

/** Checks that every marked argument names one the package gets; a typo would leave a secret in clear. */
export function checkMarkedArgs(args: JsonObject, marked: readonly string[], source = '--sensitive-arg'): void {
  for (const key of marked) {
    if (key === '' || valueAtPath(args, key) === undefined) {
      const known = Object.keys(args).sort();
      throw new UserError(`${source}: the package arguments have no '${key}'`, {
        hint: known.length > 0 ? `The arguments given are: ${known.join(', ')}.` : 'No package arguments were given.',
      });
    }
  }
}
