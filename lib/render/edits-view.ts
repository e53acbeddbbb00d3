// The edits a user made to a plan (issue 12: --target, --exclude, --replace, --destroy,
// --refresh-only, --override), shown at the top of every view of the plan so that a
// reviewer reads them before the changes: what each address matched, the steps an exclude
// took with it, what a targeted plan left out and what it would have done, the override
// file's digest and what it binds. Text here; `editsMarkdown` for `show --markdown`; the
// JSON views carry the records as they are (json-views.ts).
import type { Change } from '../instructions/index.js';
import type { PlanEdit } from '../planfile/index.js';
import { isJsonObject, type JsonValue } from '../util/json.js';
import { packageCode } from './markdown-escape.js';
import { neutraliseInline } from './redact.js';
import { paint } from './style.js';

type LeftOutChange = Change & { readonly leftOut?: { readonly action: string; readonly reason: string; readonly by: string } };

/** One line per edit, plain words (no markup). */
function editLines(edits: readonly PlanEdit[]): string[] {
  const lines: string[] = [];
  const list = (ids: readonly string[]): string => ids.map(neutraliseInline).join(', ');
  for (const e of edits) {
    switch (e.kind) {
      case 'target':
        lines.push(`--target ${neutraliseInline(e.address)}: ${list(e.matched)} and what ${e.matched.length === 1 ? 'it needs' : 'they need'}`);
        break;
      case 'exclude':
        lines.push(
          `--exclude ${neutraliseInline(e.address)}: ${list(e.matched)}` +
            (e.dependents.length > 0
              ? `, and with ${e.matched.length === 1 ? 'it' : 'them'} the steps that need ${e.matched.length === 1 ? 'it' : 'them'}: ${list(e.dependents)}`
              : ''),
        );
        break;
      case 'replace':
        lines.push(`--replace ${neutraliseInline(e.address)}: ${list(e.matched)} replaced although unchanged`);
        break;
      case 'destroy':
        lines.push('--destroy: this plan deletes what the state records (a whole destroy also removes the enclave network)');
        break;
      case 'refresh-only':
        lines.push(
          `--refresh-only: this plan only updates the state to what the engine has (${e.drift.length} difference${e.drift.length === 1 ? '' : 's'}); it changes no container`,
        );
        for (const d of e.drift) lines.push(`    ~ ${neutraliseInline(d)}`);
        break;
      case 'override': {
        lines.push(`--override ${neutraliseInline(e.file)} (${e.digest})`);
        for (const line of overrideSummary(e.content)) lines.push(`    ${line}`);
        break;
      }
    }
  }
  return lines;
}

/** What an override file does, one line per service. */
function overrideSummary(content: JsonValue): string[] {
  const services = isJsonObject(content) ? content['services'] : undefined;
  if (!isJsonObject(services)) return [];
  return Object.keys(services)
    .sort()
    .map((address) => {
      const entry = services[address];
      const o: Record<string, JsonValue> = isJsonObject(entry) ? entry : {};
      const parts: string[] = [];
      const existing = o['existing'] as Record<string, JsonValue> | undefined;
      const external = o['external'] as Record<string, JsonValue> | undefined;
      if (existing) parts.push(`bound to the existing container ${String(existing['container'])}`);
      if (external) parts.push(`bound to the external endpoint ${String(external['hostname'] ?? external['ip'])}`);
      const fields = Object.keys(o)
        .filter((k) => k !== 'existing' && k !== 'external')
        .sort();
      if (fields.length > 0) parts.push(`overrides ${fields.join(', ')}`);
      return `${neutraliseInline(address)}: ${parts.join('; ')}`;
    });
}

/** The left-out changes of a targeted or excluded plan: what the diff wanted, not done now. */
function leftOut(changes: readonly Change[]): string[] {
  return (changes as readonly LeftOutChange[])
    .filter((c) => c.leftOut !== undefined)
    .map((c) => `${neutraliseInline(c.stepId)} (${c.reason}; would ${c.leftOut!.action}: ${neutraliseInline(c.leftOut!.reason)})`);
}

/** The text section ('' when the plan has no edits). */
export function editsText(edits: readonly PlanEdit[], changes: readonly Change[], options: { color?: boolean } = {}): string {
  if (edits.length === 0) return '';
  const p = paint(options.color === true);
  const out = [p.bold('This plan was edited:'), ...editLines(edits).map((l) => `  ${l}`)];
  const left = leftOut(changes);
  if (left.length > 0) {
    out.push(p.yellow(`Left out of this plan (${left.length}); the next full plan shows them again:`));
    for (const l of left) out.push(`  ${l}`);
  }
  return out.join('\n') + '\n\n';
}

/** The Markdown section ('' when the plan has no edits). */
export function editsMarkdown(edits: readonly PlanEdit[], changes: readonly Change[]): string {
  if (edits.length === 0) return '';
  const out = ['**This plan was edited:**', '', ...editLines(edits).map((l) => `- ${packageCode(l)}`)];
  const left = leftOut(changes);
  if (left.length > 0) {
    out.push('', `**Left out of this plan (${left.length}):**`, '', ...left.map((l) => `- ${packageCode(l)}`));
  }
  return out.join('\n') + '\n';
}
