// The Kurtosis types of the interpretation phase: ServiceConfig, PortSpec, ExecRecipe, ...
// as predeclared constructors (docs/kurtosis-api.md §3) and the values they build.
//
// Every value behaves like Kurtosis's KurtosisValueTypeDefault: a read-only record whose
// attributes are exactly the arguments that were supplied (an omitted optional argument is
// an attribute error, not None), printed `PortSpec(number=80, wait="5s")`, with `type()`
// the Kurtosis type name. Arguments are unpacked in the documented positional order and
// checked at construction by the same per-parameter validators Kurtosis runs (non-empty
// strings, ranges, durations, enums, labels); the deeper conversion checks (element types
// of lists and dicts, Directory exclusivity, PortSpec without a number...) run when a value
// is *used* — `canonical()`, called by add_service, exec, ... — as Kurtosis converts at
// the instruction, so the error points at that call. Supplied lists and dicts are copied
// and frozen at construction: later mutation of the caller's list changes nothing.
//
// `canonical()` is the value's plan form: plain JSON with every default filled in,
// deprecated aliases folded into their replacements (cpu_allocation → max_cpu, ImageSpec
// name → image, Directory artifact_name → artifact_names), string `files` entries in
// Directory form, durations in Go's Duration.String form ("15s", "2m0s"), so that two
// cosmetically different spellings of one configuration compare equal.
//
// The definitions live by family: value.ts (the value class, validators, conversions),
// service-config.ts, recipes.ts, service.ts; this file gathers them into constructors.
import { type Builtin, Dict, List, defineBuiltin, optional, required, type Param, type Value } from '../../starlark/index.js';
import { KurtosisValue, type TypeDef } from './value.js';
import { DIRECTORY, GPU_CONFIG, IMAGE_BUILD_SPEC, IMAGE_SPEC, NIX_BUILD_SPEC, PORT_SPEC, SERVICE_CONFIG, TOLERATION, USER } from './service-config.js';
import { EXEC_RECIPE, GET_RECIPE, POST_RECIPE, READY_CONDITION, STORE_SPEC } from './recipes.js';
import { SERVICE } from './service.js';

const DEFS: readonly TypeDef[] = [
  SERVICE_CONFIG,
  IMAGE_SPEC,
  IMAGE_BUILD_SPEC,
  NIX_BUILD_SPEC,
  PORT_SPEC,
  DIRECTORY,
  EXEC_RECIPE,
  GET_RECIPE,
  POST_RECIPE,
  READY_CONDITION,
  STORE_SPEC,
  USER,
  TOLERATION,
  GPU_CONFIG,
  SERVICE,
];

// ---- constructors ------------------------------------------------------------------------------

/** A private copy of a supplied argument: lists and dicts copied (deeply) and frozen. */
function snapshot(v: Value): Value {
  if (v instanceof List) {
    const l = new List(v.elems.map(snapshot));
    l.frozen = true;
    return l;
  }
  if (v instanceof Dict) {
    const d = new Dict();
    for (const [k, x] of v.items()) d.setUnchecked(k, snapshot(x));
    d.frozen = true;
    return d;
  }
  if (Array.isArray(v)) return (v as readonly Value[]).map(snapshot);
  return v;
}

function constructorOf(def: TypeDef): Builtin {
  const spec: { [name: string]: Param<Value | undefined> } = {};
  for (const field of def.fields) {
    const options = field.keywordOnly ? { keywordOnly: true } : {};
    spec[field.name] = field.required ? required(field.type, options) : optional(field.type, options);
  }
  return defineBuiltin(def.name, spec, (args) => {
    const slots = def.fields.map((field) => {
      const v = args[field.name] as Value | undefined;
      return v === undefined ? undefined : snapshot(v);
    });
    const value = new KurtosisValue(def, slots);
    def.check?.(value);
    return value;
  });
}

const CONSTRUCTORS: ReadonlyMap<string, Builtin> = new Map(DEFS.map((d) => [d.name, constructorOf(d)]));

/** The predeclared type constructors, by name (ServiceConfig, PortSpec, ..., Service). */
export function kurtosisTypes(): Map<string, Value> {
  return new Map(CONSTRUCTORS);
}

export { intList, isKurtosis, KurtosisValue, stringList, stringMap, type KurtosisTypeName } from './value.js';
export { makeService, mergeServiceConfig, type ServiceReferences } from './service.js';
