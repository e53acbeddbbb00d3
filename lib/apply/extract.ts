// `extract` of recipes: jq programs run on a recipe's result (docs/kurtosis-api.md §3.7).
//
// The program runs on real jq (jq-wasm, jq 1.7 compiled to WebAssembly, loaded on first
// use since it costs ~150 ms), one call at a time since the module has one instance.
// Kurtosis's post-processing follows: every output of the program is collected, nulls are
// dropped; no output left is an error, one output is the value, several are a list. A
// runtime error ends the program, and the outputs before it count: gojq in Kurtosis ends
// the same way and skips the error with a warning. An
// exec's output is given to jq as a JSON *string* (so JSON output needs `fromjson`); an
// HTTP body must itself be JSON.
import type { JsonValue } from '../util/json.js';
import { StepFailure } from './errors.js';

type JqRaw = (data: string, filter: string, flags?: string[]) => Promise<string>;

let jqModule: Promise<JqRaw> | undefined;
let queue: Promise<unknown> = Promise.resolve();

function loadJq(): Promise<JqRaw> {
  jqModule ??= import('jq-wasm').then((m) => m.raw as JqRaw);
  return jqModule;
}

/** Every output of a jq program on `input` (JSON text), in order; throws jq's error. */
async function runJq(input: string, program: string): Promise<JsonValue[]> {
  const raw = await loadJq();
  const run = queue.then(() => raw(input, program, ['-c']));
  queue = run.catch(() => undefined);
  const text = await run;
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsonValue);
}

function shorten(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** The value of one extractor, by Kurtosis's rules; `inputJson` is jq's input as JSON text. */
export async function extractValue(key: string, program: string, inputJson: string): Promise<JsonValue> {
  let outputs: JsonValue[];
  try {
    outputs = await runJq(inputJson, program);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/compile error/.test(message)) {
      throw new StepFailure(`extract '${key}': the jq program '${program}' is not valid: ${message.trim()}`);
    }
    throw new StepFailure(`extract '${key}': No field '${program}' was found on input '${shorten(inputJson)}' (${message.trim()})`);
  }
  const values = outputs.filter((v) => v !== null);
  if (values.length === 0) throw new StepFailure(`extract '${key}': No field '${program}' was found on input '${shorten(inputJson)}'`);
  return values.length === 1 ? values[0]! : values;
}

/**
 * All extractors of a recipe on its result: `extract.<key>` → value. `input` is the exec
 * output (a string, given to jq as a JSON string) or the HTTP body (parsed as JSON).
 */
export async function runExtractors(
  extract: { readonly [key: string]: string },
  input: string,
  inputIs: 'string' | 'json',
): Promise<Record<string, JsonValue>> {
  const keys = Object.keys(extract);
  const out: Record<string, JsonValue> = {};
  if (keys.length === 0) return out;
  let json: string;
  if (inputIs === 'string') {
    json = JSON.stringify(input);
  } else {
    try {
      json = JSON.stringify(JSON.parse(input));
    } catch {
      throw new StepFailure(`An error occurred when parsing JSON response body: the body is not JSON: '${shorten(input)}'`);
    }
  }
  for (const key of keys.sort()) out[`extract.${key}`] = await extractValue(key, extract[key]!, json);
  return out;
}
