import { defineConfig } from 'vitest/config';

/**
 * The suites `npm run mutate` (StrykerJS) runs against each mutant: the in-process tests of the QuickBooks
 * Online connection, the money helpers and the Web Connector metrics. Suites that spawn the built CLI or
 * child processes are left out: a mutant lives in Stryker's sandbox source, not in dist/ or a child bundle.
 */
const suites = [
  'test/shared/**/*.test.ts',
  'test/qbo-limits/**/*.test.ts',
  'test/qbo-client/**/*.test.ts',
  'test/qbo-auth/**/*.test.ts',
  'test/qbwc-data/metrics.test.ts',
  'test/qbwc-data/pnl.test.ts',
  'test/qbwc-data/mappings.test.ts',
];

/** MUTATE_TESTS=glob,glob narrows a run to the suites that cover the files given with --mutate. */
const narrowed = process.env.MUTATE_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    include: narrowed?.length ? narrowed : suites,
    exclude: [
      'test/qbo-client/limiter-processes.test.ts',
      'test/qbo-auth/cross-process.test.ts',
      'test/qbo-auth/authorize-cli.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
  },
});
