// Starts and stops the live apply view on a terminal. The returned sink takes the apply's
// events as they happen; `close` waits until the last frame (with every ended step) is
// on the screen and unmounts, after which the command prints its closing text. ink and
// React are loaded here only, so commands that never show the view do not pay for them.
import React from 'react';
import { render } from 'ink';
import type { EventSink } from '../../apply/events.js';
import { ApplyProgress } from './app.js';
import { ProgressStore } from './store.js';

export interface LiveProgress {
  readonly sink: EventSink;
  close(): Promise<void>;
}

export function startLiveProgress(stream: NodeJS.WriteStream, color: boolean): LiveProgress {
  const store = new ProgressStore();
  const instance = render(React.createElement(ApplyProgress, { store, color }), {
    stdout: stream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    sink: (event) => store.push(event),
    async close(): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, 50));
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
    },
  };
}
