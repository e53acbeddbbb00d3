// The view of `starform force-unlock LOCK_ID` (lib/cli/force-unlock.ts): whose lock was
// removed — the state it locked, the operation, who held it and since when. Text only
// (the command has no --json).
import type { LockInfo } from '../state/index.js';
import { textView } from './view.js';

export const forceUnlockedView = textView<LockInfo>((holder, { out }) => {
  out.write(`Removed the lock of ${holder.path}: ${holder.operation} by ${holder.user}@${holder.host} (pid ${holder.pid}) since ${holder.created}.\n`);
});
