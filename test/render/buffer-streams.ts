// Streams for the view tests: string buffers in place of the process's standard output and
// error, so a view's human and JSON forms are checked byte for byte without a process.
import type { Output, Streams } from '../../lib/render/view.js';

/** An output that keeps what is written to it. */
export class TextBuffer implements Output {
  text = '';
  constructor(readonly isTTY = false) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

/** Output and error buffers (terminals when `tty`). */
export function bufferStreams(tty = false): Streams & { out: TextBuffer; err: TextBuffer } {
  return { out: new TextBuffer(tty), err: new TextBuffer(tty) };
}
