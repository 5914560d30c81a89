/**
 * The `subledger` command line: the entry point (bin/subledger.js runs its compiled form,
 * dist/cli/main.js; `npm run subledger` and the drills run this file through tsx). The commands are
 * listed in ./commands.ts, which imports only the one being run.
 */
import { buildProgram } from './commands.js';
import { failureMessage } from './context.js';

// Whatever escapes a command (a promise nobody awaited, a throw in a callback) still ends the
// process with one line and exit code 1, never a hang nor a half-alive server.
const crash = (error: unknown) => {
  console.error(`error: ${failureMessage(error)}`);
  if (process.env.SUBLEDGER_DEBUG) console.error(error);
  process.exit(1);
};
process.on('unhandledRejection', crash);
process.on('uncaughtException', crash);

await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
