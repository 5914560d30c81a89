/**
 * The import rules of DESIGN.md §2, checked in CI (`npm run lint`): ports and adapters around a
 * pure core, imports pointing inward only, and only the composition root choosing adapters.
 *
 *   core      → core                       (pure: no node:, no package, no outer layer)
 *   app       → core, zod, node:crypto, node:async_hooks
 *   sim       → core, app/ports/broker-port.ts   (the deterministic matching engine)
 *   adapters  → core, app, sim, their own folder; never another adapter
 *   emulator  → core, sim, app/ports/broker-port.ts (a stand-in for Alpaca: never the adapter it tests)
 *   engine    → core, app (the application itself only through app/ports/engine-port.ts)
 *   reports   → core, app
 *   http      → core, app, engine types
 *   web       → core, app types            (it talks to http over the network; browser code)
 *   cli, config.ts, logging.ts … → anything but adapters
 *   composition root (src/server.ts, src/read-only-runtime.ts, src/runtime-broker.ts, src/main/) → anything
 *
 * Every layer's rule is an allow-list of what it may import, so a break is reported by exactly
 * one rule, the one named after the layer it leaves. Each rule has a fixture that breaks it
 * (test/lint-fixtures/<rule>/src/…) and test/lint-rules.test.ts proves the rule reports it, and
 * nothing else does, and that src has no violation beyond the EXCEPTIONS listed below.
 *
 * Test files are not checked (they may reach anything); src/web/dist is built output.
 */
/**
 * The folders whose rule below lists everything they may import (no adapter for any of them but
 * adapters). Any other file that is not the composition root — src/cli, src/config.ts,
 * src/logging.ts, a new folder — may import anything except an adapter.
 */
const LAYERS = 'core|app|sim|adapters|emulator|engine|reports|http|web';
/** The composition root: config → adapters → app → edges. Only it may choose adapters. */
const COMPOSITION_ROOT = '^src/(server|runtime-broker|read-only-runtime)\\.ts$|^src/main/';

/**
 * Known breaks of the rules, one import each (from → to), each with the issue that removes it.
 * Nothing else is excused: the same rule still holds for every other import of these files, and
 * test/lint-rules.test.ts fails when an exception is no longer needed (delete it then).
 */
const EXCEPTIONS = [];

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core imports only itself: no node: module, no package, no outer layer (DESIGN §2).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/' },
    },
    {
      name: 'app-imports-only-core',
      comment:
        'src/app (use cases and their ports) imports only core from src: not adapters, engine, sim, http, cli, reports, config, logging or the composition root.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/', pathNot: '^src/(app|core)/' },
    },
    {
      name: 'app-uses-no-io-or-vendor-package',
      comment:
        'src/app reaches the world only through its ports: of packages it may use zod (parsing) and devalue (checkpoint encoding), of Node node:crypto (ids) and node:async_hooks (the writer queue); no vendor SDK (fastify, pg, better-sqlite3, kysely, @aws-sdk, nodemailer, ws, mjml, echarts, pino, …) and no I/O module (fs, net, http, os, child_process, …).',
      severity: 'error',
      from: { path: '^src/app/' },
      // devalue: the checkpoints' pure encoding of the folded state (src/app/journal/checkpoint.ts), no I/O.
      to: { pathNot: '^src/|^(node:)?(crypto|async_hooks)$|(^|/)node_modules/(zod|devalue)/' },
    },
    {
      name: 'sim-is-pure',
      comment:
        'src/sim (the matching engine behind the paper broker and the emulator) is deterministic: core, itself and the broker port types only.',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { pathNot: '^src/(core|sim)/|^src/app/ports/broker-port\\.ts$' },
    },
    {
      name: 'adapters-implement-app-ports',
      comment:
        'An adapter implements app ports with core types (the paper broker on sim): it never imports engine, http, cli, reports, web, the emulator, config or the composition root.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/', pathNot: '^src/(core|app|sim|adapters)/' },
    },
    {
      name: 'adapters-do-not-import-each-other',
      comment: 'src/adapters/<x> never imports src/adapters/<y>: only the composition root puts adapters together.',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/([^/]+)/', pathNot: '^src/adapters/$1/' },
    },
    {
      name: 'emulator-stands-alone',
      comment:
        "src/emulator is a stand-in for Alpaca that the Alpaca adapter is tested against: it shares sim and the broker port's types, never the adapter (or the app) it would then agree with by construction.",
      severity: 'error',
      from: { path: '^src/emulator/' },
      to: { path: '^src/', pathNot: '^src/(core|sim|emulator)/|^src/app/ports/broker-port\\.ts$' },
    },
    {
      name: 'engine-reaches-only-the-app',
      comment:
        'src/engine (the multi-strategy engine) uses core and the app; never an adapter, http, cli, reports, sim or the composition root.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/', pathNot: '^src/(core|app|engine)/' },
    },
    {
      name: 'engine-uses-its-port',
      comment:
        'src/engine reaches the application through src/app/ports/engine-port.ts only: never the Subledger facade, the ledger service, the router, the internal book, the lifecycle, the recorder or the store port themselves, nor the services the facade wires (src/app/sleeves, src/app/account, trading/deployment-orders.ts).',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: {
        path: '^src/app/(subledger|sleeves/[^/]+|account/[^/]+|trading/deployment-orders|journal/ledger-service|trading/order-router|trading/order-book|trading/order-lifecycle|marks/recorder|ports/store-port|cluster/writer-lease)\\.ts$',
      },
    },
    {
      name: 'reports-read-through-the-app',
      comment:
        'src/reports builds reports from what the app gives it (mail goes through the mailer port): never an adapter, engine, http, cli or the composition root.',
      severity: 'error',
      from: { path: '^src/reports/' },
      to: { path: '^src/', pathNot: '^src/(core|app|reports)/' },
    },
    {
      name: 'http-is-an-edge-of-the-app',
      comment:
        'src/http (REST API, OpenAPI, auth) knows the app facade and core: never an adapter, cli, reports, sim, the emulator, web code or the composition root.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/', pathNot: '^src/(core|app|http|engine)/' },
    },
    {
      name: 'http-uses-engine-types-only',
      comment:
        "src/http shows the engine's runs (types only, `import type`); what it calls is handed in (RebalanceApi).",
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/engine/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'web-talks-to-http-over-the-network',
      comment:
        "src/web (the dashboard) imports only itself, core (pure formatting) and the app's view types: it reaches everything else through the REST API.",
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/', pathNot: '^src/(web|core|app)/' },
    },
    {
      name: 'web-uses-app-types-only',
      comment: 'src/web imports the JSON shapes of the API from src/app as types (`import type`), never its code.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/app/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'web-runs-in-the-browser',
      comment: 'src/web is browser code: no node: module (its build config, vite.config.ts, runs in Node).',
      severity: 'error',
      from: { path: '^src/web/', pathNot: '^src/web/vite\\.config\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'only-the-composition-root-chooses-adapters',
      comment:
        'Outside the layers above (each of which already may not import an adapter), only the composition root imports src/adapters: the CLI, config and logging get adapters handed to them.',
      severity: 'error',
      from: { pathNot: `^src/(${LAYERS})/|${COMPOSITION_ROOT}` },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycle, inside a layer or across layers.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'imports-resolve',
      comment: 'Every import resolves to a file or package: one that does not would escape every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // Absolute, so that the config also works on a fixture tree (test/lint-rules.test.ts).
    tsConfig: { fileName: `${__dirname}/tsconfig.json` },
    // Resolve packages by their "exports" as Node does (vite has no "main").
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    exclude: { path: '(\\.test\\.ts$|^src/web/dist)' },
    // Reported as "ignored" instead of failing the lint (and only these imports).
    knownViolations: EXCEPTIONS.map(({ rule, from, to }) => ({
      type: 'dependency',
      from,
      to,
      rule: { name: rule, severity: 'error' },
    })),
  },
};
