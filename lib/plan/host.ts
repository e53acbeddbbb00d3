// What the plan module needs from its surroundings while a package is interpreted: the
// package's files, addressed by Kurtosis locators relative to the module that asks. The
// interpreter (lib/plan/interpret.ts) implements it on top of lib/package; tests can
// implement it in memory. Errors thrown here are UserErrors (lib/util/errors.ts) whose
// message is shown at the Starlark position of the call that asked.

export interface PackageFile {
  /** How plan files and messages show the file: `static/app.conf`, `github.com/o/r/x.star`. */
  readonly display: string;
  readonly content: Buffer;
}

export interface PackageTree {
  readonly display: string;
  /** True when the locator names a directory. */
  readonly isDirectory: boolean;
  /** For a file: one entry whose path is its base name; for a directory: every file below it, posix paths relative to it, sorted. */
  readonly files: readonly { readonly path: string; readonly content: Buffer }[];
}

export interface PackageFiles {
  /** A file by locator, relative to the module `fromModule` (a display path). */
  readFile(locator: string, fromModule: string): PackageFile;
  /** A file or a whole directory by locator (upload_files, build contexts). */
  readTree(locator: string, fromModule: string): PackageTree;
}
