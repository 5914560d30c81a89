/**
 * Test helpers for the reports: the fixed journal's books on a temporary SQLite file, the real
 * app over a paper broker resumed from those books (for a live reconciliation), a real SMTP
 * server in its own process (smtp-sink-server.mjs), a real MIME parser (python3's `email`
 * package, in a child process), and reading a table row's cells out of the report HTML.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { simulatedPaperBroker } from '../../src/adapters/paper/index.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { brokerStateFromBooks } from '../../src/app/trading/paper-resume.js';
import type { StorePort } from '../../src/app/ports/store-port.js';
import { Subledger } from '../../src/app/subledger.js';
import { type Dec, dec } from '../../src/core/decimal.js';
import { tempDir } from '../helpers/tmp.js';
import { loadFixedJournal } from './fixed-journal.js';

export interface FixedBooks {
  service: LedgerService;
  store: StorePort;
  dbPath: string;
  dir: string;
  close(): Promise<void>;
}

export async function openFixedBooks(): Promise<FixedBooks> {
  const { dir, cleanup } = tempDir('subledger-report-');
  const dbPath = join(dir, 'books.db');
  const store = await openWriterStore(dbPath, 'test');
  const service = await LedgerService.load(store);
  await loadFixedJournal(service);
  return {
    service,
    store,
    dbPath,
    dir,
    async close() {
      await store.close();
      cleanup();
    },
  };
}

/** The real app on the books, over a paper broker resumed from them (plus `extraCash` at the broker, to make drift). */
export async function appOnBooks(
  service: LedgerService,
  extraCash = '0',
): Promise<{ app: Subledger; close(): Promise<void> }> {
  const resume = brokerStateFromBooks(service.ledger);
  const broker = simulatedPaperBroker({
    seed: 1,
    symbols: 5,
    startingCash: (resume.cash! + dec(extraCash)) as Dec,
    openingPositions: resume.positions,
  });
  const app = new Subledger({ service, broker, market: broker, clock: broker.clock });
  await app.start();
  return {
    app,
    async close() {
      await app.stop();
      await broker.close();
    },
  };
}

const SINK = fileURLToPath(new URL('./smtp-sink-server.mjs', import.meta.url));

export interface SmtpSink {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Messages refused on purpose so far. */
  refused(): number;
  /** Resolves with the .eml paths once `n` messages arrived (rejects if the server exits first). */
  messages(n: number): Promise<string[]>;
  envelope(i: number): { from: string; to: string[] };
  stop(): Promise<void>;
}

/** Starts smtp-server in a child process on a free loopback port. */
export async function startSmtpSink(options: { failFirst?: number; failCode?: number } = {}): Promise<SmtpSink> {
  const { dir, cleanup } = tempDir('subledger-smtp-');
  const child: ChildProcess = spawn(process.execPath, [SINK, dir], {
    env: {
      ...process.env,
      SINK_FAIL_FIRST: String(options.failFirst ?? 0),
      SINK_FAIL_CODE: String(options.failCode ?? 421),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let received = 0;
  let refused = 0;
  let exited = false;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => {
      exited = true;
      wake();
      reject(new Error(`smtp sink exited (${code})`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [word, value] = line.split(' ');
      if (word === 'LISTENING') resolve(Number(value));
      if (word === 'RECEIVED') received = Number(value);
      if (word === 'REFUSED') refused = Number(value);
      wake();
    });
  });
  const files = (n: number) => Array.from({ length: n }, (_, i) => join(dir, `${i + 1}.eml`));
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    dir,
    refused: () => refused,
    async messages(n) {
      while (received < n) {
        if (exited) throw new Error(`the smtp sink exited after ${received} message(s)`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return files(n);
    },
    envelope: (i) => JSON.parse(readFileSync(join(dir, `${i + 1}.json`), 'utf8')) as { from: string; to: string[] },
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await gone;
      }
      cleanup();
    },
  };
}

export interface ParsedPart {
  type: string;
  cid: string | null;
  disposition: string | null;
  filename: string | null;
  content?: string;
  size?: number;
  png?: boolean;
  width?: number;
  height?: number;
}

export interface ParsedMessage {
  subject: string;
  from: string;
  to: string;
  mime_version: string | null;
  tree: { type: string; parts?: ParsedMessage['tree'][] };
  parts: ParsedPart[];
  defects: string[];
}

const PARSE = `
import sys, json, struct, email
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
def tree(part):
    node = {'type': part.get_content_type()}
    if part.is_multipart():
        node['parts'] = [tree(p) for p in part.iter_parts()]
    return node
parts = []
for part in msg.walk():
    if part.is_multipart():
        continue
    entry = {'type': part.get_content_type(), 'cid': part.get('Content-ID'), 'disposition': part.get_content_disposition(), 'filename': part.get_filename()}
    if part.get_content_maintype() == 'text':
        entry['content'] = part.get_content()
    else:
        data = part.get_payload(decode=True)
        entry['size'] = len(data)
        entry['png'] = data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        if entry['png']:
            entry['width'], entry['height'] = struct.unpack('>II', data[16:24])
    parts.append(entry)
defects = [str(d) for p in msg.walk() for d in p.defects]
print(json.dumps({'subject': str(msg['subject']), 'from': str(msg['from']), 'to': str(msg['to']), 'mime_version': msg['MIME-Version'], 'tree': tree(msg), 'parts': parts, 'defects': defects}))
`;

/** Parses a raw message with python3's standard `email` package (a real MIME parser). */
export function parseMime(file: string): ParsedMessage {
  return JSON.parse(execFileSync('python3', ['-c', PARSE, file], { encoding: 'utf8' })) as ParsedMessage;
}

const unescape = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();

/** The cells of the HTML table row `data-row="<row>"`, by their `data-col`, as the text shown. */
export function rowCells(html: string, row: string): Record<string, string> {
  const match = new RegExp(
    `<tr[^>]*data-row="${row.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</tr>`,
  ).exec(html);
  if (!match) throw new Error(`no row ${row} in the HTML`);
  const cells: Record<string, string> = {};
  for (const m of match[1]!.matchAll(/<td[^>]*data-col="([a-z_]+)"[^>]*>([\s\S]*?)<\/td>/g))
    cells[m[1]!] = unescape(m[2]!);
  return cells;
}

/** The inline style of the cell `col` in row `row`. */
export function cellStyle(html: string, row: string, col: string): string {
  const match = new RegExp(`<tr[^>]*data-row="${row}"[^>]*>([\\s\\S]*?)</tr>`).exec(html);
  const cell = match && new RegExp(`<td[^>]*data-col="${col}"[^>]*style="([^"]*)"`).exec(match[1]!);
  if (!cell) throw new Error(`no cell ${row}/${col}`);
  return cell[1]!;
}
