// @ts-check
// Shared by `npm run real-packages` (scripts/real-packages.mjs) and the bench `real` suite:
// finds the copies of real Kurtosis packages in a folder (STARFORM_REAL_PACKAGES=DIR), the
// `--package LOCATOR=DIR` mappings that let them import each other, and the argument
// configurations each one is tried with. Nothing of those packages is ever part of this
// repository; this module only reads the folder it is given.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * @typedef {object} RealPackage
 * @property {string} dirName   its folder's name in DIR (e.g. ethereum-package)
 * @property {string} dir       absolute path
 * @property {string} name      the kurtosis.yml name (github.com/org/repo), trailing '/' dropped
 * @property {boolean} runnable  it has a main.star (others only serve files to packages that use them)
 */

/**
 * @typedef {object} Configuration
 * @property {RealPackage} pkg
 * @property {string | null} argsFile   absolute path; null for the default arguments
 * @property {string} label             `ethereum-package .github/tests/minimal.yaml`
 */

/** @param {string} path */
function isDir(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** @param {string} path */
function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The packages in `root`: every sub-folder (symbolic links followed) holding a kurtosis.yml.
 * @param {string} root
 * @returns {RealPackage[]}
 */
export function findPackages(root) {
  /** @type {RealPackage[]} */
  const out = [];
  for (const dirName of readdirSync(root).sort()) {
    const dir = join(root, dirName);
    const manifest = join(dir, 'kurtosis.yml');
    if (!isDir(dir) || !isFile(manifest)) continue;
    /** @type {unknown} */
    const doc = parseYaml(readFileSync(manifest, 'utf8'));
    const name = doc && typeof doc === 'object' && 'name' in doc && typeof doc.name === 'string' ? doc.name.replace(/\/+$/, '') : undefined;
    if (name === undefined) continue;
    out.push({ dirName, dir, name, runnable: isFile(join(dir, 'main.star')) });
  }
  return out;
}

/**
 * Every `.star` file below `dir` (skipping dot-folders).
 * @param {string} dir
 * @returns {string[]}
 */
function starFiles(dir) {
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...starFiles(path));
    else if (entry.name.endsWith('.star')) out.push(path);
  }
  return out;
}

/**
 * The `--package` mappings for planning `pkg`: each other package of `root` under its
 * kurtosis.yml name, and every `github.com/ORG/REPO` the packages' sources mention whose
 * REPO is a folder of `root` (the name a package is imported by may differ from the one
 * its kurtosis.yml gives, e.g. after a repository moved).
 * @param {string} root
 * @param {readonly RealPackage[]} packages
 * @param {RealPackage} pkg
 * @returns {string[]}  `LOCATOR=DIR` values
 */
export function packageMappings(root, packages, pkg) {
  /** @type {Map<string, string>} */
  const map = new Map();
  for (const other of packages) if (other !== pkg) map.set(other.name, other.dir);
  const mentioned = new Set();
  for (const p of packages) {
    for (const file of starFiles(p.dir)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)/g)) mentioned.add(`github.com/${m[1]}/${m[2]}`);
    }
  }
  for (const locator of [...mentioned].sort()) {
    const repo = locator.split('/')[2] ?? '';
    const dir = join(root, repo);
    if (locator === pkg.name || map.has(locator) || !isFile(join(dir, 'kurtosis.yml'))) continue;
    if (dir === pkg.dir) continue;
    map.set(locator, dir);
  }
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
}

/**
 * Argument files below `dir` (recursively): .yaml, .yml, .json.
 * @param {string} dir
 * @returns {string[]}
 */
function argsFilesBelow(dir) {
  if (!isDir(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...argsFilesBelow(path));
    else if (/\.(ya?ml|json)$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** Argument files a package keeps at its root for `kurtosis run . --args-file FILE`. */
const ROOT_ARGS_FILES = ['args.json', 'args.yaml', 'args.yml', 'network_params.yaml', 'network_params.yml'];

/**
 * The configurations of `pkg`: its default arguments, its root argument files, and every
 * file under `.github/tests/` (recursively), in that order.
 * @param {RealPackage} pkg
 * @returns {Configuration[]}
 */
export function configurations(pkg) {
  if (!pkg.runnable) return [];
  /** @type {Configuration[]} */
  const out = [{ pkg, argsFile: null, label: `${pkg.dirName} (default arguments)` }];
  for (const name of ROOT_ARGS_FILES) {
    const file = join(pkg.dir, name);
    if (isFile(file)) out.push({ pkg, argsFile: file, label: `${pkg.dirName} ${name}` });
  }
  for (const file of argsFilesBelow(join(pkg.dir, '.github', 'tests'))) {
    out.push({ pkg, argsFile: file, label: `${pkg.dirName} ${relative(pkg.dir, file)}` });
  }
  return out;
}

/**
 * The `starform plan` arguments for one configuration (after `bin/starform`).
 * @param {Configuration} config
 * @param {readonly string[]} mappings
 * @param {string} stateFile
 * @param {string} out
 * @param {readonly string[]} [extra]  more options (`--privileged` for a configuration that asks for it)
 */
export function planArgs(config, mappings, stateFile, out, extra = []) {
  // --offline: nothing is fetched or downloaded (the packages' own URLs stay untouched).
  const args = ['plan', config.pkg.dir, '--refresh=false', '--offline', '--state', stateFile, '--out', out, ...extra];
  if (config.argsFile) args.push('--args-file', config.argsFile);
  for (const m of mappings) args.push('--package', m);
  return args;
}
