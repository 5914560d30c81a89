/**
 * The composition root's choice of adapters for the one-shot CLI commands (the server's is in
 * src/server.ts): which store a `--db` target opens, the SMTP mailer of `report --email`. Every
 * adapter is imported only when it is used, so `subledger <command> --help` and `books` load no
 * database driver or mail library they do not need.
 *
 * Entry points: `openStoreAt`, `readStoredBooksAt`, `storeTarget`, `smtpMailer`, `thisProcess`.
 */
import { hostname } from 'node:os';
import { processHolder } from '../app/cluster/writer-lease.js';
import type { MailerPort } from '../app/ports/mailer-port.js';
import type { LeaseHolder, StoredBooks, StorePort } from '../app/ports/store-port.js';
import { isS3Url } from '../adapters/s3/s3-target.js';

/** Opens the store at `target` (a SQLite path, a PostgreSQL URL or s3://…); `mustExist`: never create one. */
export async function openStoreAt(target: string, mustExist: boolean): Promise<StorePort> {
  if (isS3Url(target)) {
    const [{ openS3Store }, { openMemoryReplica }] = await Promise.all([
      import('../adapters/s3/open-s3-store.js'),
      import('../adapters/sql/memory-replica.js'),
    ]);
    return openS3Store(target, { mustExist, openReplica: openMemoryReplica });
  }
  const { openExistingStore, openStore } = await import('../adapters/sql/open-store.js');
  return mustExist ? openExistingStore(target) : openStore(target);
}

/** The books as the store's projections hold them, when the store vouches for them (see books). */
export async function readStoredBooksAt(target: string): Promise<{ books: StoredBooks } | { reason: string }> {
  if (isS3Url(target)) {
    const [{ readS3StoredBooks }, { openMemoryReplica }] = await Promise.all([
      import('../adapters/s3/open-s3-store.js'),
      import('../adapters/sql/memory-replica.js'),
    ]);
    return readS3StoredBooks(target, openMemoryReplica);
  }
  const { readStoredBooks } = await import('../adapters/sql/open-store.js');
  return readStoredBooks(target);
}

/** What kind of target `--db` names, and how to show it without its password. */
export async function storeTarget(target: string): Promise<{ postgres: boolean; shown: string }> {
  const { isPostgresUrl, redactUrl } = await import('../adapters/sql/open-store.js');
  const postgres = isPostgresUrl(target);
  return { postgres, shown: postgres ? redactUrl(target) : target };
}

/** The SMTP mailer for `smtp://…` / `smtps://…`. */
export async function smtpMailer(url: string): Promise<MailerPort> {
  const { createSmtpMailer } = await import('../adapters/smtp/smtp-mailer.js');
  return createSmtpMailer(url);
}

/** This process as a writer-lease holder (its host name read here, at the edge). */
export function thisProcess(command: string): LeaseHolder {
  return processHolder(command, hostname());
}
