// The PostgreSQL backend: `--state postgres://user@host/db?schema=S&workspace=W`. The
// state, its blobs and its history live in tables of schema S (created on first use):
//
//   workspaces(name)                      `default` always exists
//   states(workspace, lineage, serial, content, blobs, written)      one row a workspace
//   history(workspace, serial, lineage, content, blobs, written, written_by, services)
//   locks(workspace, id, operation, user_name, host, pid, backend_pid, created, …)
//   blobs(digest, size, content)          content-addressed, shared by the workspaces
//
// `content` is the state file's text (format version 1, as the file backend writes it),
// or its envelope when encryption is configured (lib/util/envelope.ts); blobs likewise.
//
// Locking: a session-level advisory lock on ONE dedicated connection, held from `lock`
// to `release` (never a pool: a pooler hands a session's lock to whoever gets the
// connection next), keyed by a 64-bit hash of (schema, workspace). The `locks` row names
// the holder, so a refused locker says who holds it and `force-unlock` can end it (it
// terminates the holder's backend, the only way to take a session lock away). Every
// write of the holder goes through that same connection: when it is lost the lock is
// lost with it, the write cannot happen, and the holder says so (assertHolds); a write
// also checks in the same statement that the lock row is still its own.
//
// Writes are compare-and-swap, one statement each: `UPDATE states … WHERE serial =
// $previous AND lineage = $lineage` (or an INSERT that conflicts when a first write
// raced another), with the new version appended to `history` by the same statement, so
// a write is all or nothing. A write that lost a race is refused, never merged.
//
// A no-op (lock, read, unlock) is kept short: one connection, the lock and its row in one
// statement, the schema's DDL only when the first statement finds no tables, and the lock
// row written with an asynchronous commit. The row only describes a session lock, so a
// server crash that loses its last change loses that session (and its lock) too; a
// leftover row of a dead session is replaced by the next locker and reported by nobody
// (its advisory lock is not held). State writes stay synchronous commits.
import { createHash, randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type pg from 'pg';
import { UserError } from '../util/errors.js';
import { openBytes, sealBytes, type Encryption } from '../util/envelope.js';
import { digestOf, type Digest } from '../util/hash.js';
import { decodeText } from '../util/files.js';
import { STARFORM_VERSION } from '../util/package-info.js';
import type { HistoryEntry, StateBackend, StateBlobs, StateHistory, StateWorkspaces, WriteOptions } from './backend.js';
import type { BlobCondition } from './blobstore.js';
import { StateLockedError, type ForceUnlockOptions, type LockInfo, type LockOptions, type StateLock } from './lock.js';
import { emptyState, referencedBlobs, withLineage, type State } from './model.js';
import { parseState, serializeState } from './statefile.js';

const DEFAULT_SCHEMA = 'starform';
const DEFAULT_WORKSPACE = 'default';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface PostgresSpec {
  /** The connection string for the driver (without our own parameters). */
  readonly connectionString: string;
  readonly schema: string;
  readonly workspace: string;
  /** The URL with any password masked, for messages. */
  readonly display: string;
}

/** Parses a `postgres://` or `postgresql://` state URL. */
export function parsePostgresUrl(spec: string): PostgresSpec {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UserError(`--state: '${maskPassword(spec)}' is not a valid PostgreSQL URL (postgres://user@host/db?schema=…&workspace=…)`);
  }
  const schema = url.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  const workspace = url.searchParams.get('workspace') ?? DEFAULT_WORKSPACE;
  if (!IDENTIFIER.test(schema)) {
    throw new UserError(`--state: schema '${schema}' is not a plain PostgreSQL identifier (letters, digits and _, not starting with a digit)`);
  }
  checkWorkspaceName(workspace, '--state: workspace');
  url.searchParams.delete('schema');
  url.searchParams.delete('workspace');
  const masked = new URL(url.href);
  if (masked.password !== '') masked.password = '****';
  masked.searchParams.set('schema', schema);
  masked.searchParams.set('workspace', workspace);
  return { connectionString: url.href, schema, workspace, display: decodeURIComponent(masked.href) };
}

function maskPassword(spec: string): string {
  return spec.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1****@');
}

function checkWorkspaceName(name: string, what = 'workspace'): void {
  if (!WORKSPACE_NAME.test(name)) {
    throw new UserError(`${what} '${name}' is not a valid workspace name (letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit)`);
  }
}

/** The advisory lock key of (schema, workspace): the first 64 bits of a sha256, signed. */
export function advisoryKey(schema: string, workspace: string): bigint {
  return createHash('sha256').update(`starform-state-lock\0${schema}\0${workspace}`).digest().readBigInt64BE(0);
}

/**
 * Makes the statement's own transaction commit without waiting for its WAL to reach the
 * disk (synchronous_commit off for that transaction only). Used for the lock row alone.
 */
const ASYNC_COMMIT = "SELECT set_config('synchronous_commit', 'off', true)";

type PgModule = typeof pg;
let driver: Promise<PgModule> | undefined;
function loadDriver(): Promise<PgModule> {
  driver ??= import('pg').then((m) => m.default);
  return driver;
}

interface LockRow {
  id: string;
  operation: string;
  user_name: string;
  host: string;
  pid: number;
  backend_pid: number;
  created: Date;
  starform_version: string;
}

class PostgresLock implements StateLock {
  compromised: Error | null = null;
  released = false;

  constructor(
    readonly statePath: string,
    readonly info: LockInfo,
    readonly client: pg.Client,
    /** Deletes this lock's row and releases the advisory lock (on `client`, one statement). */
    private readonly unlock: () => Promise<unknown>,
    private readonly onRelease: () => void,
  ) {
    const lost = (why: string): void => {
      if (!this.released && this.compromised === null) this.compromised = new Error(why);
    };
    client.on('error', (err) => lost(`the connection to PostgreSQL failed: ${err.message}`));
    client.on('end', () => lost('the connection to PostgreSQL that held it ended'));
  }

  assertHolds(statePath: string): void {
    const location = { file: statePath };
    if (statePath !== this.statePath) throw new Error(`state lock mix-up: holding ${this.statePath}, asked about ${statePath}`);
    if (this.released) throw new UserError('the state lock was already released; not writing the state', { location });
    if (this.compromised) {
      throw new UserError(`the state lock was lost (${this.compromised.message}); not writing the state`, {
        location,
        hint: 'The state holds the last complete write. Another operation may have force-unlocked it; check the state (starform state list) before running again.',
      });
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.onRelease();
    if (this.compromised === null) {
      try {
        await this.unlock();
      } catch {
        // the connection went away: the server released the lock with it
      }
    }
    // The lock is released once `unlock` has answered; ending the session needs no answer
    // (the Terminate message is sent at once, and the socket closes when the server has
    // gone), so nobody waits for the server process to exit.
    void this.client.end().catch(() => undefined);
  }

  /** Marks the lock lost: its connection failed under a query. */
  lose(err: Error): void {
    if (!this.released && this.compromised === null) this.compromised = new Error(`the connection to PostgreSQL that held it failed: ${err.message}`);
  }
}

/** Errors that mean the server ended the session (pg_terminate_backend, shutdown) or the connection broke. */
function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return (
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    /Connection terminated|not queryable|ended/i.test((err as Error).message ?? '')
  );
}

export class PostgresStateBackend implements StateBackend {
  readonly kind = 'postgres';
  readonly location: string;
  readonly blobs: StateBlobs;
  readonly history: StateHistory;
  readonly workspaces: StateWorkspaces;
  private readonly key: bigint;
  private held: PostgresLock | null = null;
  private ready = false;
  /**
   * The stored state's bytes (null: none) as the holder of `lock` last read or wrote them.
   * While the lock is held nobody else writes, so reads under it need no round trip.
   */
  private known: { readonly lock: PostgresLock; readonly content: Buffer | null } | null = null;
  /** A connection started by `preconnect`, for the next `connect`. */
  private early: Promise<pg.Client> | null = null;

  constructor(
    readonly spec: PostgresSpec,
    private readonly encryption?: Encryption,
  ) {
    this.location = spec.display;
    this.key = advisoryKey(spec.schema, spec.workspace);
    this.blobs = new PostgresBlobs(this);
    this.history = new PostgresHistory(this);
    this.workspaces = new PostgresWorkspaces(this);
  }

  /** `"schema".name`. */
  table(name: string): string {
    return `"${this.spec.schema}".${name}`;
  }

  get workspace(): string {
    return this.spec.workspace;
  }

  /**
   * Starts loading the driver and connecting now, while the caller does other work; the
   * next `connect` (of `lock`, or of a read) takes that connection, and its errors are
   * thrown there. `close` ends it if nothing took it.
   */
  preconnect(): void {
    if (this.early !== null) return;
    this.early = this.newConnection();
    this.early.catch(() => undefined);
  }

  /** A new connection (the caller ends it). */
  connect(): Promise<pg.Client> {
    const early = this.early;
    this.early = null;
    return early ?? this.newConnection();
  }

  private async newConnection(): Promise<pg.Client> {
    const { Client } = await loadDriver();
    const client = new Client({ connectionString: this.spec.connectionString, application_name: 'starform' });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new UserError(`cannot connect to PostgreSQL: ${(err as Error).message}`, { location: { file: this.location }, cause: err });
    }
    return client;
  }

  /** Runs `fn` on the held lock's connection, or on a connection of its own. */
  async withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    if (this.held !== null && !this.held.released) {
      this.held.assertHolds(this.location);
      return this.query(() => fn(this.held!.client));
    }
    const client = await this.connect();
    try {
      await this.ensureSchema(client);
      return await this.query(() => fn(client));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Driver errors as UserErrors naming the backend. */
  async query<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UserError) throw err;
      if (this.held !== null && !this.held.released && isConnectionLoss(err)) this.held.lose(err as Error);
      if (this.held?.compromised) this.held.assertHolds(this.location);
      throw new UserError(`PostgreSQL: ${(err as Error).message}`, { location: { file: this.location }, cause: err });
    }
  }

  /**
   * Creates the schema's tables on first use (under a transaction-level advisory lock, so
   * two first users do not race), and checks that the workspace exists.
   */
  async ensureSchema(client: pg.Client): Promise<void> {
    if (!this.ready) {
      try {
        const r = await client.query(`SELECT EXISTS (SELECT 1 FROM ${this.table('workspaces')} WHERE name = $1) AS present`, [this.workspace]);
        this.ready = true;
        if (r.rows[0].present !== true) throw this.noWorkspace();
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (err instanceof UserError || (code !== '42P01' && code !== '3F000')) throw this.asUserError(err);
      }
      await this.query(async () => {
        await client.query('BEGIN');
        try {
          await client.query('SELECT pg_advisory_xact_lock($1)', [advisoryKey(this.spec.schema, '').toString()]);
          await client.query(schemaDdl(this.spec.schema));
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
      this.ready = true;
    }
    if (this.workspace !== DEFAULT_WORKSPACE) {
      const r = await this.query(() => client.query(`SELECT 1 FROM ${this.table('workspaces')} WHERE name = $1`, [this.workspace]));
      if (r.rowCount === 0) throw this.noWorkspace();
    }
  }

  private asUserError(err: unknown): UserError {
    return err instanceof UserError ? err : new UserError(`PostgreSQL: ${(err as Error).message}`, { location: { file: this.location }, cause: err });
  }

  private noWorkspace(): UserError {
    return new UserError(`workspace '${this.workspace}' does not exist`, {
      location: { file: this.location },
      hint: `Create it with \`starform workspace new ${this.workspace} --state …\`, or list them with \`starform workspace list\`.`,
    });
  }

  async read(): Promise<State> {
    const held = this.held;
    if (held !== null && !held.released && this.known?.lock === held) {
      held.assertHolds(this.location);
      const content = this.known.content;
      return content === null ? emptyState() : this.decode(content, this.location);
    }
    return this.withClient((c) => this.readWith(c));
  }

  async readWith(client: pg.Client): Promise<State> {
    const r = await client.query(`SELECT content FROM ${this.table('states')} WHERE workspace = $1`, [this.workspace]);
    if (r.rowCount === 0) return emptyState();
    return this.decode(r.rows[0].content as Buffer, this.location);
  }

  async decode(content: Buffer, where: string): Promise<State> {
    return parseState(decodeText(await openBytes(this.encryption, content, where, 'state')), where);
  }

  async write(previous: Pick<State, 'lineage' | 'serial'>, next: State, lock: StateLock, options: WriteOptions = {}): Promise<State> {
    const location = { file: this.location };
    if (lock !== this.held) throw new Error("writing the PostgreSQL state with a lock that is not this backend's");
    lock.assertHolds(this.location);
    if (options.replacingLineage === true && previous.lineage !== null && next.lineage !== previous.lineage) {
      throw new UserError('replacing a PostgreSQL state with one of another lineage is not supported; push it into a new workspace, or use `state migrate`', {
        location,
      });
    }
    if (previous.lineage !== null && next.lineage !== null && next.lineage !== previous.lineage) {
      throw new UserError(`refusing to write a state of lineage ${next.lineage} over lineage ${previous.lineage}`, { location });
    }
    const serial = options.serial ?? previous.serial + 1;
    if (!Number.isSafeInteger(serial) || serial <= previous.serial) throw new Error(`cannot write serial ${serial} over serial ${previous.serial}`);
    const written: State = { ...withLineage({ ...next, lineage: next.lineage ?? previous.lineage }), serial };
    const content = await sealBytes(this.encryption, Buffer.from(serializeState(written), 'utf8'));
    const blobs = [...referencedBlobs(written)].sort();
    const by = `${lock.info.operation} by ${lock.info.user}@${lock.info.host}`;
    const params = [this.workspace, lock.info.id, written.lineage, serial, content, blobs, by, written.services.size];
    const locks = this.table('locks');
    const states = this.table('states');
    const history = this.table('history');
    const client = this.held!.client;
    // One statement: the lock row check, the compare-and-swap and the history row land together or not at all.
    const sql =
      previous.serial === 0
        ? `WITH mine AS (SELECT 1 FROM ${locks} WHERE workspace = $1 AND id = $2),
             ins AS (INSERT INTO ${states} (workspace, lineage, serial, content, blobs, written)
                     SELECT $1, $3, $4, $5, $6, now() WHERE EXISTS (SELECT 1 FROM mine)
                     ON CONFLICT (workspace) DO NOTHING RETURNING serial),
             hist AS (INSERT INTO ${history} (workspace, serial, lineage, content, blobs, written, written_by, services)
                      SELECT $1, $4, $3, $5, $6, now(), $7, $8 FROM ins)
           SELECT count(*)::int AS n FROM ins`
        : `WITH mine AS (SELECT 1 FROM ${locks} WHERE workspace = $1 AND id = $2),
             upd AS (UPDATE ${states} SET serial = $4, content = $5, blobs = $6, written = now()
                     WHERE workspace = $1 AND serial = $9 AND lineage = $3 AND EXISTS (SELECT 1 FROM mine) RETURNING serial),
             hist AS (INSERT INTO ${history} (workspace, serial, lineage, content, blobs, written, written_by, services)
                      SELECT $1, $4, $3, $5, $6, now(), $7, $8 FROM upd)
           SELECT count(*)::int AS n FROM upd`;
    const args = previous.serial === 0 ? params : [...params, previous.serial];
    const r = await this.query(() => client.query(sql, args));
    if (r.rows[0].n === 1) {
      this.known = { lock: this.held!, content };
      return written;
    }
    this.known = null;
    throw await this.refusal(client, previous, lock);
  }

  /** Why a compare-and-swap write did not land. */
  private async refusal(client: pg.Client, previous: Pick<State, 'lineage' | 'serial'>, lock: StateLock): Promise<UserError> {
    const location = { file: this.location };
    const mine = await client.query(`SELECT id FROM ${this.table('locks')} WHERE workspace = $1`, [this.workspace]);
    if (mine.rows[0]?.id !== lock.info.id) {
      return new UserError('the state lock was lost (its lock row was removed: force-unlocked?); not writing the state', {
        location,
        hint: 'The state holds the last complete write. Check it before running again.',
      });
    }
    const cur = await client.query(`SELECT lineage, serial FROM ${this.table('states')} WHERE workspace = $1`, [this.workspace]);
    const row = cur.rows[0] as { lineage: string; serial: string } | undefined;
    if (row === undefined) {
      return new UserError(`the state has disappeared since serial ${previous.serial} was read; not writing`, { location });
    }
    if (previous.serial === 0) {
      return new UserError(`a state was created by someone else since this operation started (lineage ${row.lineage}); not writing`, { location });
    }
    if (row.lineage !== previous.lineage) {
      return new UserError(`the stored state belongs to another state (lineage ${row.lineage}, not ${previous.lineage}); not writing`, { location });
    }
    return new UserError(`the state changed while this operation ran (serial ${row.serial} stored, ${previous.serial} expected); not writing`, {
      location,
      hint: 'Was it written by something that did not take the state lock?',
    });
  }

  async lock(options: LockOptions): Promise<StateLock> {
    if (this.held !== null && !this.held.released) throw new Error('this backend holds its lock already');
    const client = await this.connect();
    try {
      const timeoutMs = Math.max(0, options.timeoutMs ?? 0);
      const started = Date.now();
      const info: LockInfo = {
        id: randomUUID(),
        operation: options.operation,
        user: currentUser(),
        host: hostname(),
        pid: process.pid,
        created: new Date().toISOString(),
        starformVersion: STARFORM_VERSION,
        path: this.location,
      };
      const key = this.key.toString();
      const lit = (v: string | number): string => client.escapeLiteral(String(v));
      const [workspace, id] = [lit(this.workspace), lit(info.id)];
      // One round trip (one simple-protocol message, so literals, not parameters): take the
      // advisory lock and, if it was free, record ourselves in the lock row (replacing a row
      // left by a holder whose connection died: the lock is ours), and read the state. The
      // read is a statement of its own: read committed gives it a snapshot taken after the
      // lock was, so it sees every write of earlier holders (one statement's snapshot would
      // predate its own lock). The lock row commits without waiting for the disk
      // (ASYNC_COMMIT, see the file comment).
      const take = (): Promise<pg.QueryResult[]> =>
        client.query(`BEGIN ISOLATION LEVEL READ COMMITTED;
          WITH l AS (SELECT pg_try_advisory_lock(${key}::bigint) AS ok), a AS (${ASYNC_COMMIT}),
               ins AS (INSERT INTO ${this.table('locks')} (workspace, id, operation, user_name, host, pid, backend_pid, created, starform_version)
                       SELECT ${workspace}, ${id}, ${lit(info.operation)}, ${lit(info.user)}, ${lit(info.host)}, ${lit(info.pid)}, pg_backend_pid(), ${lit(info.created)}, ${lit(info.starformVersion)}
                         FROM l WHERE l.ok
                       ON CONFLICT (workspace) DO UPDATE SET id = EXCLUDED.id, operation = EXCLUDED.operation, user_name = EXCLUDED.user_name, host = EXCLUDED.host,
                         pid = EXCLUDED.pid, backend_pid = EXCLUDED.backend_pid, created = EXCLUDED.created, starform_version = EXCLUDED.starform_version)
          SELECT l.ok, EXISTS (SELECT 1 FROM ${this.table('workspaces')} WHERE name = ${workspace}) AS present FROM l, a;
          SELECT content FROM ${this.table('states')} WHERE workspace = ${workspace}
             AND EXISTS (SELECT 1 FROM ${this.table('locks')} WHERE workspace = ${workspace} AND id = ${id});
          COMMIT`) as unknown as Promise<pg.QueryResult[]>;
      let stored: pg.QueryResult;
      for (;;) {
        let r: pg.QueryResult;
        try {
          [, r, stored] = (await take()) as [pg.QueryResult, pg.QueryResult, pg.QueryResult];
        } catch (err) {
          // The transaction failed and waits for its end (the session lock, if taken, ends with the connection).
          await client.query('ROLLBACK').catch(() => undefined);
          const code = (err as { code?: string }).code;
          if (this.ready || (code !== '42P01' && code !== '3F000')) throw this.asUserError(err);
          await this.ensureSchema(client);
          continue;
        }
        this.ready = true;
        const { ok, present } = r.rows[0] as { ok: boolean; present: boolean };
        if (!present) {
          if (ok)
            await client.query(`WITH d AS (DELETE FROM ${this.table('locks')} WHERE workspace = $1 AND id = $2) SELECT pg_advisory_unlock($3::bigint)`, [
              this.workspace,
              info.id,
              key,
            ]);
          throw this.noWorkspace();
        }
        if (ok) break;
        const waited = Date.now() - started;
        if (waited >= timeoutMs) throw new StateLockedError(this.location, await this.holderWith(client, true), timeoutMs);
        await sleep(Math.min(250, timeoutMs - waited));
      }
      const release = (): Promise<unknown> =>
        client.query(
          `WITH d AS (DELETE FROM ${this.table('locks')} WHERE workspace = $1 AND id = $2) SELECT pg_advisory_unlock($3::bigint), (${ASYNC_COMMIT})`,
          [this.workspace, info.id, key],
        );
      const lock = new PostgresLock(this.location, info, client, release, () => {
        if (this.held === lock) this.held = null;
        if (this.known?.lock === lock) this.known = null;
      });
      this.held = lock;
      this.known = { lock, content: stored.rowCount === 0 ? null : (stored.rows[0].content as Buffer) };
      return lock;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  /** The lock row, if the advisory lock is held (`known`: the caller saw it held). */
  private async holderWith(client: pg.Client, known: boolean): Promise<LockInfo | null> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const r = await this.query(() => client.query(`SELECT * FROM ${this.table('locks')} WHERE workspace = $1`, [this.workspace]));
      const row = r.rows[0] as LockRow | undefined;
      if (row !== undefined && (known || (await this.isHeld(client)))) return this.infoOf(row);
      if (row === undefined && known) {
        // the holder is between taking the advisory lock and writing its row
        await sleep(20);
        continue;
      }
      return null;
    }
    return null;
  }

  /** Whether some session holds the advisory lock of this workspace. */
  async isHeld(client: pg.Client, backendPid?: number): Promise<boolean> {
    const unsigned = BigInt.asUintN(64, this.key);
    const classid = Number(unsigned >> 32n);
    const objid = Number(unsigned & 0xffffffffn);
    const r = await client.query(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [classid, objid],
    );
    return backendPid === undefined ? (r.rowCount ?? 0) > 0 : r.rows.some((row: { pid: number }) => row.pid === backendPid);
  }

  infoOf(row: LockRow): LockInfo {
    return {
      id: row.id,
      operation: row.operation,
      user: row.user_name,
      host: row.host,
      pid: row.pid,
      created: new Date(row.created).toISOString(),
      starformVersion: row.starform_version,
      path: this.location,
    };
  }

  async readLockInfo(): Promise<LockInfo | null> {
    return this.withClient((c) => this.holderWith(c, false));
  }

  /**
   * Removes the lock with this id. A lock whose connection is gone is only a row: it is
   * removed. A holder still connected is refused unless `force`, which terminates its
   * backend (taking its session lock away): it then stops at its next write.
   */
  async forceUnlock(id: string, options: ForceUnlockOptions = {}): Promise<LockInfo> {
    const location = { file: this.location };
    return this.withClient(async (client) => {
      const r = await client.query(`SELECT * FROM ${this.table('locks')} WHERE workspace = $1`, [this.workspace]);
      const row = r.rows[0] as LockRow | undefined;
      const held = await this.isHeld(client);
      if (row === undefined) {
        throw new UserError(held ? 'the state is locked, but its holder has not recorded itself yet; try again' : 'the state is not locked', { location });
      }
      const holder = this.infoOf(row);
      if (row.id !== id) {
        throw new UserError(`lock ID ${id} does not match the lock held: ${row.id} (${row.operation} by ${row.user_name}@${row.host}, pid ${row.pid})`, {
          location,
        });
      }
      const alive = held && (await this.isHeld(client, row.backend_pid));
      if (alive) {
        if (options.force !== true) {
          throw new UserError(
            `the lock's holder is still connected: ${row.operation} by ${row.user_name}@${row.host} (pid ${row.pid}, since ${holder.created}); not removing its lock`,
            {
              location,
              hint: 'Stop the holder (or let it finish) first; to remove the lock anyway, pass --force: its PostgreSQL connection is terminated and it stops at its next state write.',
            },
          );
        }
        await client.query('SELECT pg_terminate_backend($1)', [row.backend_pid]);
      }
      await client.query(`DELETE FROM ${this.table('locks')} WHERE workspace = $1 AND id = $2`, [this.workspace, id]);
      return holder;
    });
  }

  async pruneBlobs(): Promise<void> {
    await this.withClient((c) =>
      c.query(
        `DELETE FROM ${this.table('blobs')} b
          WHERE NOT EXISTS (SELECT 1 FROM ${this.table('states')} s WHERE b.digest = ANY (s.blobs))
            AND NOT EXISTS (SELECT 1 FROM ${this.table('history')} h WHERE b.digest = ANY (h.blobs))`,
      ),
    );
  }

  /** Blob bytes as stored (sealed when encrypted) ↔ content. */
  async sealBlob(content: Uint8Array): Promise<Buffer> {
    return sealBytes(this.encryption, content);
  }

  async openBlob(stored: Buffer, digest: Digest): Promise<Buffer> {
    return openBytes(this.encryption, stored, `${this.location} (blob ${digest})`, 'files artifact content');
  }

  async close(): Promise<void> {
    if (this.held !== null) await this.held.release();
    const early = this.early;
    this.early = null;
    if (early !== null) await early.then((c) => c.end()).catch(() => undefined);
  }
}

class PostgresBlobs implements StateBlobs {
  /** The digests asked for since the last query, answered together (one round trip for a refresh's checks). */
  private batch: Map<Digest, { resolve(content: Buffer | null): void; reject(err: unknown): void }[]> | null = null;

  constructor(private readonly b: PostgresStateBackend) {}

  async put(content: Uint8Array): Promise<Digest> {
    const digest = digestOf(content);
    if ((await this.check(digest, content.byteLength)) === 'ok') return digest;
    const stored = await this.b.sealBlob(content);
    await this.b.withClient((c) =>
      c.query(
        `INSERT INTO ${this.b.table('blobs')} (digest, size, content) VALUES ($1, $2, $3)
         ON CONFLICT (digest) DO UPDATE SET size = EXCLUDED.size, content = EXCLUDED.content`,
        [digest, content.byteLength, stored],
      ),
    );
    return digest;
  }

  async check(digest: Digest, size?: number): Promise<BlobCondition> {
    const stored = await this.stored(digest);
    if (stored === null) return 'missing';
    let content: Buffer;
    try {
      content = await this.b.openBlob(stored, digest);
    } catch {
      return 'damaged';
    }
    return (size === undefined || content.length === size) && digestOf(content) === digest ? 'ok' : 'damaged';
  }

  async get(digest: Digest): Promise<Uint8Array> {
    const location = { file: `${this.b.location} (blob ${digest})` };
    const stored = await this.stored(digest);
    if (stored === null) throw new UserError(`files artifact content ${digest} is missing from the blob table`, { location });
    const content = await this.b.openBlob(stored, digest);
    const actual = digestOf(content);
    if (actual !== digest) throw new UserError(`files artifact content is damaged: its sha256 is ${actual}, not ${digest}`, { location });
    return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  }

  /** A blob's stored bytes; the digests asked for in one turn of the event loop's microtasks share one query. */
  private stored(digest: Digest): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      if (this.batch === null) {
        this.batch = new Map();
        queueMicrotask(() => this.fetchBatch());
      }
      const waiting = this.batch.get(digest) ?? [];
      waiting.push({ resolve, reject });
      this.batch.set(digest, waiting);
    });
  }

  private fetchBatch(): void {
    const batch = this.batch!;
    this.batch = null;
    this.b
      .withClient((c) => c.query(`SELECT digest, content FROM ${this.b.table('blobs')} WHERE digest = ANY ($1)`, [[...batch.keys()]]))
      .then(
        (r) => {
          const found = new Map(r.rows.map((row: { digest: string; content: Buffer }) => [row.digest, row.content]));
          for (const [digest, waiting] of batch) for (const w of waiting) w.resolve(found.get(digest) ?? null);
        },
        (err: unknown) => {
          for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
        },
      );
  }
}

class PostgresHistory implements StateHistory {
  constructor(private readonly b: PostgresStateBackend) {}

  async list(): Promise<HistoryEntry[]> {
    const r = await this.b.withClient((c) =>
      c.query(`SELECT serial, lineage, written, written_by, services FROM ${this.b.table('history')} WHERE workspace = $1 ORDER BY serial DESC`, [
        this.b.workspace,
      ]),
    );
    return r.rows.map((row: { serial: string; lineage: string; written: Date; written_by: string; services: number }) => ({
      serial: Number(row.serial),
      lineage: row.lineage,
      written: new Date(row.written).toISOString(),
      by: row.written_by,
      services: row.services,
    }));
  }

  async read(serial: number): Promise<State> {
    const r = await this.b.withClient((c) =>
      c.query(`SELECT content FROM ${this.b.table('history')} WHERE workspace = $1 AND serial = $2`, [this.b.workspace, serial]),
    );
    if (r.rowCount === 0) {
      throw new UserError(`the history has no serial ${serial}`, {
        location: { file: this.b.location },
        hint: 'See `starform state history` for the serials kept.',
      });
    }
    return this.b.decode(r.rows[0].content as Buffer, `${this.b.location} (serial ${serial})`);
  }
}

class PostgresWorkspaces implements StateWorkspaces {
  constructor(private readonly b: PostgresStateBackend) {}

  get current(): string {
    return this.b.workspace;
  }

  async list(): Promise<string[]> {
    const r = await this.b.withClient((c) => c.query(`SELECT name FROM ${this.b.table('workspaces')} ORDER BY name`));
    return r.rows.map((row: { name: string }) => row.name);
  }

  async create(name: string): Promise<void> {
    checkWorkspaceName(name);
    const r = await this.b.withClient((c) => c.query(`INSERT INTO ${this.b.table('workspaces')} (name) VALUES ($1) ON CONFLICT DO NOTHING`, [name]));
    if (r.rowCount === 0) throw new UserError(`workspace '${name}' exists already`, { location: { file: this.b.location } });
  }

  async remove(name: string, options: { force: boolean; lockTimeoutMs: number }): Promise<void> {
    checkWorkspaceName(name);
    const location = { file: this.b.location };
    if (name === DEFAULT_WORKSPACE) throw new UserError("the 'default' workspace cannot be deleted", { location });
    const other = new PostgresStateBackend(
      { ...this.b.spec, workspace: name, display: this.b.location.replace(/workspace=[^&]*/, `workspace=${name}`) },
      undefined,
    );
    const lock = await other.lock({ operation: 'workspace delete', timeoutMs: options.lockTimeoutMs });
    try {
      const client = (lock as PostgresLock).client;
      const r = await client.query(
        `SELECT services FROM ${other.table('history')} h JOIN ${other.table('states')} s USING (workspace) WHERE s.workspace = $1 AND h.serial = s.serial`,
        [name],
      );
      const services = (r.rows[0] as { services: number } | undefined)?.services ?? 0;
      if (services > 0 && !options.force) {
        throw new UserError(`workspace '${name}' has a state with ${services} service${services === 1 ? '' : 's'}; not deleting it`, {
          location,
          hint:
            'Destroy it first (starform destroy --state …&workspace=' + name + '), or pass --force to delete the state anyway (its containers keep running).',
        });
      }
      await client.query('BEGIN');
      try {
        for (const t of ['history', 'states', 'locks']) await client.query(`DELETE FROM ${other.table(t)} WHERE workspace = $1`, [name]);
        await client.query(`DELETE FROM ${other.table('workspaces')} WHERE name = $1`, [name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      await lock.release();
    }
  }
}

function schemaDdl(schema: string): string {
  const s = `"${schema}"`;
  return `
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE IF NOT EXISTS ${s}.workspaces (name text PRIMARY KEY, created timestamptz NOT NULL DEFAULT now());
    INSERT INTO ${s}.workspaces (name) VALUES ('${DEFAULT_WORKSPACE}') ON CONFLICT DO NOTHING;
    CREATE TABLE IF NOT EXISTS ${s}.states (
      workspace text PRIMARY KEY REFERENCES ${s}.workspaces (name),
      lineage text NOT NULL, serial bigint NOT NULL, content bytea NOT NULL,
      blobs text[] NOT NULL, written timestamptz NOT NULL);
    CREATE TABLE IF NOT EXISTS ${s}.history (
      workspace text NOT NULL, serial bigint NOT NULL, lineage text NOT NULL, content bytea NOT NULL,
      blobs text[] NOT NULL, written timestamptz NOT NULL, written_by text NOT NULL, services integer NOT NULL,
      PRIMARY KEY (workspace, serial));
    CREATE TABLE IF NOT EXISTS ${s}.locks (
      workspace text PRIMARY KEY, id text NOT NULL, operation text NOT NULL, user_name text NOT NULL,
      host text NOT NULL, pid integer NOT NULL, backend_pid integer NOT NULL, created timestamptz NOT NULL,
      starform_version text NOT NULL);
    CREATE TABLE IF NOT EXISTS ${s}.blobs (digest text PRIMARY KEY, size bigint NOT NULL, content bytea NOT NULL);`;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
