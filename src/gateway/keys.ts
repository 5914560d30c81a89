/**
 * Gateway keys: each deployment's Alpaca-style key pairs (`APCA-API-KEY-ID` / `APCA-API-SECRET-KEY`).
 * A key pair is created by the admin and its secret shown once; only a SHA-256 of the secret is
 * kept (in the store's cursor `gateway.keys`, a JSON object by key id), so a leaked store leaks no
 * secret. Revoking a key refuses it from then on, also after a restart. The last time each key was
 * used is kept in memory (since this process started).
 *
 * Entry points: `GatewayKeys.load(store)` / `GatewayKeys.inMemory()` — `create`, `list`, `revoke`,
 * `verify`.
 * Invariants: a key id is unique forever (revoked ones stay listed as revoked); a secret is
 * compared in constant time; every change is written to the store before it is answered.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface KeyStore {
  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string): Promise<void>;
}

export const GATEWAY_KEYS_CURSOR = 'gateway.keys';

interface StoredKey {
  readonly deployment: string;
  readonly secret_sha256: string;
  readonly created_at: string;
  readonly revoked_at: string | null;
}

/** A key as the admin sees it: never its secret. */
export interface GatewayKeyView {
  readonly key_id: string;
  readonly deployment_id: string;
  readonly created_at: string;
  readonly revoked_at: string | null;
  /** The last request made with it since this process started, or null. */
  readonly last_used_at: string | null;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function readKeys(store: KeyStore): Promise<Map<string, StoredKey>> {
  const text = await store.getCursor(GATEWAY_KEYS_CURSOR);
  return new Map<string, StoredKey>(Object.entries(text ? (JSON.parse(text) as Record<string, StoredKey>) : {}));
}

export class GatewayKeys {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lastUsed = new Map<string, string>();

  private constructor(
    private readonly keys: Map<string, StoredKey>,
    private readonly store: KeyStore | undefined,
    private readonly now: () => Date,
  ) {}

  static async load(store: KeyStore, now: () => Date = () => new Date()): Promise<GatewayKeys> {
    return new GatewayKeys(await readKeys(store), store, now);
  }

  /**
   * Reads the keys again from the store (a standby: the writer creates and revokes keys; a
   * revoked key must be refused here too). In the key queue, so it never undoes a change made here.
   */
  reload(): Promise<void> {
    return this.serially(async () => {
      if (!this.store) return;
      const fresh = await readKeys(this.store);
      this.keys.clear();
      for (const [id, key] of fresh) this.keys.set(id, key);
    });
  }

  static inMemory(now: () => Date = () => new Date()): GatewayKeys {
    return new GatewayKeys(new Map(), undefined, now);
  }

  /** A new key pair for `deployment`; the secret is in this answer only. */
  create(deployment: string): Promise<{ keyId: string; secret: string; view: GatewayKeyView }> {
    return this.serially(async () => {
      let keyId = `SL${randomText(KEY_ALPHABET, 18)}`;
      while (this.keys.has(keyId)) keyId = `SL${randomText(KEY_ALPHABET, 18)}`;
      const secret = randomText(SECRET_ALPHABET, 40);
      const record: StoredKey = {
        deployment,
        secret_sha256: sha256(secret),
        created_at: this.now().toISOString(),
        revoked_at: null,
      };
      await this.save(new Map(this.keys).set(keyId, record));
      return { keyId, secret, view: this.view(keyId, record) };
    });
  }

  /** The keys of `deployment` (or every key), oldest first. */
  list(deployment?: string): GatewayKeyView[] {
    return [...this.keys.entries()]
      .filter(([, k]) => deployment === undefined || k.deployment === deployment)
      .map(([id, k]) => this.view(id, k))
      .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  }

  /** Revokes `keyId` of `deployment`; false when it has no such key. Idempotent. */
  revoke(deployment: string, keyId: string): Promise<GatewayKeyView | undefined> {
    return this.serially(async () => {
      const key = this.keys.get(keyId);
      if (!key || key.deployment !== deployment) return undefined;
      if (key.revoked_at !== null) return this.view(keyId, key);
      const revoked = { ...key, revoked_at: this.now().toISOString() };
      await this.save(new Map(this.keys).set(keyId, revoked));
      return this.view(keyId, revoked);
    });
  }

  /** The deployment a key pair belongs to, or undefined (unknown, revoked, or the wrong secret). */
  verify(keyId: string, secret: string): string | undefined {
    const key = this.keys.get(keyId);
    if (!key || key.revoked_at !== null) return undefined;
    const given = Buffer.from(sha256(secret), 'hex');
    if (!timingSafeEqual(given, Buffer.from(key.secret_sha256, 'hex'))) return undefined;
    this.lastUsed.set(keyId, this.now().toISOString());
    return key.deployment;
  }

  private view(keyId: string, key: StoredKey): GatewayKeyView {
    return {
      key_id: keyId,
      deployment_id: key.deployment,
      created_at: key.created_at,
      revoked_at: key.revoked_at,
      last_used_at: this.lastUsed.get(keyId) ?? null,
    };
  }

  private async save(next: Map<string, StoredKey>): Promise<void> {
    if (this.store) await this.store.setCursor(GATEWAY_KEYS_CURSOR, JSON.stringify(Object.fromEntries(next)));
    this.keys.clear();
    for (const [id, key] of next) this.keys.set(id, key);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
