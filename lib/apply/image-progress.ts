// Turns the runtime's raw image progress (one report per engine event: many per second
// while a layer downloads) into the apply's `image_progress` events, so that every view
// can print them without flooding: an event when a layer's status changes (Waiting →
// Downloading → Pull complete), at most one a second while only byte counts move, one
// per build step and build output line, and — when nothing else was said for ten
// seconds — "still pulling… 20s", so a stalled pull is never silent.
import type { ImageProgress } from '../docker/index.js';
import { formatBytes, formatElapsed } from '../util/format-progress.js';
import type { ApplyEvent, LayerProgress } from './events.js';

export interface ProgressTimings {
  /** Least time between two events that only move byte counts; default 1000 ms. */
  readonly bytesEveryMs?: number;
  /** Quiet time after which a "still …" event is sent, and again after each; default 10 000 ms. */
  readonly noticeEveryMs?: number;
}

export class ImageProgressTracker {
  private readonly layers = new Map<string, LayerProgress>();
  private buildStep: string | undefined;
  private readonly started = Date.now();
  private lastEmit = 0;
  private lastBytes = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly bytesEveryMs: number;
  /** A pull is heard of only once the engine pulls (a present image says nothing); a build always works. */
  private active: boolean;
  private finished = false;

  constructor(
    private readonly ref: string,
    private readonly operation: 'pull' | 'build',
    private readonly emit: (e: ApplyEvent) => void,
    timings: ProgressTimings = {},
  ) {
    this.bytesEveryMs = timings.bytesEveryMs ?? 1000;
    const every = timings.noticeEveryMs ?? 10_000;
    this.lastEmit = this.started;
    this.active = operation === 'build';
    this.timer = setInterval(
      () => {
        if (!this.active || this.finished || Date.now() - this.lastEmit < every - 50) return;
        const verb = this.operation === 'pull' ? 'pulling' : 'building';
        this.send(`still ${verb}… ${formatElapsed(Date.now() - this.started)}`);
      },
      Math.max(50, Math.min(every, 1000)),
    );
    this.timer.unref();
  }

  report(p: ImageProgress): void {
    this.active = true;
    if (p.kind === 'status' && /^(Status: |Successfully tagged )/.test(p.text)) this.finished = true;
    if (p.kind === 'step') {
      this.buildStep = p.text;
      this.send(p.text);
      return;
    }
    if (p.kind === 'status') {
      this.send(p.text);
      return;
    }
    const before = this.layers.get(p.layer);
    const layer: LayerProgress = {
      id: p.layer,
      status: p.status,
      ...(p.current !== undefined ? { current: p.current } : {}),
      ...(p.total !== undefined ? { total: p.total } : before?.total !== undefined && p.current !== undefined ? { total: before.total } : {}),
    };
    this.layers.set(p.layer, layer);
    const now = Date.now();
    if (before?.status !== p.status) {
      this.send(
        `layer ${p.layer}: ${p.status}${layer.total !== undefined && layer.current !== undefined ? ` ${formatBytes(layer.current)} of ${formatBytes(layer.total)}` : ''}`,
      );
    } else if (now - this.lastBytes >= this.bytesEveryMs) {
      this.lastBytes = now;
      this.send(this.bytesSummary());
    }
  }

  /** "1.2 MB of 3.4 MB, 1 of 3 layers done" */
  private bytesSummary(): string {
    let current = 0;
    let total = 0;
    let done = 0;
    for (const l of this.layers.values()) {
      if (/complete|already exists/i.test(l.status)) done++;
      if (l.total !== undefined) {
        total += l.total;
        current += /complete|already exists|extracting|verifying/i.test(l.status) ? l.total : (l.current ?? 0);
      }
    }
    return `${formatBytes(current)} of ${formatBytes(total)}, ${done} of ${this.layers.size} layers done`;
  }

  private send(message: string): void {
    this.lastEmit = Date.now();
    this.emit({
      type: 'image_progress',
      ref: this.ref,
      operation: this.operation,
      message,
      layers: [...this.layers.values()],
      ...(this.buildStep !== undefined ? { buildStep: this.buildStep } : {}),
      elapsedMs: Date.now() - this.started,
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
