// Downloads for `upload_files(src = "https://...")`: Kurtosis fetches an http(s) URL when
// the instruction is interpreted and stores the body as a one-file artifact named after
// the URL's last path segment ("download" when there is none). starform does the same at
// plan time, so the plan file carries the bytes and apply needs no network.
//
// Interpretation is synchronous (Starlark calls upload_files and expects its answer), so
// the request runs in a short-lived child Node process that streams the body to its
// standard output; the parent waits for it with a time limit and a size limit, and every
// failure — no network, a refused connection, an HTTP error status, a body too large, too
// slow — becomes one clear UserError naming the URL (without its query string, which may
// hold a token).
import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';
import { UserError } from '../util/errors.js';

/** How long a download may take, in all. */
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 120_000;
/** The largest body accepted (the plan file carries it). */
const DEFAULT_DOWNLOAD_MAX_BYTES = 64 * 1024 * 1024;

export interface DownloadOptions {
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** `--offline`: never touch the network, so a URL is refused before any connection. */
  readonly offline?: boolean;
}

export interface Downloaded {
  /** The file name in the artifact: the URL path's last segment, else `download`. */
  readonly name: string;
  readonly bytes: Buffer;
}

/** Whether a locator is an http(s) URL (what upload_files downloads). */
export function isDownloadUrl(text: string): boolean {
  return /^https?:\/\/[^/?#\s]+/i.test(text);
}

/** The URL as messages and the plan's source record show it: no query, no fragment, no credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.replace(/[?#].*$/, '');
  }
}

// Runs in the child: argv = [url, maxBytes, timeoutMs]. Exit 0 with the body on stdout, or
// a status > 0 with one line on stderr.
const CHILD = `
const [url, max, ms] = process.argv.slice(1);
const limit = Number(max);
const say = (code, msg) => { process.stderr.write(msg); process.exitCode = code; };
(async () => {
  let res;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(Number(ms)) });
  } catch (e) {
    const c = e && e.cause && (e.cause.code || e.cause.message);
    return say(2, e && e.name === 'TimeoutError' ? 'timeout' : String(c || (e && e.message) || e));
  }
  if (!res.ok) return say(3, 'HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : ''));
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return say(4, String(declared));
  let n = 0;
  try {
    for await (const chunk of res.body ?? []) {
      n += chunk.length;
      if (n > limit) return say(4, String(n));
      process.stdout.write(chunk);
    }
  } catch (e) {
    return say(2, e && e.name === 'TimeoutError' ? 'timeout' : String((e && e.message) || e));
  }
})();
`;

/** Downloads `url` now, or throws a UserError saying why it cannot. */
export function download(url: string, options: DownloadOptions = {}): Downloaded {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES;
  const shown = describeUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`'${shown}' is not a valid URL`);
  }
  const r = spawnSync(process.execPath, ['-e', CHILD, url, String(maxBytes), String(timeoutMs)], {
    encoding: 'buffer',
    maxBuffer: maxBytes + 1024 * 1024,
    timeout: timeoutMs + 10_000,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const why = r.stderr?.toString('utf8').trim() ?? '';
  const fail = (message: string, hint?: string): never => {
    throw new UserError(`cannot download ${shown}: ${message}`, hint === undefined ? {} : { hint });
  };
  if (r.error) fail((r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `no answer within ${timeoutMs / 1000} s` : r.error.message);
  if (r.status === 3) fail(`the server answered ${why}`);
  if (r.status === 4) fail(`it is larger than the ${Math.round(maxBytes / (1024 * 1024))} MiB a plan file may carry`);
  if (r.status === 2) {
    if (why === 'timeout') fail(`no complete answer within ${timeoutMs / 1000} s`);
    const offline = /ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(why);
    fail(
      why,
      offline
        ? 'starform downloads it while planning: check that this machine can reach the server (it may be offline), or upload a local copy of the file instead.'
        : undefined,
    );
  }
  if (r.status !== 0) fail(why === '' ? `the download stopped (${r.signal ?? `status ${r.status}`})` : why);
  let name = '';
  try {
    name = decodeURIComponent(posix.basename(parsed.pathname));
  } catch {
    name = posix.basename(parsed.pathname);
  }
  if (name === '' || name === '.' || name === '/' || name === '..' || name.includes('/')) name = 'download';
  return { name, bytes: r.stdout };
}
