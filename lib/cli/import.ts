// `starform import service.NAME CONTAINER [DIR]`: adopt a container starform did not
// create (lib/apply/import.ts), as `terraform import` does: the package in DIR must declare
// the service. Under the state lock; the state is written only once the container has
// joined the enclave. The next `plan` shows a no-op, or the replacement it needs.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { parseLockTimeout, withLockTimeout, type LockArgs } from './apply.js';
import { packageInputs, withPackageOptions, withStateOption, type PackageArgs, type StateArgs } from './shared-options.js';
import { show } from '../render/view.js';
import { streams } from './streams.js';

export const command = 'import <address> <container> [dir]';
export const describe = 'Adopt an existing container as a service of the package (Terraform-style import)';

interface ImportArgs extends PackageArgs, StateArgs, LockArgs {
  address: string;
  container: string;
}

export function builder(y: Argv): Argv<ImportArgs> {
  return withLockTimeout(
    withStateOption(
      withPackageOptions(
        y
          .positional('address', { type: 'string', demandOption: true, describe: 'The service to import it as: service.NAME' })
          .positional('container', { type: 'string', demandOption: true, describe: 'The container: its id or name' }),
      ),
    ),
  ).example('$0 import service.db my-postgres ./pkg', 'Adopt the running container my-postgres as service db of ./pkg') as unknown as Argv<ImportArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ImportArgs>): Promise<void> {
  const [
    { checkPackage },
    { importService },
    { DockerRuntime },
    state,
    { UserError },
    { importProblemsView, importedView },
    { maskOutput },
    { stateSensitiveValues },
  ] = await Promise.all([
    import('../plan/index.js'),
    import('../apply/import.js'),
    import('../docker/index.js'),
    import('../state/index.js'),
    import('../util/errors.js'),
    import('../render/import-view.js'),
    import('../render/redact.js'),
    import('../plan/sensitive.js'),
  ]);
  const inputs = await packageInputs(argv);
  state.parseServiceAddress(argv.address, argv.state);
  await state.withStateLock(argv.state, { operation: 'import', timeoutMs: parseLockTimeout(argv['lock-timeout']) }, async (lock) => {
    const current = await state.readState(argv.state);
    maskOutput(stateSensitiveValues(current));
    const checked = checkPackage({ ...inputs, state: current });
    if (checked.problems.length > 0) {
      show(importProblemsView, checked.problems, streams, false);
      throw new UserError('the package has problems; nothing was imported', { location: { file: argv.dir } });
    }
    const runtime = new DockerRuntime();
    try {
      await runtime.ping();
    } catch (err) {
      throw new UserError((err as Error).message, { cause: err });
    }
    const result = await importService({
      statePath: argv.state,
      lock,
      address: argv.address,
      container: argv.container,
      instructions: checked.instructions,
      packageDir: argv.dir,
      runtime,
      owner: checked.packageName,
    }).catch((err: unknown) => {
      if (err instanceof Error && err.name === 'RuntimeError') throw new UserError(err.message, { cause: err, hint: 'Nothing was imported.' });
      throw err;
    });
    const imported = {
      containerId: result.containerId,
      name: result.name,
      adopted: result.adopted,
      serial: result.state.serial,
      differences: result.differences,
    };
    show(importedView, imported, streams, false);
  });
}
