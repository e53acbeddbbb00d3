// The view of a failed `starform eval FILE.star` (lib/cli/eval.ts): the reference's
// backtrace of an evaluation error, or the message of a syntax or resolve error, on the
// error stream. (What the program prints is not a result: the command streams it to
// standard output as it runs, in 64 KiB writes, so a long program shows progress and a
// broken pipe stops it.)
import { textView } from './view.js';

export const evalFailedView = textView<{ readonly report: string }>(({ report }, { err }) => {
  err.write(report + '\n');
});
