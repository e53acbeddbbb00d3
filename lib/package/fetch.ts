// The one place the CLI builds the package fetcher from: the package it was given (a
// directory, a .star file or a `github.com/...` locator), --offline, --upgrade and the
// environment ($STARFORM_PACKAGE_CACHE, $STARFORM_GIT_BASE_URL, $STARFORM_GIT_TOKEN). Kept
// apart from remote.ts so that module does not depend on the workspace.
import { existsSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { lockFileFor } from './lock.js';
import { PackageFetcher, remoteRootLocator } from './remote.js';
import { defaultPackageCacheDir } from './workspace.js';

export interface FetchFlags {
  readonly offline?: boolean;
  readonly upgrade?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly readOnlyLock?: boolean;
  readonly keepUnused?: boolean;
}

/** Whether `dir` names a package by locator (no local path of that name exists). */
export function isLocatorRoot(dir: string): boolean {
  return !existsSync(dir) && remoteRootLocator(dir) !== undefined;
}

/** The fetcher for planning the package `dir`, with its lock file beside it. */
export function packageFetcherFor(dir: string, flags: FetchFlags = {}): PackageFetcher {
  if (flags.offline && flags.upgrade) {
    throw new UserError('--upgrade cannot be used with --offline: upgrading asks the remotes what the refs point at now');
  }
  const env = flags.env ?? process.env;
  return new PackageFetcher({
    cacheDir: defaultPackageCacheDir(env),
    lockFile: lockFileFor(dir, isLocatorRoot(dir), flags.cwd),
    offline: flags.offline ?? false,
    upgrade: flags.upgrade ?? false,
    env,
    terminal: process.stderr.isTTY === true,
    readOnlyLock: flags.readOnlyLock ?? false,
    keepUnused: flags.keepUnused ?? false,
  });
}
