// Loads the live progress view. ink is an ES module with top-level await, so the view is
// an ES module loaded with import(). Inside the bundle, which runs as a CommonJS script from
// V8's code cache, import() cannot work (Node 20 loses its callback for cached scripts), so
// lib/cli/launcher.cts hands the bundle `__starformImport`, which imports relative to the
// bundle's folder, where scripts/build.mjs puts the view as progress.mjs.
import type * as ProgressView from './index.js';

declare const __starformImport: ((specifier: string) => Promise<unknown>) | undefined;

export function loadProgressView(): Promise<typeof ProgressView> {
  if (typeof __starformImport === 'function') return __starformImport('./progress.mjs') as Promise<typeof ProgressView>;
  return import('./index.js');
}
