// The engine's pull and build progress, as the runtime reports it to its caller. The
// engine streams newline-separated JSON: for a pull, one event per layer change
// (`{"status":"Downloading","id":"f770099fec4a","progressDetail":{"current":…,"total":…}}`)
// and a few about the whole image (`Pulling from …`, `Digest: …`); for a build, the
// builder's output (`{"stream":"Step 2/3 : RUN make\n"}`) and its result. `toProgress`
// turns one of those into the engine-neutral ImageProgress of lib/docker/runtime.ts, or
// nothing for events that say nothing a user needs (empty lines, the builder's
// ` ---> 3f2a…` intermediate ids, aux records).
//
// `readImageStream` reads such a stream to its end unless the caller's signal aborts
// first (a second Ctrl-C): then it destroys the stream, which closes the connection, and
// the engine stops the pull or build whose client went away (what was downloaded of an
// unfinished image is discarded; the image is not there afterwards).
import type { Duplex } from 'node:stream';
import { readProgress, type ProgressEvent } from './docker-stream.js';
import type { ImageProgress, RuntimeError } from '../runtime/index.js';

interface PullEvent extends ProgressEvent {
  readonly id?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
}

const STEP = /^Step \d+\/\d+ : /;

export function toProgress(event: ProgressEvent): ImageProgress[] {
  const e = event as PullEvent;
  if (e.error !== undefined) return [];
  if (typeof e.stream === 'string') {
    const out: ImageProgress[] = [];
    for (const raw of e.stream.split('\n')) {
      const line = raw.trimEnd();
      if (line.trim() === '' || /^ ---> /.test(line) || /^Removing intermediate container /.test(line)) continue;
      out.push(STEP.test(line) ? { kind: 'step', text: line } : { kind: 'status', text: line });
    }
    return out;
  }
  if (typeof e.status !== 'string') return [];
  // Layer ids are 12 hex digits; the image-wide events carry the tag (or nothing) as id.
  if (typeof e.id === 'string' && /^[0-9a-f]{12}$/.test(e.id)) {
    const detail = e.progressDetail ?? {};
    return [
      {
        kind: 'layer',
        layer: e.id,
        status: e.status,
        ...(typeof detail.current === 'number' ? { current: detail.current } : {}),
        ...(typeof detail.total === 'number' && detail.total > 0 ? { total: detail.total } : {}),
      },
    ];
  }
  return [{ kind: 'status', text: e.id !== undefined && e.id !== '' ? `${e.status} ${e.id}`.trim() : e.status }];
}

/** Calls `report` for each ImageProgress in an engine event; a throwing reporter never fails the pull. */
export function progressReporter(report: ((p: ImageProgress) => void) | undefined): ((e: ProgressEvent) => void) | undefined {
  if (report === undefined) return undefined;
  return (e) => {
    for (const p of toProgress(e)) {
      try {
        report(p);
      } catch {
        // A view's failure is not the image's.
      }
    }
  };
}

/**
 * The events of a pull or build stream (readProgress), each told to `onEvent` as it
 * comes; when `signal` aborts, the stream is destroyed and `interrupted()` is thrown.
 */
export async function readImageStream(
  stream: NodeJS.ReadableStream,
  onEvent: ((e: ProgressEvent) => void) | undefined,
  signal: AbortSignal | undefined,
  interrupted: () => RuntimeError,
): Promise<ProgressEvent[]> {
  if (signal === undefined) return readProgress(stream, onEvent);
  const onAbort = (): void => {
    (stream as Partial<Duplex>).destroy?.();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const events = await readProgress(stream, onEvent);
    if (signal.aborted) throw interrupted();
    return events;
  } catch (err) {
    throw signal.aborted ? interrupted() : err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
