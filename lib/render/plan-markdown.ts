// The Markdown view of a plan, for a pull-request comment: a summary table, then each
// change with its diff in a collapsible block. It renders the same records as the text
// view (plan-view.ts) and shares its configuration layout.
import { createTwoFilesPatch } from 'diff';
import { configText, summaryLine, SYMBOL, where, type PlanView } from './plan-view.js';

/** A pull-request comment: summary table, then each change with its diff in a collapsible block. */
export function renderPlanMarkdown(plan: PlanView): string {
  const visible = plan.changes.filter((c) => c.action !== 'no-op');
  const out: string[] = [];
  out.push(`### starform plan`, '', `**${summaryLine(plan.summary)}**`, '');
  if (visible.length === 0) return out.join('\n') + '\n';
  out.push('| | Action | Step | Where | Why |', '|---|---|---|---|---|');
  for (const c of visible) {
    const ins = c.instruction !== undefined ? plan.instructions[c.instruction] : undefined;
    out.push(`| \`${SYMBOL[c.action]}\` | ${c.action} | \`${mdEscape(c.stepId)}\` | ${ins ? `\`${where(ins)}\`` : ''} | ${mdEscape(c.reason)} |`);
  }
  out.push('');
  for (const c of visible) {
    const ins = c.instruction !== undefined ? plan.instructions[c.instruction] : undefined;
    const title = `${SYMBOL[c.action]} ${c.stepId}`;
    out.push(`<details><summary><code>${htmlEscape(title)}</code> — ${htmlEscape(ins ? ins.description : c.reason)}</summary>`, '');
    let body: string;
    if (c.action === 'replace' && c.before !== undefined && c.after !== undefined) {
      body = createTwoFilesPatch(`${c.stepId} (state)`, `${c.stepId} (plan)`, configText(c.before), configText(c.after), '', '', { context: 3 })
        .split('\n')
        .slice(1)
        .join('\n');
    } else if (c.action === 'delete') {
      body = prefixLines(configText(c.before), '- ');
    } else {
      body = prefixLines(configText(c.after), '+ ');
    }
    out.push('```diff', body.replace(/\n+$/, ''), '```', '', '</details>', '');
  }
  return out.join('\n');
}

function prefixLines(text: string, prefix: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
