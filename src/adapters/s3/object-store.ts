/**
 * The few object operations the S3 store needs, on `@aws-sdk/client-s3`: read an object with its
 * ETag, create one only if absent (`If-None-Match: *`), replace one only if unchanged
 * (`If-Match: <etag>`), delete one (the probe's own key only). Outcomes as AWS documents them: 412
 * a failed condition, 409 a concurrent conditional write, 404 (`If-Match` on a missing key).
 * Counts the HTTP requests it sends (retries included), for the benchmark.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Target } from './s3-target.js';

export type PutOutcome =
  | { readonly status: 'written'; readonly etag: string }
  /** 412: the key exists (`If-None-Match`) or its ETag changed (`If-Match`). */
  | { readonly status: 'failed' }
  /** 409: another conditional write to the key ran at the same time. */
  | { readonly status: 'conflict' }
  /** 404: `If-Match` on a key that does not exist. */
  | { readonly status: 'missing' };

export type Condition = { readonly ifAbsent: true } | { readonly ifMatch: string };

export interface StoredObject {
  readonly body: Uint8Array;
  readonly etag: string;
}

export interface ObjectStore {
  get(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: Uint8Array, condition: Condition): Promise<PutOutcome>;
  remove(key: string): Promise<void>;
  /** HTTP requests sent so far. */
  readonly requests: number;
  close(): void;
}

export interface S3ClientOptions {
  /** Called with the client before use (tests add middleware: an injected answer, headers dropped). */
  readonly configure?: (client: S3Client) => void;
}

const statusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private sent = 0;

  constructor(
    private readonly target: S3Target,
    options: S3ClientOptions = {},
  ) {
    // The pinned SDK supports Node 20 (engines >=20); its notice about later versions needing
    // Node 22 would otherwise land on every one-shot command's stderr.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: target.region,
      forcePathStyle: target.pathStyle,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    });
    // The deserialize step runs once per HTTP attempt (inside the retry loop): count there.
    this.client.middlewareStack.add(
      (next) => (args) => {
        this.sent++;
        return next(args);
      },
      { step: 'deserialize', name: 'subledgerCountRequests' },
    );
    options.configure?.(this.client);
  }

  get requests(): number {
    return this.sent;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: key }));
      const body = await answer.Body!.transformToByteArray();
      return { body, etag: answer.ETag ?? '' };
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw this.explain(error, `read ${key}`);
    }
  }

  async put(key: string, body: Uint8Array, condition: Condition): Promise<PutOutcome> {
    try {
      const answer = await this.client.send(
        new PutObjectCommand({
          Bucket: this.target.bucket,
          Key: key,
          Body: body,
          ...('ifAbsent' in condition ? { IfNoneMatch: '*' } : { IfMatch: condition.ifMatch }),
        }),
      );
      return { status: 'written', etag: answer.ETag ?? '' };
    } catch (error) {
      const status = statusOf(error);
      if (status === 412) return { status: 'failed' };
      if (status === 409) return { status: 'conflict' };
      if (status === 404 && 'ifMatch' in condition && (error as Error).name !== 'NoSuchBucket')
        return { status: 'missing' };
      throw this.explain(error, `write ${key}`);
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key: key }));
    } catch (error) {
      throw this.explain(error, `delete ${key}`);
    }
  }

  close(): void {
    this.client.destroy();
  }

  /** One clear line: what failed, where, and the server's answer. */
  private explain(error: unknown, what: string): Error {
    const e = error as Error;
    const where = `${this.target.location}${this.target.endpoint ? ` at ${this.target.endpoint}` : ''}`;
    if (e.name === 'NoSuchBucket') return new Error(`the bucket '${this.target.bucket}' does not exist (${where})`);
    const status = statusOf(error);
    return new Error(`S3 store ${where}: cannot ${what}: ${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}`, {
      cause: error,
    });
  }
}
