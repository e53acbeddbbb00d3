// @ts-check
// Preloaded into a benchmarked Node process (NODE_OPTIONS=--import=...) when GNU time is
// not installed: at exit it writes the process's peak resident set size, in KiB, to the
// file named by STARFORM_BENCH_RSS_FILE, where bench/lib/measure.js reads it.
import { writeFileSync } from 'node:fs';

const file = process.env.STARFORM_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
