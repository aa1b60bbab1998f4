import { defineConfig } from 'vitest/config';

/**
 * Two projects: everything on SQLite, and, when a PostgreSQL cluster is available
 * (SWITCHBOARD_TEST_PG_URL, which `.ci/run` sets), the storage conformance suite and the
 * end-to-end suite again on PostgreSQL. A third, `packaging`, installs the packages as a user
 * would (SWITCHBOARD_TEST_PACKAGING=1).
 */
const pgUrl = process.env.SWITCHBOARD_TEST_PG_URL;
/** `npm run test:packaging` (and `.ci/run`): pack, install and use the tarballs (minutes). */
const packaging = process.env.SWITCHBOARD_TEST_PACKAGING === '1';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: end-to-end files start real servers, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
          ],
          // Several processes on one database: PostgreSQL only.
          exclude: ['**/node_modules/**', 'packages/server/test/postgres/**'],
          env: { SWITCHBOARD_TEST_DB: 'sqlite' },
        },
      },
      ...(pgUrl
        ? [
            {
              extends: true,
              test: {
                name: 'postgres',
                include: [
                  'packages/server/test/conformance/**/*.test.ts',
                  'packages/server/test/e2e/**/*.test.ts',
                  'packages/server/test/postgres/**/*.test.ts',
                ],
                env: { SWITCHBOARD_TEST_DB: 'postgres' },
              },
            },
          ]
        : []),
      ...(packaging
        ? [
            {
              extends: true,
              test: { name: 'packaging', include: ['test/packaging/**/*.test.ts'] },
            },
          ]
        : []),
    ],
  },
});
