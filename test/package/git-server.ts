// The loopback git server of scripts/serve-test-git.mjs (real `git http-backend` behind
// node's http server), run in a child process — starform's git calls are synchronous and
// would block a server in the test's own event loop — and driven over IPC. Plus the
// environment a test gives starform: its own package cache, the server as
// STARFORM_GIT_BASE_URL, and none of the machine user's git configuration or tokens.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';

export interface CommitSpec {
  readonly files?: Record<string, string>;
  readonly symlinks?: Record<string, string>;
  /** Submodule entries: path → commit id. */
  readonly gitlinks?: Record<string, string>;
  readonly branch?: string;
  readonly from?: string;
  readonly tags?: string[];
  readonly message?: string;
}

interface Reply {
  readonly id?: number;
  readonly type?: string;
  readonly value?: unknown;
  readonly error?: string;
  readonly baseUrl?: string;
}

export class TestGitServer {
  private next = 1;
  private readonly waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly token: string,
  ) {
    child.on('message', (m: Reply) => {
      const w = m.id === undefined ? undefined : this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id!);
      if (m.error !== undefined) w.fail(new Error(m.error));
      else w.ok(m.value);
    });
  }

  static async start(token: string): Promise<TestGitServer> {
    const child = fork(join(PACKAGE_ROOT, 'scripts', 'serve-test-git.mjs'), ['--ipc', '--token', token], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const baseUrl = await new Promise<string>((ok, fail) => {
      child.once('message', (m: Reply) => (m.type === 'ready' && m.baseUrl ? ok(m.baseUrl) : fail(new Error('the git server did not start'))));
      child.once('exit', (code) => fail(new Error(`the git server exited with ${code}`)));
    });
    return new TestGitServer(child, baseUrl, token);
  }

  private call(cmd: string, args: object = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((ok, fail) => {
      this.waiting.set(id, { ok, fail });
      this.child.send({ id, cmd, args });
    });
  }

  /** Requests that reached the server so far. */
  async requests(): Promise<number> {
    return (await this.call('requests')) as number;
  }

  async rev(repo: string, ref: string): Promise<string> {
    return (await this.call('rev', { repo, ref })) as string;
  }

  async addRepo(repo: string, isPrivate = false): Promise<void> {
    await this.call('addRepo', { repo, private: isPrivate });
  }

  /** Commits a tree on a branch (default main), with tags, and publishes it; its id. */
  async commit(repo: string, commit: CommitSpec): Promise<string> {
    return (await this.call('commit', { repo, commit })) as string;
  }

  async close(): Promise<void> {
    const exited = new Promise((ok) => this.child.once('exit', ok));
    this.child.send({ cmd: 'close' });
    await exited;
  }
}

export function startTestGitServer(token = 'test-token-5d41402abc4b2a76'): Promise<TestGitServer> {
  return TestGitServer.start(token);
}

/** The environment for starform: this server, this cache, nothing of the user's git set-up. */
export function fetchEnv(server: TestGitServer, cacheDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('STARFORM_') || k.startsWith('GIT_')) delete env[k];
  return {
    ...env,
    STARFORM_GIT_BASE_URL: server.baseUrl,
    STARFORM_PACKAGE_CACHE: cacheDir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    NO_COLOR: '1',
    ...extra,
  };
}
