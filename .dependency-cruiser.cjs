/**
 * The import rules of DESIGN.md §2, checked in CI (`npm run lint`).
 * core → only core (it has no third-party dependency: the decimal type is our own bigint module);
 * app → core; adapters never import each other; nothing inward imports outward layers.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core imports only itself (no node:, no packages, no outer layers).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/' },
    },
    {
      name: 'app-imports-only-core',
      comment: 'src/app depends on core and on its own ports, never on adapters, http, cli or vendor SDKs.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(adapters|http|gateway|cli|web|server)', pathNot: '^src/core/' },
    },
    {
      name: 'app-no-vendor-sdks',
      severity: 'error',
      from: { path: '^src/app/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev'],
        path: '(better-sqlite3|pg|kysely|@alpacahq|@aws-sdk|nodemailer|fastify|ws)',
      },
    },
    {
      name: 'adapters-do-not-import-each-other',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/([^/]+)/', pathNot: '^src/adapters/$1/' },
    },
    {
      name: 'sim-is-pure',
      comment:
        'src/sim (the matching engine behind the paper broker and the emulator) is deterministic: core, itself and the broker port types only.',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { pathNot: '^src/(core|sim)/|^src/app/broker-port\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(\\.test\\.ts$|^src/web/dist)' },
  },
};
