// The one-off step builtins of the plan module: exec, request, wait, verify, print.
import { optional, str, toUnicode, withDefault } from '../../starlark/index.js';
import type { JsonObject } from '../../util/json.js';
import type { RecipeJson } from '../../instructions/index.js';
import { checkAssertion, comparisonTarget, normalizeDuration } from '../canonical.js';
import { intList } from '../types/index.js';
import {
  ANY_RECIPE,
  DEFAULT_HTTP_CODES,
  EXEC_RECIPE,
  HTTP_RECIPE,
  anyValue,
  bool,
  description,
  list,
  nonEmptyText,
  recipeFields,
  refsDict,
  text,
  within,
  type Def,
  type PlanBuilder,
} from './common.js';

export function defineStepBuiltins(b: PlanBuilder, def: Def): void {
  def(
    'exec',
    {
      service_name: nonEmptyText,
      recipe: EXEC_RECIPE,
      acceptable_codes: optional(list),
      skip_code_check: withDefault(bool, false),
      description,
    },
    (a, ctx) => {
      const recipe = within('exec', () => a.recipe.canonical()) as RecipeJson;
      const args: JsonObject = {
        acceptable_codes: a.acceptable_codes === undefined ? [0] : within('exec', () => intList(a.acceptable_codes, 'acceptable_codes')),
        recipe,
        service_name: a.service_name,
        skip_code_check: a.skip_code_check,
      };
      const fields = recipeFields(recipe);
      const ins = b.record('exec', args, ctx.thread, {
        description: a.description ?? `Executing command on service '${a.service_name}'`,
        services: [a.service_name],
        produces: fields,
      });
      return refsDict(ins.id, fields);
    },
  );

  def(
    'request',
    {
      service_name: nonEmptyText,
      recipe: HTTP_RECIPE,
      acceptable_codes: optional(list),
      skip_code_check: withDefault(bool, false),
      description,
    },
    (a, ctx) => {
      const recipe = within('request', () => a.recipe.canonical()) as RecipeJson;
      const args: JsonObject = {
        service_name: a.service_name,
        recipe,
        acceptable_codes: a.acceptable_codes === undefined ? DEFAULT_HTTP_CODES : within('request', () => intList(a.acceptable_codes, 'acceptable_codes')),
        skip_code_check: a.skip_code_check,
      };
      const fields = recipeFields(recipe);
      const method = recipe.type === 'http' ? recipe.method : 'GET';
      const ins = b.record('request', args, ctx.thread, {
        description: a.description ?? `Running '${method}' request on service '${a.service_name}'`,
        services: [a.service_name],
        produces: fields,
      });
      return refsDict(ins.id, fields);
    },
  );

  def(
    'wait',
    {
      service_name: nonEmptyText,
      recipe: ANY_RECIPE,
      field: text,
      assertion: text,
      target_value: anyValue,
      interval: withDefault(text, '1s'),
      timeout: withDefault(text, '10s'),
      description,
    },
    (a, ctx) => {
      const recipe = within('wait', () => a.recipe.canonical()) as RecipeJson;
      const interval = within('wait', () => normalizeDuration(a.interval, `An error occurred when parsing interval '${a.interval}'`));
      const timeout = within('wait', () => normalizeDuration(a.timeout, `An error occurred when parsing timeout '${a.timeout}'`));
      within('wait', () => checkAssertion(a.assertion, a.target_value, 'assertion'));
      const args: JsonObject = {
        service_name: a.service_name,
        recipe,
        field: a.field,
        assertion: a.assertion,
        ...within('wait', () => comparisonTarget(a.target_value, 'target_value')),
        interval,
        timeout,
      };
      const fields = recipeFields(recipe);
      const ins = b.record('wait', args, ctx.thread, {
        description: a.description ?? `Waiting for at most '${a.timeout}' for service '${a.service_name}' to reach a certain state`,
        services: [a.service_name],
        produces: fields,
      });
      return refsDict(ins.id, fields);
    },
  );

  def('verify', { value: text, assertion: text, target_value: anyValue, description }, (a, ctx) => {
    within('verify', () => checkAssertion(a.assertion, a.target_value, 'assertion'));
    const args: JsonObject = {
      value: a.value,
      assertion: a.assertion,
      ...within('verify', () => comparisonTarget(a.target_value, 'target_value')),
    };
    b.record('verify', args, ctx.thread, {
      description: a.description ?? `Verifying whether two values meet a certain condition '${a.assertion}'`,
    });
    return null;
  });

  def('print', { msg: anyValue, description }, (a, ctx) => {
    b.record('print', { msg: toUnicode(str(a.msg)) }, ctx.thread, { description: a.description ?? 'Printing a message' });
    return null;
  });
}
