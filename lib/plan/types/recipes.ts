// The Kurtosis types of steps: ExecRecipe, GetHttpRequestRecipe, PostHttpRequestRecipe,
// ReadyCondition, StoreSpec.
import { ArgError, toUnicode, typeName, type ArgType, type Value } from '../../starlark/index.js';
import { checkAssertion, comparisonTarget, normalizeDuration } from '../canonical.js';
import { DEFAULT_POST_CONTENT_TYPE } from '../../instructions/index.js';
import {
  DESCRIPTION,
  type KurtosisTypeName,
  type KurtosisValue,
  type TypeDef,
  anyValue,
  convError,
  dict,
  duration,
  elems,
  f,
  isKurtosis,
  list,
  nonEmpty,
  str,
  stringMap,
  typeDef,
} from './value.js';

function extractOf(v: KurtosisValue, type: string): { [k: string]: string } {
  return stringMap(v.get('extract'), `${type}: extract`);
}

export const EXEC_RECIPE: TypeDef = typeDef({
  name: 'ExecRecipe',
  fields: [f('command', list, { required: true }), f('extract', dict), DESCRIPTION],
  canonical: (v) => ({
    command: elems(v.get('command')).map((x, i) => {
      if (typeof x !== 'string') convError('ExecRecipe', `item number ${i} in 'command' list was not a string (got ${typeName(x)})`);
      return toUnicode(x);
    }),
    extract: extractOf(v, 'ExecRecipe'),
    type: 'exec',
  }),
});

export const GET_RECIPE: TypeDef = typeDef({
  name: 'GetHttpRequestRecipe',
  fields: [f('port_id', nonEmpty, { required: true }), f('endpoint', str, { required: true }), f('extract', dict), f('headers', dict), DESCRIPTION],
  canonical: (v) => ({
    type: 'http',
    method: 'GET',
    port_id: v.text('port_id')!,
    endpoint: v.text('endpoint')!,
    extract: extractOf(v, 'GetHttpRequestRecipe'),
    headers: stringMap(v.get('headers'), 'GetHttpRequestRecipe: headers'),
  }),
});

export const POST_RECIPE: TypeDef = typeDef({
  name: 'PostHttpRequestRecipe',
  fields: [
    f('port_id', nonEmpty, { required: true }),
    f('endpoint', str, { required: true }),
    f('body', str),
    f('content_type', str),
    f('extract', dict),
    f('headers', dict),
    DESCRIPTION,
  ],
  canonical: (v) => ({
    type: 'http',
    method: 'POST',
    port_id: v.text('port_id')!,
    endpoint: v.text('endpoint')!,
    body: v.text('body') ?? '',
    content_type: v.text('content_type') ?? DEFAULT_POST_CONTENT_TYPE,
    extract: extractOf(v, 'PostHttpRequestRecipe'),
    headers: stringMap(v.get('headers'), 'PostHttpRequestRecipe: headers'),
  }),
});

const RECIPE_KINDS: KurtosisTypeName[] = ['ExecRecipe', 'GetHttpRequestRecipe', 'PostHttpRequestRecipe'];

export const recipe: ArgType<Value> = {
  want: RECIPE_KINDS.join(' or '),
  accepts: () => true,
  convert: (v) => {
    if (!isKurtosis(v, ...RECIPE_KINDS)) throw new ArgError(`the 'recipe' attribute is not a Recipe (got ${typeName(v)})`);
    return v;
  },
};

export const READY_CONDITION: TypeDef = typeDef({
  name: 'ReadyCondition',
  fields: [
    f('recipe', recipe, { required: true }),
    f('field', nonEmpty, { required: true }),
    f('assertion', str, { required: true }),
    f('target_value', anyValue, { required: true }),
    f('interval', duration),
    f('timeout', duration),
    DESCRIPTION,
  ],
  check(v) {
    checkAssertion(toUnicode(v.get('assertion') as string), v.get('target_value')!, 'ReadyCondition');
  },
  canonical: (v) => ({
    recipe: (v.get('recipe') as KurtosisValue).canonical(),
    field: v.text('field')!,
    assertion: v.text('assertion')!,
    ...comparisonTarget(v.get('target_value')!, 'ReadyCondition: target_value'),
    interval: normalizeDuration(v.text('interval') ?? '1s', 'ReadyCondition: interval'),
    timeout: normalizeDuration(v.text('timeout') ?? '15m', 'ReadyCondition: timeout'),
  }),
});

export const STORE_SPEC: TypeDef = typeDef({
  name: 'StoreSpec',
  fields: [f('src', nonEmpty, { required: true }), f('name', nonEmpty), DESCRIPTION],
  canonical: (v) => ({ src: v.text('src')!, name: v.text('name') ?? null }),
});
