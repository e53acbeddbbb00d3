// One-off steps on services and values: exec, request, wait, verify, print.
//
// Their results become runtime values (`<step id>.code`, `.output` / `.body`,
// `.extract.<key>`) that later steps' future references resolve to. verify and the
// targets of wait substitute typed (a string that is exactly one reference becomes the
// referenced value itself, so `verify(result["code"], "==", 0)` compares ints), print
// substitutes textually (docs/kurtosis-api.md §1).
import { argsOf, substituteString, substituteTyped, type InstructionKind } from '../../instructions/index.js';
import { checkAssertion, reprValue, starlarkType } from '../assertions.js';
import { durationMs, type StepContext, type StepHandler, type StepOutcome } from '../context.js';
import { StepFailure } from '../errors.js';
import { checkCode, formatMs, runRecipe, waitFor, type RecipeFields } from '../recipes.js';

function oneLine(text: string, max = 60): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}...` : line;
}

function extractText(fields: RecipeFields): string {
  const keys = Object.keys(fields).filter((k) => k.startsWith('extract.'));
  return keys.length === 0 ? '' : `; ${keys.map((k) => `${k.slice(8)}=${reprValue(fields[k]!)}`).join(', ')}`;
}

export async function exec(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'exec');
  const fields = await runRecipe(ctx, args.service_name, args.recipe);
  checkCode(fields, args.acceptable_codes, args.skip_code_check, 'Exec');
  const output = typeof fields['output'] === 'string' ? oneLine(fields['output']) : '';
  return {
    result: fields,
    values: fields,
    message: `exit code ${String(fields['code'])}${output !== '' ? `: ${output}` : ''}${extractText(fields)}`,
  };
}

export async function request(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'request');
  const fields = await runRecipe(ctx, args.service_name, args.recipe);
  checkCode(fields, args.acceptable_codes, args.skip_code_check, 'Request');
  return { result: fields, values: fields, message: `status ${String(fields['code'])}${extractText(fields)}` };
}

/** wait's arguments: a ready condition, on a service. */
export async function wait(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'wait');
  const started = Date.now();
  const { fields, attempts } = await waitFor(ctx, {
    serviceName: args.service_name,
    recipe: args.recipe,
    field: args.field,
    assertion: args.assertion,
    targetValue: args.target_value,
    targetType: args.target_type,
    intervalMs: durationMs(args.interval),
    timeoutMs: durationMs(args.timeout),
  });
  return {
    result: fields,
    values: fields,
    message: `${args.field} ${args.assertion} ${reprValue(args.target_value)} after ${attempts} attempt${attempts === 1 ? '' : 's'} (${formatMs(Date.now() - started)})`,
  };
}

async function verify(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'verify');
  const value = substituteTyped(args.value, ctx.resolve);
  let target = args.target_value;
  let targetType = args.target_type;
  if (typeof target === 'string') {
    target = substituteTyped(target, ctx.resolve);
    targetType = starlarkType(target);
  }
  const why = checkAssertion(value, args.assertion, target, targetType);
  if (why !== null) throw new StepFailure(why);
  return { result: { value }, message: `Verification succeeded. Value is ${reprValue(value)}.` };
}

export async function print(ctx: StepContext): Promise<StepOutcome> {
  const msg = substituteString(argsOf(ctx.instruction, 'print').msg, ctx.resolve);
  return { result: { msg }, message: msg };
}

/** The handlers of this family, by kind (handlers/index.ts gathers the families). */
export const STEP_HANDLERS = { exec, request, wait, verify, print } satisfies { readonly [K in InstructionKind]?: StepHandler };
