// Environment variable names and values a container can actually be given. The engine
// takes a container's environment as `NAME=value` strings, so a name containing '=' (or
// an empty one) would silently become another variable — `{"A=B": "c"}` sets A to "B=c" —
// and a newline or other control character in a name, or a NUL anywhere (the strings
// are C strings), produces a variable nobody asked for. These are refused when the
// package builds its ServiceConfig or run_sh, so the error has the Starlark position.
import { fail } from '../starlark/index.js';

/** Returns `env` unchanged, or fails naming the first bad name or value. */
export function checkEnvVars<T extends Readonly<Record<string, string>>>(env: T, what: string): T {
  for (const [name, value] of Object.entries(env)) {
    const why = badName(name);
    if (why !== null) fail(`${what}: ${JSON.stringify(name)} is not a valid environment variable name: ${why}`);
    if (value.includes('\0')) fail(`${what}: the value of ${name} contains a NUL character, which no environment can hold`);
  }
  return env;
}

function badName(name: string): string | null {
  if (name === '') return 'it is empty';
  if (name.includes('=')) return "it contains '=' (the engine would read the part after it as the value)";
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a newline or another control character';
  return null;
}
