// JSON Schema validation of starform's files and records, with messages for people.
//
// Schemas live in `schemas/` at the package root (draft 2020-12); the build precompiles each
// with ajv (`allErrors`, so a file with three problems reports all three) into dist/schemas/.
// ajv's errors point at JSON Pointers (`/services/db/ports/http/number`); we render them
// as the paths people write (`services.db.ports.http.number`) and word the common cases
// (unknown property, missing property, allowed values) plainly.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { JsonValue } from './json.js';
import { PACKAGE_ROOT } from './package-info.js';

const require = createRequire(import.meta.url);

interface Validator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const compiled = new Map<string, Validator>();

/** A validator: the list of problems of a value, empty when it conforms. */
export type SchemaCheck = (value: JsonValue) => string[];

/**
 * The validator of `schemas/<name>`: the module scripts/build.mjs precompiled into
 * dist/schemas/, or (in a tree built without it) ajv compiling the schema now. Our
 * schemas are checked against the meta-schema by a test (test/util/schema.test.ts), not
 * at every start.
 */
function load(name: string): Validator {
  try {
    return require(join(PACKAGE_ROOT, 'dist', 'schemas', name.replace(/\.json$/, '.cjs'))) as Validator;
  } catch {
    const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (o: object) => { compile(s: object): Validator } }).default;
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateSchema: false });
    return ajv.compile(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schemas', name), 'utf8')) as object);
  }
}

/** The validator for `schemas/<name>` (e.g. `state.schema.json`), loaded on first use. */
export function schemaValidator(name: string): SchemaCheck {
  let validate = compiled.get(name);
  if (!validate) {
    validate = load(name);
    compiled.set(name, validate);
  }
  const fn = validate;
  return (value) => (fn(value) ? [] : (fn.errors ?? []).filter((e) => e.keyword !== 'propertyNames').map(describeSchemaError));
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
