// The views of `workspace` (lib/render/workspace-view.ts) and `packages fetch | list`
// (lib/render/packages-view.ts), each form on string buffers: no process, no backend, no
// network. The texts expected are the bytes the commands printed before they had views.
import assert from 'node:assert/strict';
import type { ResolvedRepository } from '../../lib/package/index.js';
import { packagesFetchedView, packagesListView } from '../../lib/render/packages-view.js';
import { show } from '../../lib/render/view.js';
import { workspaceCreatedView, workspaceDeletedView, workspaceListView } from '../../lib/render/workspace-view.js';
import { bufferStreams as streams } from './buffer-streams.js';

const used = [
  { locator: 'github.com/acme/pg', ref: 'v1.2.0', commit: '0123456789abcdef0123', digest: 'sha256:aa', source: 'lock', fetched: false },
  { locator: 'github.com/acme/redis-package', ref: null, commit: 'fedcba9876543210fedc', digest: 'sha256:bb', source: 'resolved', fetched: true },
  { locator: 'github.com/x/y', ref: 'main', commit: '1111111111112222', digest: 'sha256:cc', source: 'offline-record', fetched: false },
] as unknown as ResolvedRepository[];

const TABLE =
  'REPOSITORY                     REF               COMMIT        PINNED BY      COPY\n' +
  'github.com/acme/pg             v1.2.0            0123456789ab  starform.lock  cached\n' +
  'github.com/acme/redis-package  (default branch)  fedcba987654  resolved now   fetched\n' +
  'github.com/x/y                 main              111111111111  cache record   cached\n';

describe('views of workspace and packages', () => {
  it('workspace list marks the current one; new and delete say what they did', () => {
    const list = streams();
    show(workspaceListView, { names: ['default', 'staging', 'prod'], current: 'staging' }, list, false);
    assert.equal(list.out.text, '  default\n* staging\n  prod\n');
    const created = streams();
    show(workspaceCreatedView, { name: 'prod' }, created, false);
    assert.equal(created.out.text, "Created workspace 'prod'. Use it with workspace=prod in the --state URL.\n");
    const deleted = streams();
    show(workspaceDeletedView, { name: 'prod' }, deleted, false);
    assert.equal(deleted.out.text, "Deleted workspace 'prod' with its state and history.\n");
    for (const s of [list, created, deleted]) assert.equal(s.err.text, '');
  });

  it('packages fetch: the table, or that there is nothing to fetch; problems on the error stream', () => {
    const s = streams();
    show(packagesFetchedView, { used, problems: [] }, s, false);
    assert.equal(s.out.text, TABLE);
    assert.equal(s.err.text, '');
    const none = streams();
    show(packagesFetchedView, { used: [], problems: ['main.star:3:1: boom', 'main.star:4:2: bang'] }, none, false);
    assert.equal(none.out.text, 'The package uses no repository by locator: nothing to fetch.\n');
    assert.equal(
      none.err.text,
      'The package could not be interpreted to the end, so it may use more repositories than these:\n  main.star:3:1: boom\n  main.star:4:2: bang\n',
    );
  });

  it('packages list: the table and problems; --json: repositories and problems, nothing on the error stream', () => {
    const s = streams();
    show(packagesListView, { used: used.slice(0, 1), problems: ['main.star:1:1: x'] }, s, false);
    assert.equal(
      s.out.text,
      'REPOSITORY          REF     COMMIT        PINNED BY      COPY\ngithub.com/acme/pg  v1.2.0  0123456789ab  starform.lock  cached\n',
    );
    assert.equal(s.err.text, 'The package could not be interpreted to the end:\n  main.star:1:1: x\n');
    const none = streams();
    show(packagesListView, { used: [], problems: [] }, none, false);
    assert.equal(none.out.text, 'The package uses no repository by locator.\n');
    const json = streams();
    show(packagesListView, { used: used.slice(0, 2), problems: ['p'] }, json, true);
    assert.equal(
      json.out.text,
      JSON.stringify(
        {
          repositories: [
            { locator: 'github.com/acme/pg', ref: 'v1.2.0', commit: '0123456789abcdef0123', digest: 'sha256:aa', pinned_by: 'lock', fetched: false },
            { locator: 'github.com/acme/redis-package', ref: null, commit: 'fedcba9876543210fedc', digest: 'sha256:bb', pinned_by: 'resolved', fetched: true },
          ],
          problems: ['p'],
        },
        null,
        2,
      ) + '\n',
    );
    assert.equal(json.err.text, '');
  });
});
