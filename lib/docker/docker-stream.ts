// Docker's multiplexed output stream, taken apart. When a container or exec runs without
// a TTY, the engine sends stdout and stderr over one connection in frames: an 8-byte
// header (byte 0: stream 1 = stdout, 2 = stderr; bytes 4-7: payload length, big-endian)
// followed by the payload. Frames may be split across network chunks, so the demuxer
// keeps an unfinished header or payload until the rest arrives. Besides the two streams
// it keeps their interleaving (`combined`), which is what a user expects to read as the
// "output" of a command. Input that does not start like a frame (a TTY stream) is passed
// through as stdout. The engine's other streaming format, newline-separated JSON progress
// events (pull, build), is read here too.

import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import type { RuntimeError } from '../runtime/errors.js';

export interface DemuxedOutput {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly combined: Buffer;
}

const HEADER = 8;

export class DockerStreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private raw: boolean | undefined;
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  private readonly all: Buffer[] = [];

  push(chunk: Uint8Array): void {
    let data = Buffer.from(chunk);
    if (this.raw === undefined && data.length > 0) {
      this.raw = !looksFramed(Buffer.concat([this.pending, data]));
    }
    if (this.raw) {
      this.out.push(data);
      this.all.push(data);
      return;
    }
    if (this.pending.length > 0) data = Buffer.concat([this.pending, data]);
    let offset = 0;
    while (data.length - offset >= HEADER) {
      const size = data.readUInt32BE(offset + 4);
      if (data.length - offset - HEADER < size) break;
      const payload = data.subarray(offset + HEADER, offset + HEADER + size);
      const kind = data[offset];
      if (kind === 2) this.err.push(payload);
      else this.out.push(payload);
      this.all.push(payload);
      offset += HEADER + size;
    }
    this.pending = Buffer.from(data.subarray(offset));
  }

  result(): DemuxedOutput {
    return {
      stdout: Buffer.concat(this.out),
      stderr: Buffer.concat(this.err),
      combined: Buffer.concat(this.all),
    };
  }
}

function looksFramed(data: Buffer): boolean {
  if (data.length < 4) return data[0] !== undefined && data[0] <= 2;
  return data[0]! <= 2 && data[1] === 0 && data[2] === 0 && data[3] === 0;
}

/** Demultiplexes a complete buffer (e.g. a container's log fetched without following). */
export function demuxDockerStream(data: Uint8Array): DemuxedOutput {
  const demuxer = new DockerStreamDemuxer();
  demuxer.push(data);
  return demuxer.result();
}

/** One event of a pull or build progress stream. */
export interface ProgressEvent {
  readonly stream?: string;
  readonly status?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: { readonly ID?: string };
}

/** Reads an attached (hijacked) exec stream to its end, or fails after timeoutMs. */
export function readMultiplexed(stream: Duplex, timeoutMs: number | undefined, onTimeout: () => RuntimeError): Promise<DemuxedOutput> {
  const demuxer = new DockerStreamDemuxer();
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = timeoutMs !== undefined ? setTimeout(() => settle(onTimeout()), timeoutMs) : undefined;
    function settle(err?: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        stream.destroy();
        reject(err);
      } else {
        resolve(demuxer.result());
      }
    }
    stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
    stream.on('end', () => settle());
    stream.on('close', () => settle());
    stream.on('error', (err: Error) => settle(err));
  });
}

/** Reads a pull/build progress stream into its events. */
export async function readProgress(stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const take = (line: string): void => {
    const text = line.trim();
    if (text === '') return;
    try {
      const parsed: unknown = JSON.parse(text);
      events.push(parsed && typeof parsed === 'object' ? (parsed as ProgressEvent) : { stream: text });
    } catch {
      events.push({ stream: `${text}\n` });
    }
  };
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      take(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  }
  take(pending + decoder.end());
  return events;
}
