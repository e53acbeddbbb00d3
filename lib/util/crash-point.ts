// Named points at which the crash tests have starform killed, to reproduce a crash at an
// exact moment (between creating a network and recording it, say) rather than by timing.
// With STARFORM_TEST_CRASH_AT=<name> in the environment the process sends itself SIGKILL
// on reaching that point: no handler, exit hook or finally block runs, as in a real
// crash or an out-of-memory kill. Without the variable a point costs one lookup.
export function crashPoint(name: string): void {
  if (process.env['STARFORM_TEST_CRASH_AT'] === name) process.kill(process.pid, 'SIGKILL');
}
