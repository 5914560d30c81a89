/**
 * `subledger keys create|list|revoke`: a deployment's gateway key pairs, through the admin API of
 * the running `serve` (the one writer of the store): `--url` (env SUBLEDGER_URL, default
 * http://127.0.0.1:8080) and `--admin-token` (env SUBLEDGER_ADMIN_TOKEN). `create` prints the
 * secret this once, with the environment a bot needs.
 */
import type { Command } from 'commander';
import { action } from './context.js';

interface Connection {
  url?: string;
  adminToken?: string;
}

async function call(opts: Connection, method: string, path: string): Promise<unknown> {
  const base = (opts.url ?? process.env.SUBLEDGER_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const token = opts.adminToken ?? process.env.SUBLEDGER_ADMIN_TOKEN;
  if (!token) throw new Error('--admin-token (or SUBLEDGER_ADMIN_TOKEN) is required: `serve` prints it at start');
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new Error(`cannot reach ${base} (${(error as Error).message}): is \`subledger serve\` running?`, {
      cause: error,
    });
  }
  const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!response.ok) throw new Error(`${response.status} ${body.code ?? ''}: ${body.message ?? ''}`.trim());
  return body;
}

const withConnection = (command: Command) =>
  command
    .option('--url <url>', 'the running serve (env SUBLEDGER_URL, default http://127.0.0.1:8080)')
    .option('--admin-token <token>', 'its admin token (env SUBLEDGER_ADMIN_TOKEN)');

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description("a deployment's key pairs for the Alpaca-compatible gateway (serve --gateway-port)");
  withConnection(keys.command('create <id>').description('create a key pair; the secret is shown this once')).action(
    action(async (id: string, opts: Connection) => {
      const created = (await call(opts, 'POST', `/deployments/${encodeURIComponent(id)}/gateway-keys`)) as {
        key_id: string;
        secret: string;
      };
      console.log(`APCA_API_KEY_ID=${created.key_id}`);
      console.log(`APCA_API_SECRET_KEY=${created.secret}`);
      console.log(`# the secret is shown this once; point the bot's APCA_API_BASE_URL at the gateway`);
    }),
  );
  withConnection(keys.command('list <id>').description("a deployment's keys (never their secrets)")).action(
    action(async (id: string, opts: Connection) => {
      const list = (await call(opts, 'GET', `/deployments/${encodeURIComponent(id)}/gateway-keys`)) as {
        key_id: string;
        created_at: string;
        revoked_at: string | null;
        last_used_at: string | null;
      }[];
      if (list.length === 0) console.log(`no gateway keys for ${id}`);
      for (const k of list)
        console.log(
          `${k.key_id}  created ${k.created_at}  ${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}  last used ${k.last_used_at ?? 'never (since the server started)'}`,
        );
    }),
  );
  withConnection(keys.command('revoke <id> <keyId>').description('revoke a key at once')).action(
    action(async (id: string, keyId: string, opts: Connection) => {
      await call(opts, 'DELETE', `/deployments/${encodeURIComponent(id)}/gateway-keys/${encodeURIComponent(keyId)}`);
      console.log(`revoked ${keyId} of ${id}`);
    }),
  );
}
