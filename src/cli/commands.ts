/**
 * The commands of `subledger`, and the program that holds them.
 *
 * Each command lives in its own file, whose `registerX(program)` declares its arguments, options,
 * description and action. This file lists them with a one-line summary and imports only the file
 * of the command being run (dynamic `import()`): `subledger --help` loads commander and nothing
 * else, `subledger books` never loads Fastify, MJML, ECharts, resvg or pg, and
 * `subledger <command> --help` still shows every option of that command. The other commands are
 * placeholders with their name, usage and summary, which is all the top-level help and commander's
 * "unknown command (did you mean …?)" need.
 *
 * Invariant (test/cli-built.test.ts): each entry's `load()` registers a command of that name with
 * that usage.
 */
import { Command } from 'commander';

type Register = (program: Command) => void;

export interface CommandEntry {
  readonly name: string;
  /** As commander prints it after the name: `[options] <file>`. */
  readonly usage: string;
  /** The line `subledger --help` shows; `subledger <name> --help` shows the full description. */
  readonly summary: string;
  readonly load: () => Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'demo',
    usage: '[options]',
    summary: 'a simulated multi-bot session on the paper broker, then the API',
    load: async () => (await import('./demo.js')).registerDemo,
  },
  {
    name: 'serve',
    usage: '[options]',
    summary: 'serve the REST API and the dashboard until Ctrl-C',
    load: async () => (await import('./serve.js')).registerServe,
  },
  {
    name: 'gateway',
    usage: '[options]',
    summary: "serve with the Alpaca-compatible gateway on: bots keep Alpaca's own clients",
    load: async () => (await import('./serve.js')).registerGateway,
  },
  {
    name: 'import',
    usage: '[options] <file>',
    summary: 'load a JSON-lines journal, all or nothing',
    load: async () => (await import('./import.js')).registerImport,
  },
  {
    name: 'keys',
    usage: '[options] [command]',
    summary: "a deployment's key pairs for the Alpaca-compatible gateway",
    load: async () => (await import('./keys.js')).registerKeys,
  },
  {
    name: 'books',
    usage: '[options]',
    summary: "print every deployment's sleeve (--json: exact decimal strings)",
    load: async () => (await import('./books.js')).registerBooks,
  },
  {
    name: 'replay',
    usage: '[options]',
    summary: 'rebuild the projections from the journal and report differences',
    load: async () => (await import('./replay.js')).registerReplay,
  },
  {
    name: 'reconcile',
    usage: '[options]',
    summary: 'check broker = Σ sleeves + house; exit 2 when it does not balance',
    load: async () => (await import('./reconcile.js')).registerReconcile,
  },
  {
    name: 'rebalance',
    usage: '[options]',
    summary: 'run the multi-strategy rebalance once (--dry-run: the plan only)',
    load: async () => (await import('./rebalance.js')).registerRebalance,
  },
  {
    name: 'summary',
    usage: '[options] [id]',
    summary: "print a rebalance run's execution summary",
    load: async () => (await import('./summary.js')).registerSummary,
  },
  {
    name: 'report',
    usage: '[options]',
    summary: 'the per-strategy P&L report: text, HTML (--out) or email (--email)',
    load: async () => (await import('./report.js')).registerReport,
  },
  {
    name: 'emulator',
    usage: '[options]',
    summary: 'run a local Alpaca emulator for bots and tests',
    load: async () => (await import('./emulator.js')).registerEmulator,
  },
  {
    name: 'tax',
    usage: '[options] [command]',
    summary: 'account-level tax views: the wash sales across every sleeve (not tax advice)',
    load: async () => (await import('./tax.js')).registerTax,
  },
  {
    name: 'flatten',
    usage: '[options] <id>',
    summary: "cancel one deployment's orders, close exactly its positions, stop it",
    load: async () => (await import('./flatten.js')).registerFlatten,
  },
  {
    name: 'history',
    usage: '[options]',
    summary: 'print the P&L history log (daily closes, monthly roll-up, rebalance runs)',
    load: async () => (await import('./history.js')).registerHistory,
  },
];

/** The command `argv` (the arguments after `subledger`) runs or asks help for, if any. */
export function commandIn(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * The program for `argv`: the command it names fully registered (its file imported), every other
 * command a placeholder. `buildProgram(undefined, true)` registers every command (tests).
 */
export async function buildProgram(argv: readonly string[] = process.argv.slice(2), all = false): Promise<Command> {
  const wanted = commandIn(argv);
  const program = new Command();
  program
    .name('subledger')
    .description(
      'Per-bot sub-accounts (sleeves) on one brokerage account: exact P&L per deployment that always adds up to the broker.',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .configureHelp({
      sortSubcommands: false,
      subcommandTerm: (command) => [command.name(), command.usage()].filter(Boolean).join(' '),
    });
  for (const entry of COMMANDS) {
    if (all || entry.name === wanted) {
      (await entry.load())(program);
      continue;
    }
    program
      .command(entry.name)
      .usage(entry.usage)
      .summary(entry.summary)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        // Not reached: the command named on the command line is always fully registered.
        throw new Error(`internal: command '${entry.name}' was not loaded`);
      });
  }
  return program;
}
