// The package arguments as run() receives them, made as Kurtosis's engine makes them
// (package_io.DeserializeArgs): the arguments' exact JSON text (lib/package/args.ts) read
// with Starlark's json.decode — so big integers stay exact ints, `1.0` stays a float and
// keys keep their order — and, when the object holds `"_kurtosis_parser": "struct"`,
// turned into a struct, every nested object too (lists are left as they are, their
// elements untouched, as Kurtosis leaves them).
import { argumentsText } from '../package/index.js';
import { Dict, Struct, decodeJSON, fromUtf8, toUnicode, type Value } from '../starlark/index.js';
import { UserError } from '../util/errors.js';
import type { JsonObject } from '../util/json.js';

const PARSER_KEY = '_kurtosis_parser';

/** The arguments value: a dict, or a struct when `_kurtosis_parser` says so. */
export function packageArgsValue(args: JsonObject, mainFile: string): Dict | Struct {
  const value = decodeJSON(fromUtf8(argumentsText(args)));
  if (!(value instanceof Dict)) throw new Error('package arguments must decode to a dict');
  const parser = value.get(fromUtf8(PARSER_KEY));
  if (parser === undefined || parser === fromUtf8('dict')) return value;
  if (parser !== fromUtf8('struct')) {
    const shown = typeof parser === 'string' ? toUnicode(parser) : String(parser);
    throw new UserError(`the package arguments' ${PARSER_KEY} is '${shown}': the only values Kurtosis knows are 'dict' and 'struct'`, {
      location: { file: mainFile },
    });
  }
  return toStruct(value) as Struct;
}

function toStruct(v: Value): Value {
  if (!(v instanceof Dict)) return v;
  const entries: [string, Value][] = [];
  for (const [k, e] of v.items()) entries.push([k as string, toStruct(e)]);
  return Struct.fromEntries('struct', entries);
}
