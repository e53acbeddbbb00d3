// Readiness from the host: does anything answer on host:port? A plain TCP connect is not
// enough when the engine publishes ports through a userland proxy (docker-proxy): the
// proxy accepts every connection on the host port at once and only then dials the
// container, closing the client's connection when nothing listens inside. So a probe
// counts as "answered" when the connection is accepted and then either delivers data or
// stays open for a short settle period; one that is closed straight away is a proxy
// telling us that the service is not up yet.

import { connect } from 'node:net';
import { RuntimeError } from '../runtime/index.js';

export interface TcpProbeOptions {
  /** How long one connection attempt may take; default 1000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long an accepted connection must stay open (or deliver data); default 250 ms. */
  readonly settleMs?: number;
}

/** One attempt: true when something really answers on host:port. */
function probeTcp(host: string, port: number, options: TcpProbeOptions = {}): Promise<boolean> {
  const connectTimeout = options.connectTimeoutMs ?? 1000;
  const settle = options.settleMs ?? 250;
  return new Promise((resolve) => {
    let done = false;
    const socket = connect({ host, port });
    const finish = (answer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    let timer = setTimeout(() => finish(false), connectTimeout);
    socket.once('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(true), settle);
    });
    socket.once('data', () => finish(true));
    socket.once('end', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('error', () => finish(false));
  });
}

/**
 * One connection attempt to a container's own address (no proxy in between): 'open' when
 * something listens, 'refused' when the address answers but nothing listens yet,
 * 'unreachable' when the host cannot reach that network (e.g. an engine in a VM).
 */
export function probeDirect(host: string, port: number, timeoutMs: number): Promise<'open' | 'refused' | 'unreachable'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('unreachable');
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'unreachable');
    });
  });
}

export interface TcpWaitOptions extends TcpProbeOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
  /** Describes the target in the timeout message, e.g. "port 'http' of service 'web'". */
  readonly describe?: string;
  /** Called between attempts; may throw to give up early (e.g. the container exited). */
  readonly check?: () => Promise<void>;
}

/** Probes until something answers; throws RuntimeError 'timeout' when time runs out. */
export async function waitForTcp(host: string, port: number, options: TcpWaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 200;
  for (;;) {
    if (options.signal?.aborted) {
      throw new RuntimeError('timeout', `stopped waiting for ${options.describe ?? `${host}:${port}`}: cancelled`);
    }
    const left = deadline - Date.now();
    const attempt = Math.max(50, Math.min(options.connectTimeoutMs ?? 1000, left));
    if (await probeTcp(host, port, { connectTimeoutMs: attempt, settleMs: options.settleMs })) return;
    if (Date.now() + interval >= deadline) {
      const target = options.describe ? `${options.describe} (${host}:${port})` : `${host}:${port}`;
      throw new RuntimeError('timeout', `${target} did not answer within ${formatDuration(options.timeoutMs)}`);
    }
    if (options.check) await options.check();
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}
