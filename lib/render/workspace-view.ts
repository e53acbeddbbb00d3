// The views of `starform workspace list | new NAME | delete NAME` (lib/cli/workspace.ts):
// the workspaces of a backend, the one --state names marked with `*`, and what creating or
// deleting one did. The command has no --json: each view is text only.
import { textView } from './view.js';

export const workspaceListView = textView<{ readonly names: readonly string[]; readonly current: string }>(({ names, current }, { out }) => {
  out.write(names.map((n) => `${n === current ? '*' : ' '} ${n}\n`).join(''));
});

export const workspaceCreatedView = textView<{ readonly name: string }>(({ name }, { out }) => {
  out.write(`Created workspace '${name}'. Use it with workspace=${name} in the --state URL.\n`);
});

export const workspaceDeletedView = textView<{ readonly name: string }>(({ name }, { out }) => {
  out.write(`Deleted workspace '${name}' with its state and history.\n`);
});
