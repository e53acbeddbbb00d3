// Recipes at execution time (docs/kurtosis-api.md §3.7-3.10): an ExecRecipe runs a
// command in the service's container; an HTTP recipe makes a request *from this host* to
// the port the engine publishes for the service (Kurtosis talks to the private IP from
// inside the enclave; starform runs outside it, and publishes every port for this). The
// result is the recipe's fields — code and output (exec) or code and body (HTTP) — plus
// one `extract.<key>` per extractor. `waitFor` is the retry loop of `wait` and of
// ReadyCondition: run the recipe, check the assertion on one field, retry at a constant
// interval until it holds or the timeout passes.
import { substituteDeep, substituteString, substituteTyped, type RecipeJson } from '../instructions/index.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import { checkAssertion, reprValue } from './assertions.js';
import { interrupted, serviceRef, sleep, type StepContext } from './context.js';
import { StepFailure, isRuntimeError } from './errors.js';
import { runExtractors } from './extract.js';

export type RecipeFields = Record<string, JsonValue>;

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Runs a recipe against a service once; its fields (before any code check). */
export async function runRecipe(ctx: StepContext, serviceName: string, recipe: RecipeJson, timeoutMs?: number): Promise<RecipeFields> {
  if (recipe.type === 'exec') {
    const command = recipe.command.map((c) => substituteString(c, ctx.resolve));
    const ref = serviceRef(ctx, serviceName);
    const result = await ctx.runtime.exec(ref, command, timeoutMs !== undefined ? { timeoutMs } : {});
    const fields: RecipeFields = { code: result.exitCode, output: result.output };
    return { ...fields, ...(await runExtractors(recipe.extract, result.output, 'string')) };
  }
  const status = await ctx.runtime.inspectService(serviceRef(ctx, serviceName));
  if (status === undefined) throw new StepFailure(`service '${serviceName}' has no container any more`);
  if (!status.running) throw new StepFailure(`service '${serviceName}' is not running (${status.state})`);
  const port = status.ports[recipe.port_id];
  if (port === undefined) {
    const known = Object.keys(status.ports);
    throw new StepFailure(`service '${serviceName}' has no published port '${recipe.port_id}'${known.length > 0 ? ` (its ports: ${known.join(', ')})` : ''}`);
  }
  const endpoint = substituteString(recipe.endpoint, ctx.resolve);
  const host = port.hostIp.includes(':') ? `[${port.hostIp}]` : port.hostIp;
  const url = `http://${host}:${port.hostPort}${endpoint}`;
  const headers = substituteDeep(recipe.headers as JsonObject, ctx.resolve) as Record<string, string>;
  const init: RequestInit = { method: recipe.method, headers: { ...headers } };
  if (recipe.method === 'POST') {
    init.body = substituteString(recipe.body, ctx.resolve);
    init.headers = { 'content-type': recipe.content_type, ...headers };
  }
  const limit = timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const signals = [AbortSignal.timeout(limit), ctx.signal];
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.any(signals) });
    body = await response.text();
  } catch (err) {
    if (ctx.signal.aborted) throw interrupted();
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${limit} ms` : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new StepFailure(`${recipe.method} ${url} (port '${recipe.port_id}' of service '${serviceName}') failed: ${why}`);
  }
  const fields: RecipeFields = { code: response.status, body };
  return { ...fields, ...(await runExtractors(recipe.extract, body, 'json')) };
}

/**
 * Fails unless the exit / status code is acceptable (Kurtosis's message). `what` names
 * the step kind as Kurtosis does: "Exec", "Request", "Run sh", "Run python".
 */
export function checkCode(fields: RecipeFields, acceptable: readonly number[], skip: boolean, what: string): void {
  if (skip) return;
  const code = fields['code'];
  if (typeof code === 'number' && acceptable.includes(code)) return;
  const http = what === 'Request';
  const shown = http ? fields['body'] : fields['output'];
  const text = typeof shown === 'string' ? shown.trimEnd() : '';
  throw new StepFailure(
    `${what} returned ${http ? 'status code' : 'exit code'} '${String(code)}' that is not part of the acceptable status codes '[${acceptable.join(' ')}]'` +
      (text !== '' ? `, with ${http ? 'body' : 'output'}:\n${indent(text)}` : ''),
  );
}

export function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export interface WaitSpec {
  readonly serviceName: string;
  readonly recipe: RecipeJson;
  readonly field: string;
  readonly assertion: string;
  readonly targetValue: JsonValue;
  readonly targetType: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface WaitResult {
  readonly fields: RecipeFields;
  readonly attempts: number;
}

/** Retries the recipe until the assertion on `field` holds (Kurtosis's wait loop). */
export async function waitFor(ctx: StepContext, spec: WaitSpec): Promise<WaitResult> {
  const started = Date.now();
  const target = spec.targetType === 'string' ? substituteTyped(spec.targetValue, ctx.resolve) : spec.targetValue;
  const targetType = spec.targetType === 'string' && typeof target !== 'string' ? '' : spec.targetType;
  serviceRef(ctx, spec.serviceName);
  let attempts = 0;
  let lastError = '';
  for (;;) {
    if (ctx.signal.aborted) throw interrupted();
    attempts++;
    const remaining = spec.timeoutMs - (Date.now() - started);
    let fields: RecipeFields | undefined;
    try {
      fields = await runRecipe(ctx, spec.serviceName, spec.recipe, Math.max(1000, remaining));
    } catch (err) {
      if (ctx.signal.aborted) throw interrupted();
      if (isRuntimeError(err, 'not-found') || isRuntimeError(err, 'not-running')) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (fields !== undefined) {
      if (!(spec.field in fields)) {
        throw new StepFailure(`Error extracting value from key '${spec.field}': the recipe's result has ${Object.keys(fields).join(', ')}`);
      }
      const why = checkAssertion(fields[spec.field]!, spec.assertion, target, targetType);
      if (why === null) return { fields, attempts };
      lastError = `${why} (field '${spec.field}' is ${reprValue(fields[spec.field]!)})`;
    }
    if (Date.now() - started + spec.intervalMs > spec.timeoutMs) {
      throw new StepFailure(
        `Recipe execution timed-out waiting for the assertion to become valid on service '${spec.serviceName}'. ` +
          `Waited for '${formatMs(Date.now() - started)}' (${attempts} attempt${attempts === 1 ? '' : 's'}). Last assertion error was: ${lastError}`,
      );
    }
    await sleep(spec.intervalMs, ctx.signal);
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}
