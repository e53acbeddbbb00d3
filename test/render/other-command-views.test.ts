// The views of `force-unlock` (lib/render/lock-view.ts), `import` (lib/render/import-view.ts),
// `export` (lib/render/export-view.ts) and a failed `eval` (lib/render/eval-view.ts), on
// string buffers: no process, no state, no engine. The texts expected are the bytes the
// commands printed before they had views; which stream each goes to matters (export prints
// the definition alone on stdout).
import assert from 'node:assert/strict';
import type { Problem } from '../../lib/instructions/index.js';
import { evalFailedView } from '../../lib/render/eval-view.js';
import { exportNotesView, exportPrintedView, exportWrittenView } from '../../lib/render/export-view.js';
import { importedView, importProblemsView } from '../../lib/render/import-view.js';
import { forceUnlockedView } from '../../lib/render/lock-view.js';
import { show } from '../../lib/render/view.js';
import type { LockInfo } from '../../lib/state/index.js';
import { bufferStreams as streams } from './buffer-streams.js';

describe('views of force-unlock, import and export', () => {
  it('force-unlock: whose lock was removed', () => {
    const holder = {
      id: 'x',
      path: '/tmp/s.json',
      operation: 'apply',
      user: 'me',
      host: 'box',
      pid: 42,
      created: '2026-01-01T00:00:00Z',
      starformVersion: '0.1.0',
    } as LockInfo;
    const s = streams();
    show(forceUnlockedView, holder, s, false);
    assert.equal(s.out.text, 'Removed the lock of /tmp/s.json: apply by me@box (pid 42) since 2026-01-01T00:00:00Z.\n');
    assert.equal(s.err.text, '');
  });

  it('import: the container adopted, how it is known, and whether the next plan keeps it', () => {
    const base = { containerId: '0123456789abcdef0123', name: 'db', serial: 3 };
    const adopted = streams();
    show(importedView, { ...base, adopted: true, differences: [] }, adopted, false);
    assert.equal(
      adopted.out.text,
      'Imported container 0123456789ab as service.db: recorded by its id (it has no starform labels). The state is now at serial 3.\n' +
        'It matches the package: the next plan leaves it as it is.\n',
    );
    const differs = streams();
    show(importedView, { ...base, adopted: false, differences: ['image: a != b', 'cmd differs'] }, differs, false);
    assert.equal(
      differs.out.text,
      "Imported container 0123456789ab as service.db: it carries this enclave's labels. The state is now at serial 3.\n" +
        'It differs from the package, so the next plan replaces it:\n  - image: a != b\n  - cmd differs\n',
    );
  });

  it("import: the package's problems on the error stream, uncoloured", () => {
    const problems: Problem[] = [{ message: 'bad \u001b[2J thing', position: { file: 'main.star', line: 3, col: 5 }, stack: [] }];
    const s = streams();
    show(importProblemsView, problems, s, false);
    assert.equal(s.out.text, '');
    assert.match(s.err.text, /^main\.star:3:5: error: bad /);
    assert.doesNotMatch(s.err.text, /\u001b/);
    assert.match(s.err.text, /\n1 error; nothing was planned\.\n$/);
  });

  it('export: notes and what was written on the error stream; the one file alone on stdout', () => {
    const notes = streams();
    show(
      exportNotesView,
      [
        { step: 'exec.1', position: 'main.star:12:5', message: 'exec has no equivalent' },
        { step: 'service.web', position: '-', message: 'no readiness check' },
      ],
      notes,
      false,
    );
    assert.equal(notes.err.text, 'export: not expressed: main.star:12:5: exec has no equivalent\nexport: not expressed: no readiness check\n');
    assert.equal(notes.out.text, '');
    const text = streams();
    show(exportPrintedView, { path: 'docker-compose.yml', content: 'services: {}\n', mode: 0o644 }, text, false);
    assert.equal(text.out.text, 'services: {}\n');
    const bytes = streams();
    show(exportPrintedView, { path: 'env.yaml', content: new TextEncoder().encode('kind: List\n'), mode: 0o644 }, bytes, false);
    assert.equal(bytes.out.text, 'kind: List\n');
    const written = streams();
    show(exportWrittenView, { count: 3, dir: 'deploy/', first: 'Chart.yaml' }, written, false);
    assert.equal(written.err.text, 'export: wrote 3 files to deploy/ (Chart.yaml first)\n');
    const one = streams();
    show(exportWrittenView, { count: 1, dir: 'd', first: 'docker-compose.yml' }, one, false);
    assert.equal(one.err.text, 'export: wrote 1 file to d (docker-compose.yml first)\n');
  });
});

describe('view of a failed eval', () => {
  it('the backtrace or message, on the error stream, one newline after it', () => {
    const s = streams();
    show(evalFailedView, { report: 'Traceback (most recent call last):\n  x.star:1:1: in <toplevel>\nError: boom' }, s, false);
    assert.equal(s.out.text, '');
    assert.equal(s.err.text, 'Traceback (most recent call last):\n  x.star:1:1: in <toplevel>\nError: boom\n');
  });
});
