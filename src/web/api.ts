/**
 * The dashboard's REST client: every read sends `Authorization: Bearer <token>` and returns the
 * API's JSON as is (decimals stay strings). The response types are the server's own view types
 * (type-only imports: nothing of the server is bundled), so a change there fails this build.
 *
 * The one exception is `GatewayKeyView`: the gateway's key routes live in src/http, which the
 * dashboard may not import, so its shape is repeated here (test/web/dashboard.test.ts fails the
 * typecheck when the two part).
 *
 * Entry point: `Api`. Every failure throws `ApiError` with the HTTP status and the API's error
 * `code` (or `NETWORK` when the server could not be reached).
 */
import type { AccountView, CapitalFlowView, DeploymentView, MetricsView, OrderView, TradePage } from '../app/api.js';
import type { BreachView, LossLimitsView } from '../app/risk/controls.js';
import type { FlattenView } from '../app/risk/flatten.js';
import type {
  EquitySeriesView,
  HistoryView,
  StatsOverviewView,
  StatsView,
} from '../app/performance/performance-api.js';
import type { PositionView } from '../app/performance/views.js';

export type {
  AccountView,
  BreachView,
  FlattenView,
  LossLimitsView,
  CapitalFlowView,
  DeploymentView,
  EquitySeriesView,
  HistoryView,
  MetricsView,
  OrderView,
  PositionView,
  StatsOverviewView,
  StatsView,
  TradePage,
};

/** One gateway key pair as `GET /deployments/{id}/gateway-keys` answers it: never its secret. */
export interface GatewayKeyView {
  readonly key_id: string;
  readonly deployment_id: string;
  readonly created_at: string;
  readonly revoked_at: string | null;
  /** The last request made with it since the server started, or null. */
  readonly last_used_at: string | null;
}

export type Session = { principal: 'admin' } | { principal: 'deployment'; deployment: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const enc = encodeURIComponent;

export class Api {
  constructor(private readonly token: string) {}

  /** Relative URLs: the API is the page's own origin (and path prefix, behind a proxy). */
  private async request(path: string, accept: string, payload?: object): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, {
        headers: {
          authorization: `Bearer ${this.token}`,
          accept,
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
        ...(payload ? { method: 'POST', body: JSON.stringify(payload) } : {}),
      });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', `The server could not be reached (${(error as Error).message}).`);
    }
    if (response.ok) return response;
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(
      response.status,
      body.code ?? `HTTP_${response.status}`,
      body.message ?? `${response.status} ${response.statusText}`,
    );
  }

  async get<T>(path: string): Promise<T> {
    return (await (await this.request(path, 'application/json')).json()) as T;
  }

  async post<T>(path: string, body: object): Promise<T> {
    return (await (await this.request(path, 'application/json', body)).json()) as T;
  }

  async text(path: string): Promise<string> {
    return (await this.request(path, 'text/csv')).text();
  }

  session = () => this.get<Session>('session');
  deployments = () => this.get<DeploymentView[]>('deployments');
  account = () => this.get<AccountView>('account');
  statsOverview = () => this.get<StatsOverviewView>('stats');
  metrics = (id: string) => this.get<MetricsView>(`deployments/${enc(id)}/metrics`);
  positions = (id: string) => this.get<PositionView[]>(`deployments/${enc(id)}/positions`);
  stats = (id: string) => this.get<StatsView>(`deployments/${enc(id)}/stats`);
  equity = (id: string, points: number) => this.get<EquitySeriesView>(`deployments/${enc(id)}/equity?points=${points}`);
  orders = (id: string, limit = 100) =>
    this.get<OrderView[]>(`deployments/${enc(id)}/orders?status=all&limit=${limit}`);
  capitalFlows = (id: string) => this.get<CapitalFlowView[]>(`deployments/${enc(id)}/capital-flows`);
  history = (id: string) => this.get<HistoryView>(`deployments/${enc(id)}/history?period=daily`);
  historyCsv = (id: string) => this.text(`deployments/${enc(id)}/history?period=daily&format=csv`);
  /** Admin only: a deployment token is answered 403. */
  gatewayKeys = (id: string) => this.get<GatewayKeyView[]>(`deployments/${enc(id)}/gateway-keys`);
  lossLimits = (id: string) => this.get<LossLimitsView>(`deployments/${enc(id)}/loss-limits`);
  breaches = (id: string) => this.get<BreachView[]>(`deployments/${enc(id)}/breaches`);
  /** The kill switch (admin, or the deployment's own token). */
  flatten = (id: string, reason: string) => this.post<FlattenView>(`deployments/${enc(id)}/flatten`, { reason });
  trades = (id: string, limit: number, cursor: string | null) =>
    this.get<TradePage>(`deployments/${enc(id)}/trades?limit=${limit}${cursor ? `&cursor=${enc(cursor)}` : ''}`);
}
