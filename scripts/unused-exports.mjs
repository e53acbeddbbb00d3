// `npm run lint:exports`: exports of lib/ that nothing outside their own file uses — dead
// code, or an `export` keyword too many. TypeScript's own checker resolves every import,
// re-export, `import()` destructuring and namespace member of lib/ and test/ to the
// declaration it names; a declaration whose every use sits in its own file (or in a
// re-export that nothing imports) is reported: a value, or a type that nothing uses at all
// (a type used in its own file is left exported: it belongs to an exported signature). The JavaScript of scripts/ and bench/ runs
// against dist/, so a name it mentions counts as used. Kept on purpose: the embedding API of
// lib/starlark (index.ts, for host code that is not ours yet) and the entry points the
// bundle and its worker start from (KEEP).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEEP = new Set(['lib/starlark/index.ts', 'lib/cli/main.ts', 'lib/cli/launcher.cts', 'lib/plan/interpret-worker-entry.ts']);

const rel = (f) => relative(root, f).split(sep).join('/');
const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const program = ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, noEmit: true } });
const checker = program.getTypeChecker();
const ours = program.getSourceFiles().filter((f) => !f.isDeclarationFile && !rel(f.fileName).startsWith('..') && !rel(f.fileName).startsWith('node_modules/'));

/** Declaration symbol -> files (other than its own) that use it. */
const usedFrom = new Map();
const original = (s) => (s && s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
function mark(symbol, file) {
  const s = original(symbol);
  if (!s || !s.declarations?.length) return;
  if (s.declarations.every((d) => d.getSourceFile() === file)) return;
  if (!usedFrom.has(s)) usedFrom.set(s, new Set());
  usedFrom.get(s).add(rel(file.fileName));
}
for (const file of ours) {
  const visit = (node) => {
    // `import * as commands from './x.js'`: the namespace hands every export on (yargs command modules).
    if (ts.isNamespaceImport(node)) {
      const target = original(checker.getSymbolAtLocation(node.name));
      if (target) for (const e of checker.getExportsOfModule(target)) mark(e, file);
    }
    // `import('./x.js')` not destructured at once (`load: () => import('./plan.js')`): the module object goes on whole.
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && !destructured(node)) {
      const target = checker.getSymbolAtLocation(node.arguments[0]);
      if (target) for (const e of checker.getExportsOfModule(target)) mark(e, file);
    }
    if (ts.isIdentifier(node) && !ts.isExportSpecifier(node.parent)) {
      mark(checker.getSymbolAtLocation(node), file);
      // `const { name } = await import('./x.js')`: the property of the module it names.
      if (ts.isBindingElement(node.parent) && ts.isObjectBindingPattern(node.parent.parent) && (node.parent.propertyName ?? node.parent.name) === node) {
        const prop = checker.getTypeAtLocation(node.parent.parent).getProperty(node.text);
        if (prop) mark(prop, file);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

// What a kept face exports is used, by definition.
for (const file of ours) {
  if (!KEEP.has(rel(file.fileName))) continue;
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (moduleSymbol) for (const e of checker.getExportsOfModule(moduleSymbol)) usedFrom.set(original(e), new Set(['(kept face)']));
}

/** `const { a } = await import('./x.js')`: each name is followed on its own. */
function destructured(call) {
  const p = ts.isAwaitExpression(call.parent) ? call.parent.parent : undefined;
  return p !== undefined && ts.isVariableDeclaration(p) && ts.isObjectBindingPattern(p.name);
}

const js = [...walk('scripts'), ...walk('bench')]
  .filter((f) => /\.(m?js|cjs)$/.test(f))
  .map((f) => readFileSync(join(root, f), 'utf8'))
  .join('\n');
const unused = [];
for (const file of ours) {
  const name = rel(file.fileName);
  if (!name.startsWith('lib/') || KEEP.has(name)) continue;
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const s = original(exported);
    const decl = s.declarations?.[0];
    if (!decl) continue;
    const home = rel(decl.getSourceFile().fileName);
    if (home !== name) continue; // a re-export: judged at its declaration
    if (usedFrom.has(s)) continue;
    if (new RegExp(`\\b${exported.name}\\b`).test(js)) continue;
    const { line } = decl.getSourceFile().getLineAndCharacterOfPosition(decl.getStart());
    const local = countLocalUses(decl.getSourceFile(), s);
    // A type (or a class, which is one too) used in its own file is part of an exported signature there: exporting it is the API's business.
    if (local > 0 && (!(s.flags & ts.SymbolFlags.Value) || s.flags & ts.SymbolFlags.Class)) continue;
    unused.push(`${home}:${line + 1}: ${exported.name}${local > 0 ? ' (used in its own file only: drop `export`)' : ' (used nowhere)'}`);
  }
}
if (unused.length > 0) {
  console.log(unused.sort().join('\n'));
  console.error(`\n${unused.length} exports of lib/ are not used outside their file (scripts/unused-exports.mjs)`);
  process.exit(1);
}

function countLocalUses(file, symbol) {
  let n = 0;
  const visit = (node) => {
    if (ts.isIdentifier(node) && original(checker.getSymbolAtLocation(node)) === symbol && !isDeclarationName(node)) n++;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return n;
}

function isDeclarationName(node) {
  const p = node.parent;
  return (
    (ts.isFunctionDeclaration(p) ||
      ts.isClassDeclaration(p) ||
      ts.isVariableDeclaration(p) ||
      ts.isInterfaceDeclaration(p) ||
      ts.isTypeAliasDeclaration(p) ||
      ts.isEnumDeclaration(p)) &&
    p.name === node
  );
}

function walk(dir) {
  const found = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...walk(path));
    else found.push(path);
  }
  return found;
}
