// The live apply view for a terminal (ink): ended steps scroll up as permanent lines
// (ink's <Static>, so they stay in the scrollback exactly as the plain log prints them);
// below them, one line per step in flight with a spinner, its description and the time
// it has taken so far, and a count of steps done. The closing summary is printed by the
// command after the view is gone.
import type React from 'react';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Static, Text } from 'ink';
import { ACTION_SYMBOL, formatDuration, stepLine } from '../apply-view.js';
import { neutraliseInline, outputRedactor } from '../redact.js';
import { paint } from '../style.js';
import type { ProgressStore, RunningStep } from './store.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function useTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}

function Running({ item, tick, color }: { item: RunningStep; tick: number; color: boolean }): React.ReactElement {
  const { step } = item;
  const elapsed = formatDuration(Date.now() - item.startedAt);
  return (
    <Text wrap="truncate-end">
      {color ? <Text color="cyan">{FRAMES[tick % FRAMES.length]}</Text> : FRAMES[tick % FRAMES.length]} {ACTION_SYMBOL[step.action].padEnd(3)}{' '}
      <Text bold>{neutraliseInline(step.stepId)}</Text> {neutraliseInline(outputRedactor().redact(step.description))} <Text dimColor>{elapsed}</Text>
    </Text>
  );
}

export function ApplyProgress({ store, color }: { store: ProgressStore; color: boolean }): React.ReactElement {
  const snapshot = useSyncExternalStore(
    (l) => store.subscribe(l),
    () => store.current,
  );
  const tick = useTick(100);
  // Ended events only grow: format each once (formatting all of them at every render made
  // an apply of n steps O(n²) on a terminal).
  const formatted = useRef<{ count: number; lines: { key: number; text: string }[] }>({ count: 0, lines: [] });
  const cache = formatted.current;
  if (snapshot.ended.length > cache.count) {
    const painter = paint(color);
    for (let i = cache.count; i < snapshot.ended.length; i++) {
      const text = stepLine(snapshot.ended[i]!, painter);
      if (text !== null) cache.lines.push({ key: i, text });
    }
    cache.count = snapshot.ended.length;
  }
  // <Static> needs a new array to see that items were added.
  const lines = cache.lines.slice();
  return (
    <>
      <Static items={lines}>{(line) => <Text key={line.key}>{line.text}</Text>}</Static>
      {snapshot.closing === null && (
        <Box flexDirection="column">
          {snapshot.running.map((r) => (
            <Running key={r.step.index} item={r} tick={tick} color={color} />
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
