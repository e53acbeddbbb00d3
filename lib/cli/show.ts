// `starform show PLAN`: render a saved plan for review — text, JSON, or Markdown for a
// pull-request comment. The plan file is verified (schema, checksum, version) first.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { Change, Instruction } from '../plan/index.js';

export const command = 'show <plan>';
export const describe = 'Show a saved plan (text, --json, or --markdown for a pull request)';

interface ShowArgs {
  plan: string;
  json?: boolean;
  markdown?: boolean;
}

export function builder(y: Argv): Argv<ShowArgs> {
  return y
    .positional('plan', { type: 'string', demandOption: true, describe: 'A plan file written by `starform plan --out`' })
    .option('json', { type: 'boolean', describe: 'Print the plan as JSON' })
    .option('markdown', { type: 'boolean', describe: 'Print a Markdown summary for a pull-request comment' })
    .conflicts('json', 'markdown')
    .example('$0 show change.plan --markdown > comment.md', 'Render a plan for review') as unknown as Argv<ShowArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ShowArgs>): Promise<void> {
  const { summarize } = await import('../plan/model.js');
  const { readPlanFile } = await import('../planfile/index.js');
  const { planJson, renderPlanMarkdown, renderPlanText } = await import('../render/plan-view.js');
  const { useColor } = await import('../render/style.js');
  const { formatJson } = await import('../util/json.js');
  const { maskOutput } = await import('../render/redact.js');
  const loaded = await readPlanFile(argv.plan);
  maskOutput(loaded.plan.sensitive ?? []);
  const instructions = loaded.plan.instructions as unknown as Instruction[];
  const changes = loaded.plan.changes as unknown as Change[];
  const view = { instructions, changes, summary: summarize(changes), outputs: loaded.plan.outputs, sensitive: loaded.plan.sensitive ?? [] };
  if (argv.json) process.stdout.write(formatJson(planJson(view)));
  else if (argv.markdown) process.stdout.write(renderPlanMarkdown(view));
  else process.stdout.write(renderPlanText(view, { color: useColor(process.stdout) }));
}
