// Package arguments: the JSON object handed to the package's `run` function (docs/
// kurtosis-api.md §5.4), from `--args JSON` and/or `--args-file FILE`.
//
// `--args` is JSON, as Kurtosis's positional argument is. `--args-file` is JSON when the
// name ends in `.json`, otherwise YAML (`.yaml`, `.yml`, and anything else: YAML 1.2 reads
// JSON too). Empty input means `{}`. Whatever the source, the result must be an object and
// hold only JSON values (YAML's `.inf` or `.nan` are refused). Problems are reported at
// their line and column in the file (or in `--args`).
//
// Both given: the two objects are merged at the top level and `--args` wins for every key
// it sets. Kurtosis, when given both, uses the command-line argument and ignores the file;
// merging gives the same result whenever the two name the same keys, and lets a CI job keep
// its settings in a file and override one of them on the command line, the way Terraform's
// -var overrides -var-file.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { UserError, type SourceLocation } from '../util/errors.js';
import { isJsonObject, parseJson, type JsonObject, type JsonValue } from '../util/json.js';

export interface ArgsOptions {
  /** `--args`: a JSON object. */
  readonly args?: string;
  /** `--args-file`: a JSON or YAML file holding an object. */
  readonly argsFile?: string;
}

/** The package arguments; `{}` when none are given. */
export function readArgs(options: ArgsOptions): JsonObject {
  const fromFile = options.argsFile === undefined ? {} : readArgsFile(options.argsFile);
  const inline = options.args === undefined ? {} : parseArgsText(options.args, '--args', 'json');
  return { ...fromFile, ...inline };
}

function readArgsFile(file: string): JsonObject {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    throw new UserError(`args files are read from the local disk, not from a URL`, {
      location: { file },
      hint: 'Download it first, then pass the local path to --args-file.',
    });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'args file not found' : code === 'EISDIR' ? 'the args file is a directory' : `cannot read the args file: ${(err as Error).message}`;
    throw new UserError(why, { location: { file }, cause: err });
  }
  return parseArgsText(text, file, extname(file).toLowerCase() === '.json' ? 'json' : 'yaml');
}

/** Parses argument text (JSON or YAML) into an object; `source` names it in messages. */
export function parseArgsText(text: string, source: string, format: 'json' | 'yaml'): JsonObject {
  if (text.trim() === '') return {};
  const value = format === 'json' ? parseJson(text, source) : parseYaml(text, source);
  if (!isJsonObject(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new UserError(`the package arguments must be an object (a mapping of argument names to values), not ${got}`, {
      location: { file: source },
      hint: `For example: {"replicas": 2, "name": "web"}`,
    });
  }
  checkJson(value, source, []);
  return value;
}

function parseYaml(text: string, source: string): JsonValue {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const { line, col } = lines.linePos(problem.pos[0]);
    const location: SourceLocation = line === 0 ? { file: source } : { file: source, line, col };
    const message = (problem.message.split('\n')[0] ?? problem.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`not valid YAML: ${message}`, { location });
  }
  return doc.toJS({ maxAliasCount: 1000 }) as JsonValue;
}

function checkJson(value: JsonValue, source: string, path: readonly string[]): void {
  const where = (): string => (path.length === 0 ? 'the arguments' : `argument ${path.join('.')}`);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new UserError(`${where()}: ${value} is not a JSON number`, { location: { file: source } });
  }
  if (value === undefined) throw new UserError(`${where()} has no value`, { location: { file: source } });
  if (Array.isArray(value)) {
    (value as readonly JsonValue[]).forEach((v, i) => checkJson(v, source, [...path, String(i)]));
  } else if (typeof value === 'object' && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new UserError(`${where()} is not a JSON value`, { location: { file: source } });
    }
    for (const [k, v] of Object.entries(value)) checkJson(v, source, [...path, k]);
  }
}
