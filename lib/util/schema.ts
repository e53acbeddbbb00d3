// JSON Schema validation of starform's files and records, with messages for people.
//
// Schemas live in `schemas/` at the package root (draft 2020-12) and are compiled once per
// process by ajv with `allErrors`, so that a file with three problems reports all three.
// ajv's errors point at JSON Pointers (`/services/db/ports/http/number`); we render them
// as the paths people write (`services.db.ports.http.number`) and word the common cases
// (unknown property, missing property, allowed values) plainly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonValue } from './json.js';
import { PACKAGE_ROOT } from './package-info.js';

const Ajv2020 = Ajv2020Module.default;
// Our schemas are checked against the meta-schema by a test (test/util/schema.test.ts),
// not at every start: that check costs about 100 ms of each command's start-up.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateSchema: false });
const compiled = new Map<string, ValidateFunction>();

/** A validator: the list of problems of a value, empty when it conforms. */
export type SchemaCheck = (value: JsonValue) => string[];

/** The validator for `schemas/<name>` (e.g. `state.schema.json`), compiled on first use. */
export function schemaValidator(name: string): SchemaCheck {
  let validate = compiled.get(name);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schemas', name), 'utf8')) as object;
    validate = ajv.compile(schema);
    compiled.set(name, validate);
  }
  const fn = validate;
  return (value) =>
    fn(value) ? [] : (fn.errors ?? []).filter((e) => e.keyword !== 'propertyNames').map(describeSchemaError);
}

function describeSchemaError(e: ErrorObject): string {
  const where = pointerToPath(e.instancePath);
  if (e.propertyName !== undefined) {
    return `${where ? `${where}: ` : ''}property name ${JSON.stringify(e.propertyName)} ${e.message ?? e.keyword}`;
  }
  const params = e.params as Record<string, unknown>;
  let what: string;
  switch (e.keyword) {
    case 'additionalProperties':
      what = `unknown property ${JSON.stringify(params['additionalProperty'])}`;
      break;
    case 'required':
      what = `missing property ${JSON.stringify(params['missingProperty'])}`;
      break;
    case 'enum':
      what = `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'const':
      what = `must be ${JSON.stringify(params['allowedValue'])}`;
      break;
    default:
      what = e.message ?? e.keyword;
  }
  return where ? `${where}: ${what}` : what;
}

/** `/services/db/ports/0` → `services.db.ports[0]`; odd keys in brackets. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(0|[1-9][0-9]*)$/.test(key)) out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
