/**
 * What the S3 store keeps under its prefix, and the JSON of each object:
 *
 *   <prefix>/manifest.json                 the writer lease, the log's head, the latest snapshot;
 *                                          replaced only by compare-and-swap (If-Match: <etag>)
 *   <prefix>/log/<position, 20 digits>.json one object per write (a batch of journal rows with
 *                                          their projections, history rows, a cursor, replaced
 *                                          projections, or a new writer's fence), created only
 *                                          if absent (If-None-Match: *), never rewritten
 *   <prefix>/snapshot/<position>.sqlite.gz  the replica's image after the log object at position
 *   <prefix>/probe/<uuid>                  the start-up probe's scratch key (deleted after it)
 *
 * Positions start at 1 and have no gap. Each log object carries the epoch of the writer that
 * wrote it; along the log, epochs never go down.
 */
import type { HistoryRow, JournalRecord, LeaseHolder, Projections, WriterLease } from '../../app/ports/store-port.js';

export type LogOp =
  | { readonly op: 'fence'; readonly holder: LeaseHolder }
  | { readonly op: 'commit'; readonly journal: readonly JournalRecord[]; readonly projections: Projections }
  | { readonly op: 'history'; readonly rows: readonly HistoryRow[] }
  | { readonly op: 'cursor'; readonly name: string; readonly value: string }
  | { readonly op: 'replace'; readonly projections: Projections; readonly throughSeq?: number };

const LOG_FORMAT = 'subledger-s3-log/1';
const MANIFEST_FORMAT = 'subledger-s3-manifest/1';

export interface LogObject {
  readonly format: typeof LOG_FORMAT;
  readonly position: number;
  readonly epoch: number;
  /** A random id per claim of the lease: tells this writer's objects from any other's. */
  readonly writer: string;
  readonly ops: readonly LogOp[];
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly epoch: number;
  readonly holder: LeaseHolder;
  readonly since: number;
  readonly expiresAt: number;
  /** A log position known to exist (a hint: the log may go further). */
  readonly head: number;
  readonly snapshot: { readonly position: number; readonly key: string } | null;
  /** Random per version: after a write whose answer was lost, tells whether it landed. */
  readonly nonce: string;
}

export class StoreKeys {
  constructor(private readonly prefix: string) {}
  private at(rest: string): string {
    return this.prefix ? `${this.prefix}/${rest}` : rest;
  }
  readonly manifest = (): string => this.at('manifest.json');
  readonly log = (position: number): string => this.at(`log/${String(position).padStart(20, '0')}.json`);
  readonly snapshot = (position: number): string => this.at(`snapshot/${String(position).padStart(20, '0')}.sqlite.gz`);
  readonly probe = (id: string): string => this.at(`probe/${id}`);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function logObject(position: number, epoch: number, writer: string, ops: readonly LogOp[]): LogObject {
  return { format: LOG_FORMAT, position, epoch, writer, ops };
}

export const encode = (value: LogObject | Manifest): Uint8Array => encoder.encode(JSON.stringify(value));

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

export function decodeLog(body: Uint8Array, key: string): LogObject {
  let value: Partial<LogObject>;
  try {
    value = JSON.parse(decoder.decode(body)) as Partial<LogObject>;
  } catch (error) {
    throw new Error(`corrupt log object ${key}: not JSON (${(error as Error).message})`, { cause: error });
  }
  if (value.format !== LOG_FORMAT) throw new Error(`corrupt log object ${key}: format is not ${LOG_FORMAT}`);
  if (
    !isCount(value.position) ||
    !isCount(value.epoch) ||
    typeof value.writer !== 'string' ||
    !Array.isArray(value.ops)
  )
    throw new Error(`corrupt log object ${key}: position, epoch, writer or ops missing`);
  return value as LogObject;
}

export function decodeManifest(body: Uint8Array, key: string): Manifest {
  let value: Partial<Manifest>;
  try {
    value = JSON.parse(decoder.decode(body)) as Partial<Manifest>;
  } catch (error) {
    throw new Error(`corrupt manifest ${key}: not JSON (${(error as Error).message})`, { cause: error });
  }
  if (value.format !== MANIFEST_FORMAT) throw new Error(`corrupt manifest ${key}: format is not ${MANIFEST_FORMAT}`);
  if (!isCount(value.epoch) || !isCount(value.head) || !isCount(value.expiresAt) || typeof value.holder !== 'object')
    throw new Error(`corrupt manifest ${key}: epoch, head, expiresAt or holder missing`);
  return value as Manifest;
}

export function manifest(fields: Omit<Manifest, 'format'>): Manifest {
  return { format: MANIFEST_FORMAT, ...fields };
}

export function leaseOf(m: Manifest): WriterLease {
  return { epoch: m.epoch, holder: m.holder, since: m.since, expiresAt: m.expiresAt };
}
