// The live apply view for a terminal (ink): ended steps scroll up as permanent lines
// (ink's <Static>, so they stay in the scrollback exactly as the plain log prints them);
// below them, one line per step in flight with a spinner, its description and the time
// it has taken so far ("still creating… 20s" once it runs ten seconds), the images being
// pulled (each layer with its bytes) or built (the build step and its last output line),
// and a count of steps done. Every line is wrapped at word boundaries to the terminal's
// width (lib/render/wrap.ts), never mid-word. The closing summary is printed by the
// command after the view is gone.
import type React from 'react';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Static, Text, useStdout } from 'ink';
import { ACTION_SYMBOL, ONGOING_VERB, formatDuration, stepLine } from '../apply-view.js';
import { neutraliseInline, outputRedactor } from '../redact.js';
import { paint, type Painter } from '../style.js';
import { wrapWords } from '../wrap.js';
import { formatBytes, formatElapsed } from '../../util/format-progress.js';
import type { ImageInFlight, ProgressStore, RunningStep } from './store.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** After this long a running step's line says it still runs. */
const SLOW_MS = 10_000;
/** Layers shown under a pull (the rest are summed up in its line). */
const MAX_LAYERS = 8;

function useTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}

function runningLine(item: RunningStep, spinner: string, p: Painter): string {
  const { step } = item;
  const ms = Date.now() - item.startedAt;
  const elapsed = ms >= SLOW_MS ? `still ${ONGOING_VERB[step.action]}… ${formatElapsed(ms)}` : formatDuration(ms);
  return `${p.cyan(spinner)} ${ACTION_SYMBOL[step.action].padEnd(3)} ${p.bold(neutraliseInline(step.stepId))} ${neutraliseInline(outputRedactor().redact(step.description))}  ${p.dim(elapsed)}`;
}

function isDone(status: string): boolean {
  return /complete|already exists/i.test(status);
}

function imageLines(image: ImageInFlight, spinner: string, p: Painter): string[] {
  const elapsed = p.dim(formatDuration(Date.now() - image.startedAt));
  const ref = p.bold(neutraliseInline(image.ref));
  if (image.operation === 'build') {
    const step = image.buildStep !== undefined ? neutraliseInline(image.buildStep) : 'starting';
    const lines = [`${p.cyan(spinner)} image ${ref}  building  ${step}  ${elapsed}`];
    if (image.message !== image.buildStep) lines.push(p.dim(`    ${neutraliseInline(image.message)}`));
    return lines;
  }
  let current = 0;
  let total = 0;
  for (const l of image.layers) {
    if (l.total === undefined) continue;
    total += l.total;
    current += isDone(l.status) || /extracting|verifying/i.test(l.status) ? l.total : (l.current ?? 0);
  }
  const done = image.layers.filter((l) => isDone(l.status)).length;
  const bytes = total > 0 ? `  ${formatBytes(current)} of ${formatBytes(total)}` : '';
  const lines = [`${p.cyan(spinner)} image ${ref}  pulling  ${done} of ${image.layers.length} layers${bytes}  ${elapsed}`];
  const open = image.layers.filter((l) => !isDone(l.status));
  for (const l of open.slice(0, MAX_LAYERS)) {
    const size = l.total !== undefined && l.current !== undefined ? `  ${formatBytes(l.current)} of ${formatBytes(l.total)}` : '';
    lines.push(p.dim(`    ${neutraliseInline(l.id)}  ${neutraliseInline(l.status)}${size}`));
  }
  if (open.length > MAX_LAYERS) lines.push(p.dim(`    … ${open.length - MAX_LAYERS} more layers`));
  return lines;
}

export function ApplyProgress({ store, color }: { store: ProgressStore; color: boolean }): React.ReactElement {
  const snapshot = useSyncExternalStore(
    (l) => store.subscribe(l),
    () => store.current,
  );
  const tick = useTick(100);
  const { stdout } = useStdout();
  // A terminal that does not say its width (0) gets lines as they are.
  const columns = stdout.columns > 0 ? stdout.columns : Number.POSITIVE_INFINITY;
  const painter = paint(color);
  // Ended events only grow: format each once (formatting all of them at every render made
  // an apply of n steps O(n²) on a terminal).
  const formatted = useRef<{ count: number; columns: number; lines: { key: number; text: string }[] }>({ count: 0, columns, lines: [] });
  const cache = formatted.current;
  if (snapshot.ended.length > cache.count) {
    for (let i = cache.count; i < snapshot.ended.length; i++) {
      const text = stepLine(snapshot.ended[i]!, painter);
      if (text !== null) cache.lines.push({ key: i, text: wrapWords(text, columns) });
    }
    cache.count = snapshot.ended.length;
  }
  // <Static> needs a new array to see that items were added.
  const lines = cache.lines.slice();
  const spinner = FRAMES[tick % FRAMES.length]!;
  const live: string[] = [];
  for (const image of snapshot.images) live.push(...imageLines(image, spinner, painter));
  for (const r of snapshot.running) live.push(runningLine(r, spinner, painter));
  return (
    <>
      <Static items={lines}>{(line) => <Text key={line.key}>{line.text}</Text>}</Static>
      {snapshot.closing === null && (
        <Box flexDirection="column">
          {live.map((text, i) => (
            <Text key={i}>{wrapWords(text, columns)}</Text>
          ))}
          {snapshot.total > 0 && (
            <Text dimColor>
              {snapshot.finished}/{snapshot.total} steps
            </Text>
          )}
        </Box>
      )}
    </>
  );
}
