/**
 * Deployment tokens: who holds one and how the admin gets and replaces it.
 *
 * A token is `sld_<id>_<mac>`, derived from the token secret and the deployment's token generation
 * (`deploymentToken` in ./auth.ts): nothing per token is stored, so the admin can always be given
 * a deployment's current token again. `POST /deployments` returns it once, in its answer;
 * `POST /deployments/{id}/token` re-issues it: the generation goes up by one, the new token is
 * returned and the one before stops working at once. That is how a single deployment's token is
 * revoked (rotating the token secret revokes every deployment's token together).
 *
 * The generations are kept in the store (cursor `auth.token_generations`, a JSON object of the
 * deployments whose token was re-issued), written before a new token is handed out, so a revoked
 * token stays revoked after a restart. `DeploymentTokens.inMemory` keeps them in memory only
 * (tests, and a server built without a store).
 */
import { deploymentToken } from './auth.js';

/** What the deployment routes need: the current token of a deployment, and a new one. */
export interface TokenIssuer {
  /** The deployment's current token. */
  token(deployment: string): string;
  /** Issues a new token for the deployment and revokes the one before; resolves with it. */
  reissue(deployment: string): Promise<string>;
  /** The deployment's token generation (0 until re-issued), for authentication. */
  generationOf(deployment: string): number;
}

/** Where the generations are kept: the store's cursors. */
export interface GenerationStore {
  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string): Promise<void>;
}

export const TOKEN_GENERATIONS_CURSOR = 'auth.token_generations';

async function readGenerations(store: GenerationStore): Promise<Map<string, number>> {
  const text = await store.getCursor(TOKEN_GENERATIONS_CURSOR);
  const generations = new Map<string, number>();
  if (text) {
    const parsed: unknown = JSON.parse(text);
    for (const [id, n] of Object.entries(parsed as Record<string, unknown>))
      if (Number.isSafeInteger(n) && (n as number) > 0) generations.set(id, n as number);
  }
  return generations;
}

export class DeploymentTokens implements TokenIssuer {
  /** One re-issue at a time: each reads the generation the one before wrote. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly secret: string,
    private readonly generations: Map<string, number>,
    private readonly store: GenerationStore | undefined,
  ) {}

  /** The tokens of a store: its generations read once, every re-issue written there first. */
  static async load(secret: string, store: GenerationStore): Promise<DeploymentTokens> {
    return new DeploymentTokens(secret, await readGenerations(store), store);
  }

  /**
   * Reads the generations again (a standby: the writer re-issues tokens; an old token must stop
   * working here too). Takes the higher of what is kept and what is known, never going back.
   */
  async reload(): Promise<void> {
    if (!this.store) return;
    for (const [id, n] of await readGenerations(this.store)) if (n > this.generationOf(id)) this.generations.set(id, n);
  }

  /** Generations in memory only: a restart forgets every re-issue. */
  static inMemory(secret: string): DeploymentTokens {
    return new DeploymentTokens(secret, new Map(), undefined);
  }

  generationOf(deployment: string): number {
    return this.generations.get(deployment) ?? 0;
  }

  token(deployment: string): string {
    return deploymentToken(this.secret, deployment, this.generationOf(deployment));
  }

  reissue(deployment: string): Promise<string> {
    const next = this.queue.then(async () => {
      const generations = new Map(this.generations).set(deployment, this.generationOf(deployment) + 1);
      // Durable first: a token handed out is never one a restart would bring back the old one of.
      await this.store?.setCursor(TOKEN_GENERATIONS_CURSOR, JSON.stringify(Object.fromEntries(generations)));
      this.generations.set(deployment, generations.get(deployment)!);
      return this.token(deployment);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
