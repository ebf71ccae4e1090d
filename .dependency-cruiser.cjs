/**
 * The import rules of ARCHITECTURE.md, checked by `npm run lint` (depcruise src). A rule names what may NOT be
 * imported; a violation fails lint with the rule's name and comment.
 */
const SLICES = ['write', 'read', 'experiments', 'analytics'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...SLICES.map((slice) => ({
      name: `${slice}-imports-no-other-slice`,
      comment: `The ${slice} slice talks to the others through events and the shared kernel, never by import.`,
      severity: 'error',
      from: { path: `^src/${slice}/` },
      to: { path: `^src/(${SLICES.filter((s) => s !== slice).join('|')})/` },
    })),
    {
      name: 'libraries-import-no-slice',
      comment: 'http and observability are libraries every slice uses: they know no slice (slices pass them what they need).',
      severity: 'error',
      from: { path: '^src/(http|observability)/' },
      to: { path: `^src/(${SLICES.join('|')}|root)/` },
    },
    {
      name: 'evaluation-is-pure',
      comment: 'The evaluation engine (server and SDK share it) imports nothing above the shared kernel.',
      severity: 'error',
      from: { path: '^src/evaluation/' },
      to: { path: '^src/', pathNot: '^src/(evaluation|shared)/|^src/event-store/event-store[.]ts$' },
    },
    {
      name: 'kernel-imports-only-kernel',
      comment: 'The shared kernel (events, schemas, the command handler) stands on nothing but the event-store port.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/|^src/event-store/event-store[.]ts$' },
    },
    {
      name: 'sdk-imports-only-engine',
      comment: 'The SDK ships to applications: the evaluation engine and the kernel, nothing of the server.',
      severity: 'error',
      from: { path: '^src/sdk/' },
      to: { path: '^src/', pathNot: '^src/(sdk|evaluation|shared)/|^src/event-store/event-store[.]ts$' },
    },
    {
      name: 'cli-is-a-client',
      comment: 'The command line talks to the admin API over HTTP; of the slices it reuses only request schemas, to check files before sending them.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: `^src/(${SLICES.join('|')}|root|http|observability|event-store)/`, pathNot: '-schemas[.]ts$' },
    },
    {
      name: 'adapters-only-from-the-root',
      comment: 'Concrete adapters (event stores, buses, analytics stores) are chosen by the composition root alone; the rest uses their ports.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/root/|^src/(event-store|analytics/store|analytics/bus)/' },
      to: {
        path: '^src/event-store/(?!event-store[.]ts$|catch-up-subscription[.]ts$)|^src/analytics/store/(clickhouse|duckdb|lazy)-|^src/analytics/bus/(kafka|in-memory)-bus[.]ts$',
      },
    },
    {
      name: 'nothing-imports-the-root',
      comment: 'The composition root wires everything; nothing depends on it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/root/' },
      to: { path: '^src/root/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes two modules one; merge them or cut the edge.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
