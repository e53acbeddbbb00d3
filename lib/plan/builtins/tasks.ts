// The task builtins of the plan module: run_sh and run_python (one-off containers that
// may store files artifacts).
import { optional, withDefault, type Value } from '../../starlark/index.js';
import type { JsonObject } from '../../util/json.js';
import { checkEnvVars } from '../env-names.js';
import { stringList, stringMap } from '../types/index.js';
import { BIND_MOUNTS, TASK_IMAGE, bool, description, dict, durationOrNone, list, nonEmptyText, text, within, type Def, type PlanBuilder } from './common.js';

export function defineTaskBuiltins(b: PlanBuilder, def: Def): void {
  const taskCommon = {
    files: optional(dict),
    store: optional(list),
  };
  const taskTail = {
    wait: withDefault(durationOrNone, '180s'),
    acceptable_codes: optional(list),
    skip_code_check: withDefault(bool, false),
    node_selectors: optional(dict),
    tolerations: optional(list),
    privileged: withDefault(bool, false),
    host_pid_namespace: withDefault(bool, false),
    bind_mounts: optional(BIND_MOUNTS),
    description,
  };
  // Kurtosis's run_python has no host-access parameters; starform takes them by keyword
  // only, so that run_python's positional `description` stays where Kurtosis has it.
  const { privileged: _p, host_pid_namespace: _h, bind_mounts: _b, ...pythonTail } = taskTail;
  const pythonHostAccess = {
    privileged: withDefault(bool, false, { keywordOnly: true }),
    host_pid_namespace: withDefault(bool, false, { keywordOnly: true }),
    bind_mounts: optional(BIND_MOUNTS, { keywordOnly: true }),
  };

  def(
    'run_sh',
    {
      name: optional(nonEmptyText),
      run: text,
      image: withDefault(TASK_IMAGE, 'badouralix/curl-jq' as Value),
      ...taskCommon,
      env_vars: optional(dict),
      ...taskTail,
    },
    (a, ctx) => {
      const env = within('run_sh', () => checkEnvVars(stringMap(a.env_vars, 'env_vars'), 'env_vars'));
      return b.task('run_sh', a, { env_vars: env }, ctx.thread);
    },
  );

  def(
    'run_python',
    {
      name: optional(nonEmptyText),
      run: text,
      args: optional(list),
      packages: optional(list),
      image: withDefault(TASK_IMAGE, 'python:3.11-alpine' as Value),
      ...taskCommon,
      ...pythonTail,
      ...pythonHostAccess,
    },
    (a, ctx) => {
      const extra: JsonObject = {
        args: within('run_python', () => stringList(a.args, 'args')),
        packages: within('run_python', () => stringList(a.packages, 'packages')),
      };
      return b.task('run_python', a, extra, ctx.thread);
    },
  );
}
