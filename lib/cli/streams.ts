// The one place in lib/cli that owns the process's streams (output, and the prompt's input). Commands hand their
// results to views (lib/render, see lib/render/view.ts) together with these streams; they
// never write to process.stdout or process.stderr, nor call console, themselves — the lint
// rule of eslint.config.js ("commands write through a view") fails any file of lib/cli but
// this one that does, and test/lint/rules.test.ts proves the rule is live.
import type { Streams } from '../render/view.js';

/** Standard output and standard error, as views write to them. */
export const streams: Streams & { readonly out: NodeJS.WriteStream; readonly err: NodeJS.WriteStream } = {
  get out() {
    return process.stdout;
  },
  get err() {
    return process.stderr;
  },
};

/** Asks on the terminal (the prompt on standard output); resolves with the answer (empty when standard input ends). */
export async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  try {
    return await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      rl.question(question, (answer) => resolve(answer.trim()));
    });
  } finally {
    rl.close();
  }
}
