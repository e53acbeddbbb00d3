// `starform packages fetch [DIR|LOCATOR]` and `starform packages list [DIR|LOCATOR]`: the
// package cache ahead of time, and what a package's locators resolve to.
//
// `fetch` fills the cache with every repository the package uses — each entry of its
// starform.lock, then whatever interpreting the package (with --args as given) reaches —
// and writes the lock, keeping entries this run did not need (they may belong to other
// args). Run it with the network, then plan with --offline on an air-gapped machine with
// the same STARFORM_PACKAGE_CACHE. `list` resolves the same way but never writes the lock,
// and prints each repository with the ref asked for, the commit and where it came from.
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import type { PackageFetcher, ResolvedRepository } from '../package/index.js';
import { packagesFetchedView, packagesListView } from '../render/packages-view.js';
import { show } from '../render/view.js';
import { packageInputs, withPackageOptions, type PackageArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'packages <command>';
export const describe = 'Fill the package cache ahead of time (fetch), or show what a package resolves to (list)';

interface ListArgs extends PackageArgs {
  json: boolean;
}

/** Interprets the package with a fetcher; returns what it used and the problems met. */
async function resolveAll(
  argv: PackageArgs,
  mode: 'fetch' | 'list',
): Promise<{ fetcher: PackageFetcher; used: readonly ResolvedRepository[]; problems: string[] }> {
  const { checkPackage } = await import('../plan/index.js');
  const { packageFetcherFor, parseAbsoluteLocator } = await import('../package/index.js');
  const fetcher = packageFetcherFor(argv.dir, {
    offline: argv.offline,
    upgrade: argv.upgrade,
    readOnlyLock: mode === 'list',
    keepUnused: mode === 'fetch',
  });
  if (mode === 'fetch' && !argv.upgrade) {
    for (const e of fetcher.locked()) fetcher.checkout(parseAbsoluteLocator(e.locator).segments, e.ref ?? undefined);
  }
  const inputs = await packageInputs(argv);
  const checked = checkPackage({ ...inputs, remote: fetcher });
  const problems = checked.result.problems.map((p) => `${p.position.file}:${p.position.line}:${p.position.col}: ${p.message}`);
  // fetch: even when interpretation stopped early, keep what was fetched pinned.
  if (mode === 'fetch' && problems.length > 0) fetcher.saveLock();
  return { fetcher, used: fetcher.used(), problems };
}

const fetch: CommandModule<object, PackageArgs> = {
  command: 'fetch [dir]',
  describe: 'Fetch every repository a package uses into the package cache (and pin them in starform.lock)',
  builder: (y) => withPackageOptions(y),
  async handler(argv: ArgumentsCamelCase<PackageArgs>) {
    const { used, problems } = await resolveAll(argv, 'fetch');
    show(packagesFetchedView, { used, problems }, streams, false);
    if (problems.length > 0) process.exitCode = 1;
  },
};

const list: CommandModule<object, ListArgs> = {
  command: 'list [dir]',
  describe: 'Show the repositories a package uses: ref, commit and where the commit comes from',
  builder: (y) => withPackageOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<ListArgs>,
  async handler(argv: ArgumentsCamelCase<ListArgs>) {
    const { used, problems } = await resolveAll(argv, 'list');
    show(packagesListView, { used, problems }, streams, argv.json === true);
    if (problems.length > 0) process.exitCode = 1;
  },
};

export function builder(y: Argv): Argv {
  return y
    .command(fetch as unknown as CommandModule)
    .command(list as unknown as CommandModule)
    .demandCommand(1, 'Name a packages command: fetch or list.');
}

export function handler(): void {
  // the subcommands handle everything
}
