/**
 * `subledger serve`: the REST API on the configured store and broker, until Ctrl-C. Prints the
 * URLs and tokens once on stdout (for people); logs JSON lines on stderr (`--log-level`). A start
 * that fails — a corrupt journal entry, a held lease, an unreachable broker — exits 1 with one
 * `error: …` line; a corrupt entry met while serving stops it with exit 1 as well.
 */
import type { Command } from 'commander';
import { type ConfigFlags, loadConfig } from '../config.js';
import type { Runtime } from '../server.js';
import { action, progressBar } from './context.js';
import { addRuntimeOptions } from './serve-options.js';

export function registerServe(program: Command): void {
  addRuntimeOptions(
    program
      .command('serve')
      .description('serve the REST API (and keep sleeves marked) on the configured store and broker until Ctrl-C'),
  ).action(
    action(async (opts: ConfigFlags) => {
      const config = loadConfig(opts);
      // The server (Fastify and the rest) loads here, so `serve --help` stays quick.
      const { createRuntime } = await import('../server.js');
      const bar = progressBar('loading journal');
      let runtime: Runtime;
      try {
        runtime = await createRuntime(config, { onLoad: bar.update });
      } finally {
        bar.stop();
      }
      const url = await runtime.serve();
      printAccess(runtime, url);
      await untilSignal(runtime);
    }),
  );
}

/** `subledger gateway`: `serve` with the Alpaca-compatible gateway on (default port 8081). */
export function registerGateway(program: Command): void {
  addRuntimeOptions(
    program
      .command('gateway')
      .description(
        "serve the Alpaca-compatible gateway (default port 8081: SUBLEDGER_GATEWAY_PORT) beside the REST API: bots written with Alpaca's clients trade their own sleeve",
      ),
  ).action(
    action(async (opts: ConfigFlags) => {
      const config = loadConfig({
        ...opts,
        gatewayPort: opts.gatewayPort ?? process.env.SUBLEDGER_GATEWAY_PORT ?? '8081',
      });
      const { createRuntime } = await import('../server.js');
      const bar = progressBar('loading journal');
      let runtime: Runtime;
      try {
        runtime = await createRuntime(config, { onLoad: bar.update, command: 'gateway' });
      } finally {
        bar.stop();
      }
      const url = await runtime.serve();
      printAccess(runtime, url);
      await untilSignal(runtime);
    }),
  );
}

export function printAccess(runtime: Runtime, url: string): void {
  const ids = runtime.app.listDeployments().map((d) => d.id);
  console.log(`\nSubledger dashboard at ${url}/  (sign in with a token below)`);
  console.log(`API at ${url}  (OpenAPI: ${url}/openapi.json, docs: ${url}/docs)`);
  console.log(
    `market: ${runtime.broker.source}${runtime.broker.source === 'simulated' ? ' (simulated prices, not real quotes)' : ''}`,
  );
  const gateway = runtime.gatewayUrl();
  if (gateway)
    console.log(
      `Alpaca-compatible gateway at ${gateway}  (APCA_API_BASE_URL for a bot; a key pair: POST ${url}/deployments/{id}/gateway-keys, or \`subledger keys create ID\`)`,
    );
  console.log(`admin token:  ${runtime.auth.adminToken}`);
  for (const id of ids) console.log(`token of ${id.padEnd(12)} ${runtime.tokenFor(id)}`);
  const first = ids[0];
  if (first) {
    console.log(
      `\ntry:\n  curl -s -H "Authorization: Bearer ${runtime.tokenFor(first)}" ${url}/deployments/${first}/metrics`,
    );
    console.log(
      `  curl -s -H "Authorization: Bearer ${runtime.tokenFor(first)}" ${url}/deployments/${first}/positions`,
    );
    console.log(`  curl -s -H "Authorization: Bearer ${runtime.tokenFor(first)}" ${url}/deployments/${first}/trades`);
  }
  console.log('\nCtrl-C to stop.');
}

export function untilSignal(runtime: Runtime): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log('\nstopping…');
      void runtime.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
