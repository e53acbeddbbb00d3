// What a plan reads of the other packages that share its state (SavedPlan.package.uses,
// lib/plan/claims.ts), for `plan` and `show`: one line per entity, with its package.
import { packageCode, packageText } from './markdown-escape.js';
import { neutraliseInline } from './redact.js';

type Uses = readonly { readonly address: string; readonly package: string }[] | undefined;

export function usesText(uses: Uses): string {
  if (uses === undefined || uses.length === 0) return '';
  const lines = uses.map((u) => `  ${neutraliseInline(u.address)} (package ${neutraliseInline(u.package)})`);
  return `\nReads, read-only, from other packages of this state:\n${lines.join('\n')}\n`;
}

export function usesMarkdown(uses: Uses): string {
  if (uses === undefined || uses.length === 0) return '';
  const lines = uses.map((u) => `- ${packageCode(u.address)} (package ${packageText(u.package, 'inline')})`);
  return `\n**Reads, read-only, from other packages of this state:**\n\n${lines.join('\n')}\n`;
}
