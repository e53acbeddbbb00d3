// The precompiled validators (dist/schemas/) that bin/starform's bundle carries inside, so
// that V8's code cache covers them like the rest of the bundle: scripts/build.mjs replaces
// this module in the bundle with one that requires each validator lib/ names. In the
// unbundled tree (the tests) there are none here, and lib/util/schema.ts loads them from
// dist/schemas/.
export const bundledValidators: Readonly<Record<string, () => unknown>> | undefined = undefined;
