// Which runtime adapter a command drives, and the one place adapters are constructed.
// `--runtime docker|swarm` (or $STARFORM_RUNTIME) picks it for a state that has none yet;
// the executor records a non-default choice in the state (enclave.runtime), and every
// later command on that state follows the record. A flag that contradicts the record is
// refused: the enclave's resources live in the recorded engine, and a second runtime would
// neither see nor remove them. Adapters load lazily (dockerode costs a quarter second).
import type { Argv } from 'yargs';
import type { Runtime } from '../runtime/index.js';
import { UserError } from '../util/errors.js';

const RUNTIME_KINDS = ['docker', 'swarm'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

export interface RuntimeArgs {
  runtime?: string;
}

export function withRuntimeOption<T>(y: Argv<T>): Argv<T & RuntimeArgs> {
  return y.option('runtime', {
    type: 'string',
    describe: `The engine an empty state is applied to: ${RUNTIME_KINDS.join(' or ')} (default $STARFORM_RUNTIME, else docker); a state keeps the one it was applied with`,
  }) as unknown as Argv<T & RuntimeArgs>;
}

export interface OpenRuntimeOptions {
  readonly kind: RuntimeKind;
}

/** The runtime adapter of that kind, talking to the engine the environment names (DOCKER_HOST, DOCKER_CONTEXT...). */
export async function openRuntime(options: OpenRuntimeOptions): Promise<Runtime> {
  switch (options.kind) {
    case 'docker': {
      const { DockerRuntime } = await import('../docker/index.js');
      return new DockerRuntime();
    }
    case 'swarm': {
      const { SwarmRuntime } = await import('../swarm/index.js');
      return new SwarmRuntime();
    }
  }
}

/** Loads the adapter's code without contacting the engine (start-up latency hiding). */
export function preloadRuntime(kind: RuntimeKind): void {
  (kind === 'swarm' ? import('../swarm/index.js') : import('../docker/index.js')).catch(() => undefined);
}

function parseKind(value: string, from: string): RuntimeKind {
  const kind = value.trim().toLowerCase();
  if ((RUNTIME_KINDS as readonly string[]).includes(kind)) return kind as RuntimeKind;
  throw new UserError(`${from} must be one of ${RUNTIME_KINDS.join(', ')} (got ${JSON.stringify(value)})`);
}

/** What the user asked for (flag, else $STARFORM_RUNTIME); undefined when neither says. */
export function requestedRuntime(flag: string | undefined, env: string | undefined = process.env['STARFORM_RUNTIME']): RuntimeKind | undefined {
  if (flag !== undefined) return parseKind(flag, '--runtime');
  if (env !== undefined && env.trim() !== '') return parseKind(env, 'STARFORM_RUNTIME');
  return undefined;
}

/**
 * The runtime for a state that recorded `recorded` (undefined: none recorded, i.e. docker
 * when the state has an enclave, free when it has none) given the user's request.
 */
export function settleRuntime(requested: RuntimeKind | undefined, recorded: string | undefined, hasEnclave: boolean, stateFile: string): RuntimeKind {
  const own = recorded !== undefined ? parseKind(recorded, `the state's enclave.runtime`) : hasEnclave ? 'docker' : undefined;
  if (own !== undefined && requested !== undefined && requested !== own) {
    throw new UserError(`the state's enclave runs on the ${own} runtime; it cannot be applied with --runtime ${requested}`, {
      location: { file: stateFile },
      hint: `Drop --runtime (the state keeps its runtime), or \`starform destroy\` the enclave first and apply again with --runtime ${requested}.`,
    });
  }
  return own ?? requested ?? 'docker';
}

/** A runtime opened on first use, of a kind settled once (the state is read after the command starts). */
export class RuntimeChoice {
  private kindSettled: RuntimeKind | undefined;
  private opened: Promise<Runtime> | undefined;

  constructor(readonly requested: RuntimeKind | undefined) {}

  /** Fixes the kind from the state (see settleRuntime); returns it. */
  settle(recorded: string | undefined, hasEnclave: boolean, stateFile: string): RuntimeKind {
    this.kindSettled = settleRuntime(this.requested, recorded, hasEnclave, stateFile);
    return this.kindSettled;
  }

  get kind(): RuntimeKind {
    return this.kindSettled ?? this.requested ?? 'docker';
  }

  /** The runtime, opened on the first call. */
  readonly runtime = (): Promise<Runtime> => (this.opened ??= openRuntime({ kind: this.kind }));
}
