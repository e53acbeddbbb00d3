// The part of a plan about containers no state names: an apply that was interrupted
// between creating a container and recording it leaves one behind, refresh finds it by
// the enclave's labels, and the next apply removes it. The plan says so, so that a
// reviewer sees every container the apply will remove, not only those the package drops.
// The plan file records them too (`orphans`), and `plan --json` / `show --markdown` show them.
import { packageCode } from './markdown-escape.js';
import { paint } from './style.js';

export interface Orphan {
  readonly service: string;
  readonly containerId: string;
}

/** The plan's section on orphaned containers ('' when there are none). */
export function orphansText(orphans: readonly Orphan[], options: { color?: boolean } = {}): string {
  if (orphans.length === 0) return '';
  const p = paint(options.color === true);
  const n = orphans.length;
  const lines = [
    '',
    `Apply will also remove ${n} container${n === 1 ? '' : 's'} that the state does not name (left by an interrupted apply):`,
    ...orphans.map((o) => `  ${p.red('-')} container ${o.containerId.slice(0, 12)} (service '${o.service.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}')`),
  ];
  return lines.join('\n') + '\n';
}

/** The pull-request comment's section on them ('' when there are none). */
export function orphansMarkdown(orphans: readonly Orphan[]): string {
  if (orphans.length === 0) return '';
  const n = orphans.length;
  return [
    `**Apply will also remove ${n} container${n === 1 ? '' : 's'} that the state does not name** (left by an interrupted apply):`,
    '',
    ...orphans.map((o) => `- container <code>${o.containerId.slice(0, 12).replace(/[^0-9a-f]/g, '')}</code> (service ${packageCode(o.service)})`),
    '',
  ].join('\n');
}
