// The PostgreSQL state backend against a real server (a throwaway cluster, see
// helpers/postgres.ts): reads and compare-and-swap writes, the advisory lock with its
// holder row, a lock lost with its connection (pg_terminate_backend), force-unlock,
// history, workspaces, blobs, and encryption at rest in the tables.
import assert from 'node:assert/strict';
import {
  openStateBackend,
  putService,
  serviceRecord,
  StateLockedError,
  withLineage,
  emptyState,
  type State,
  type StateBackend,
} from '../../lib/state/index.js';
import { PostgresStateBackend, advisoryKey, parsePostgresUrl } from '../../lib/state/postgres-backend.js';
import { Encryption } from '../../lib/util/envelope.js';
import { usePostgres } from './helpers/postgres.js';

function withService(state: State, name: string): State {
  return putService(
    state,
    name,
    serviceRecord({ config: { image: 'x', name }, containerId: `c-${name}`, ipAddress: null, ports: new Map(), status: 'running' }),
  );
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('state: the PostgreSQL backend', function () {
  this.timeout(60_000);
  const cluster = usePostgres();
  const opened: StateBackend[] = [];
  async function open(url: string, encryption?: Encryption): Promise<StateBackend> {
    const b = await openStateBackend(url, encryption ? { encryption } : {});
    opened.push(b);
    return b;
  }
  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
  });

  it('parses state URLs and never shows the password', () => {
    const spec = parsePostgresUrl('postgres://ci:s3cret@db.example:5433/infra?schema=team&workspace=prod&sslmode=disable');
    assert.equal(spec.schema, 'team');
    assert.equal(spec.workspace, 'prod');
    assert.doesNotMatch(spec.display, /s3cret/);
    assert.doesNotMatch(spec.connectionString, /schema=|workspace=/);
    assert.match(spec.connectionString, /sslmode=disable/);
    assert.throws(() => parsePostgresUrl('postgres://h/db?schema=a;drop'), /not a plain PostgreSQL identifier/);
    assert.throws(() => parsePostgresUrl('postgres://h/db?workspace=../x'), /not a valid workspace name/);
    assert.notEqual(advisoryKey('a', 'b'), advisoryKey('a', 'c'));
    assert.notEqual(advisoryKey('ab', 'c'), advisoryKey('a', 'bc'));
  });

  it('reads the empty state, writes with compare-and-swap, and keeps every version in the history', async () => {
    const b = await open(cluster().newUrl());
    assert.deepEqual(await b.read(), emptyState());
    const lock = await b.lock({ operation: 'apply' });
    const first = await b.write(emptyState(), withService(withLineage(emptyState()), 'web'), lock);
    assert.equal(first.serial, 1);
    const second = await b.write(first, withService(first, 'db'), lock);
    assert.equal(second.serial, 2);
    assert.equal(second.lineage, first.lineage);
    // A writer that read serial 1 lost the race: refused, never merged.
    await assert.rejects(
      b.write(first, withService(first, 'other'), lock),
      /the state changed while this operation ran \(serial 2 stored, 1 expected\); not writing/,
    );
    // A first write that raced another first write.
    await assert.rejects(b.write(emptyState(), withLineage(emptyState()), lock), /a state was created by someone else/);
    await lock.release();
    const read = await b.read();
    assert.equal(read.serial, 2);
    assert.deepEqual([...read.services.keys()].sort(), ['db', 'web']);
    const history = await b.history!.list();
    assert.deepEqual(
      history.map((h) => h.serial),
      [2, 1],
    );
    assert.equal(history[0]!.services, 2);
    assert.match(history[0]!.by, /^apply by /);
    assert.deepEqual([...(await b.history!.read(1)).services.keys()], ['web']);
    await assert.rejects(b.history!.read(7), /the history has no serial 7/);
  });

  it('refuses a second locker with the holder named, and takes over when the holder is gone', async () => {
    const url = cluster().newUrl();
    const a = await open(url);
    const b = await open(url);
    const lock = await a.lock({ operation: 'apply' });
    const refused = await b.lock({ operation: 'destroy' }).catch((e: unknown) => e);
    assert.ok(refused instanceof StateLockedError, String(refused));
    assert.equal(refused.holder?.id, lock.info.id);
    assert.match(refused.message, /Operation: apply/);
    assert.match(refused.message, new RegExp(`pid ${process.pid}`));
    const started = Date.now();
    await assert.rejects(b.lock({ operation: 'destroy', timeoutMs: 600 }), /waited 600 ms/);
    assert.ok(Date.now() - started >= 550);
    assert.equal((await b.readLockInfo())?.id, lock.info.id);
    await lock.release();
    assert.equal(await b.readLockInfo(), null);
    const second = await b.lock({ operation: 'destroy' });
    await second.release();
  });

  it('loses the lock with its connection: the write is refused and the state stays the last complete write', async () => {
    const url = cluster().newUrl();
    const a = await open(url);
    const lock = await a.lock({ operation: 'apply' });
    const first = await a.write(emptyState(), withLineage(emptyState()), lock);
    const admin = await cluster().admin();
    try {
      const schema = parsePostgresUrl(url).schema;
      const { rows } = await admin.query(`SELECT backend_pid FROM "${schema}".locks`);
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].backend_pid]);
    } finally {
      await admin.end();
    }
    await eventually(() => lock.compromised !== null);
    await assert.rejects(a.write(first, withService(first, 'web'), lock), /the state lock was lost \(the connection to PostgreSQL .*\); not writing the state/);
    await lock.release();
    const b = await open(url);
    const read = await b.read();
    assert.equal(read.serial, 1);
    assert.equal(read.services.size, 0);
    // The server released the advisory lock with the connection: the next locker gets it.
    const next = await b.lock({ operation: 'apply' });
    await next.release();
  });

  it("preconnect: the lock takes the connection made ahead (no second one); close ends an unused one; a refused one is the lock's error", async () => {
    const name = `pre_${Date.now().toString(36)}`;
    // Its own application_name (to count its connections), and synchronous commits for the session.
    const url = `${cluster().newUrl()}&application_name=${name}&options=-c%20synchronous_commit%3Don`;
    const admin = await cluster().admin();
    const pids = async (): Promise<number[]> =>
      (await admin.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid', [name])).rows.map((r: { pid: number }) => r.pid);
    const until = async (check: (p: number[]) => boolean): Promise<number[]> => {
      for (let i = 0; ; i++) {
        const p = await pids();
        if (check(p)) return p;
        if (i > 250) throw new Error(`timed out; connections: ${p.join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      const a = await open(url);
      a.preconnect!();
      const [early] = await until((p) => p.length === 1);
      const lock = await a.lock({ operation: 'apply' });
      await a.read();
      assert.deepEqual(await pids(), [early]);
      const { rows } = await admin.query(`SELECT backend_pid FROM "${parsePostgresUrl(url).schema}".locks`);
      assert.equal(rows[0].backend_pid, early);
      // The lock row's commit did not wait for the disk, but the session's own setting is untouched (state writes stay synchronous).
      assert.equal(
        (
          await (lock as unknown as { client: { query(q: string): Promise<{ rows: { synchronous_commit: string }[] }> } }).client.query(
            'SHOW synchronous_commit',
          )
        ).rows[0]!.synchronous_commit,
        'on',
      );
      await lock.release();
      await until((p) => p.length === 0);
      assert.equal(await a.readLockInfo(), null);
      const unused = await open(url);
      unused.preconnect!();
      await until((p) => p.length === 1);
      await unused.close();
      await until((p) => p.length === 0);
    } finally {
      await admin.end();
    }
    const refused = await open(`postgres://postgres@127.0.0.1:1/postgres?schema=${parsePostgresUrl(url).schema}`);
    refused.preconnect!();
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(refused.lock({ operation: 'apply' }), /cannot connect to PostgreSQL: connect ECONNREFUSED/);
  });

  it('reads under the lock without a round trip: the state as the lock found it (a waiting locker sees the last write), then its own writes', async () => {
    const url = cluster().newUrl();
    const a = await open(url);
    const b = await open(url);
    // The lock row is written from literals: a name with quotes and a backslash comes back as it was.
    const operation = 'apply \'quoted\' \\ "name"';
    const lockA = await a.lock({ operation });
    assert.equal((await b.readLockInfo())?.operation, operation);
    const waiting = b.lock({ operation: 'apply', timeoutMs: 10_000 });
    const first = await a.write(emptyState(), withService(withLineage(emptyState()), 'web'), lockA);
    await lockA.release();
    const lockB = await waiting;
    const client = (lockB as unknown as { client: { query: (...args: unknown[]) => unknown } }).client;
    let queries = 0;
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      queries++;
      return query(...args);
    };
    const seen = await b.read();
    assert.equal(seen.serial, 1);
    assert.deepEqual([...seen.services.keys()], ['web']);
    const second = await b.write(first, withService(first, 'db'), lockB);
    assert.deepEqual([...(await b.read()).services.keys()].sort(), ['db', 'web']);
    assert.equal(queries, 1, 'the write is the only statement');
    await lockB.release();
    // Without the lock, a read asks the server.
    assert.equal((await a.read()).serial, second.serial);
  });

  it('force-unlock: refuses a connected holder unless forced, which ends its connection; a stale row just goes', async () => {
    const url = cluster().newUrl();
    const a = await open(url);
    const b = await open(url);
    const lock = await a.lock({ operation: 'apply' });
    const first = await a.write(emptyState(), withLineage(emptyState()), lock);
    await assert.rejects(b.forceUnlock('not-the-id'), /lock ID not-the-id does not match the lock held/);
    await assert.rejects(b.forceUnlock(lock.info.id), /the lock's holder is still connected: apply by .*; not removing its lock/);
    const removed = await b.forceUnlock(lock.info.id, { force: true });
    assert.equal(removed.id, lock.info.id);
    await eventually(() => lock.compromised !== null);
    await assert.rejects(a.write(first, withService(first, 'web'), lock), /the state lock was lost/);
    await assert.rejects(b.forceUnlock(lock.info.id), /the state is not locked/);
    assert.equal((await b.read()).serial, 1);
  });

  it('refuses the write of a holder whose lock row was removed, even on a live connection', async () => {
    const url = cluster().newUrl();
    const a = await open(url);
    const lock = await a.lock({ operation: 'apply' });
    const admin = await cluster().admin();
    await admin.query(`DELETE FROM "${parsePostgresUrl(url).schema}".locks`).finally(() => admin.end());
    await assert.rejects(a.write(emptyState(), withLineage(emptyState()), lock), /its lock row was removed/);
    await lock.release();
    assert.equal((await a.read()).lineage, null);
  });

  it('workspaces: default always exists, others are created, independent, and deleted', async () => {
    const url = cluster().newUrl();
    const def = await open(url);
    assert.deepEqual(await def.workspaces!.list(), ['default']);
    await def.workspaces!.create('staging');
    await assert.rejects(def.workspaces!.create('staging'), /exists already/);
    await assert.rejects(
      open(`${url}&workspace=nope`).then((b) => b.read()),
      /workspace 'nope' does not exist/,
    );
    const staging = await open(`${url}&workspace=staging`);
    const lock = await staging.lock({ operation: 'apply' });
    await staging.write(emptyState(), withService(withLineage(emptyState()), 'web'), lock);
    // Each workspace has its own lock.
    const other = await def.lock({ operation: 'apply' });
    await other.release();
    await lock.release();
    assert.equal((await def.read()).lineage, null);
    await assert.rejects(def.workspaces!.remove('default', { force: false, lockTimeoutMs: 0 }), /cannot be deleted/);
    await assert.rejects(def.workspaces!.remove('staging', { force: false, lockTimeoutMs: 0 }), /has a state with 1 service; not deleting it/);
    await def.workspaces!.remove('staging', { force: true, lockTimeoutMs: 0 });
    assert.deepEqual(await def.workspaces!.list(), ['default']);
  });

  it('stores blobs by digest, finds damaged ones, and prunes those no version refers to', async () => {
    const url = cluster().newUrl();
    const b = await open(url);
    const lock = await b.lock({ operation: 'apply' });
    const content = new TextEncoder().encode('archive bytes');
    const digest = await b.blobs.put(content);
    const spare = await b.blobs.put(new TextEncoder().encode('nobody refers to me'));
    assert.equal(await b.blobs.check(digest, content.byteLength), 'ok');
    assert.deepEqual(Buffer.from(await b.blobs.get(digest)), Buffer.from(content));
    const state = { ...withLineage(emptyState()), filesArtifacts: new Map([['site', { contentHash: digest, size: content.byteLength }]]) };
    const written = await b.write(emptyState(), state, lock);
    await b.pruneBlobs(written);
    assert.equal(await b.blobs.check(spare), 'missing');
    assert.equal(await b.blobs.check(digest), 'ok');
    // Checks asked for together (a refresh's, one per files artifact) share one query, each answered for its own digest.
    const client = (lock as unknown as { client: { query: (...args: unknown[]) => unknown } }).client;
    let queries = 0;
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      queries++;
      return query(...args);
    };
    assert.deepEqual(await Promise.all([b.blobs.check(digest, content.byteLength), b.blobs.check(spare), b.blobs.check(digest, 1), b.blobs.get(digest)]), [
      'ok',
      'missing',
      'damaged',
      content,
    ]);
    assert.equal(queries, 1);
    const admin = await cluster().admin();
    await admin.query(`UPDATE "${parsePostgresUrl(url).schema}".blobs SET content = 'x'::bytea`).finally(() => admin.end());
    assert.equal(await b.blobs.check(digest, content.byteLength), 'damaged');
    await assert.rejects(b.blobs.get(digest), /damaged/);
    await lock.release();
  });

  it('encrypts the state, its history and its blobs in the tables', async function () {
    this.timeout(120_000);
    const url = cluster().newUrl();
    const encryption = new Encryption({ primary: { secret: 'correct horse', source: 'test key' } });
    const b = await open(url, encryption);
    const lock = await b.lock({ operation: 'apply' });
    const digest = await b.blobs.put(new TextEncoder().encode('secret-archive-content'));
    await b.write(emptyState(), withService(withLineage(emptyState()), 'visible-name'), lock);
    await lock.release();
    const admin = await cluster().admin();
    try {
      const schema = parsePostgresUrl(url).schema;
      for (const table of ['states', 'history', 'blobs']) {
        const { rows } = await admin.query(`SELECT content FROM "${schema}".${table}`);
        for (const row of rows) {
          const bytes = row.content as Buffer;
          assert.match(bytes.subarray(0, 22).toString('latin1'), /^STARFORM-ENCRYPTED\/1\n/);
          assert.ok(!bytes.includes('visible-name') && !bytes.includes('secret-archive-content'), `${table} holds plaintext`);
        }
      }
    } finally {
      await admin.end();
    }
    assert.deepEqual([...(await b.read()).services.keys()], ['visible-name']);
    assert.equal(Buffer.from(await b.blobs.get(digest)).toString(), 'secret-archive-content');
    const plain = await open(url);
    await assert.rejects(plain.read(), /the state is encrypted, but no encryption key is configured/);
    const wrong = await open(url, new Encryption({ primary: { secret: 'battery staple', source: 'STARFORM_ENCRYPTION_PASSPHRASE' } }));
    await assert.rejects(wrong.read(), /cannot decrypt the state: it was encrypted with another key .* than STARFORM_ENCRYPTION_PASSPHRASE/);
    assert.ok(b instanceof PostgresStateBackend);
  });
});
