// The public API of lib/package: finding packages and the files in them, and reading the
// package arguments. The plan module builds import_module, read_file and upload_files on
// this alone; it knows nothing of Starlark or plans (and imports nothing of them).
//
//   const ws = openWorkspace('./pkg', { packages: parsePackageFlags(argv.package) });
//   const src = ws.readText(ws.main);
//   const lib = ws.resolve('./lib/db.star', ws.main);       // UserError if it names nothing
//   ws.readFiles(ws.resolve('./static', ws.main));            // for upload_files
//   plan.sources = ws.sourcesDigest();
//   const args = readArgs({ args: argv.args, argsFile: argv['args-file'] });
export {
  MAIN_FILE,
  Workspace,
  defaultPackageCacheDir,
  openWorkspace,
  parsePackageFlags,
  type ModuleRef,
  type PackageInfo,
  type ResolveOptions,
  type SourceRecord,
  type StaticFile,
  type WorkspaceOptions,
} from './workspace.js';
export { MANIFEST_FILE, parseManifest, readManifest, type Manifest, type PackageWarning, type ReplaceEntry, type ReplaceTarget } from './manifest.js';
export { parseLocator, parseAbsoluteLocator, parsePackageName, type AbsoluteLocator, type Locator } from './locator.js';
export { readArgs, parseArgsText, argumentsText, argumentsDigestText, type ArgsOptions } from './args.js';
export { isDownloadUrl, describeUrl, type DownloadOptions } from './download.js';
export { PackageFetcher, type FetcherOptions, type PackageRemote, type ResolvedRepository } from './remote.js';
export { packageFetcherFor, isLocatorRoot } from './fetch.js';
export { LOCK_FILE, readLock, type LockEntry } from './lock.js';
