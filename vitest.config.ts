import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src-*/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // test/reliability/*.test.ts: the seeded CI subset of the reliability suites.
          include: ['test/integration/**/*.test.ts', 'test/reliability/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // `npm run test:reliability` only (scripts/reliability.mjs sets COSDESK_RELIABILITY=1): every
      // seeded kill and fault run and the slow round trips; not part of `npx vitest run`.
      ...(process.env.COSDESK_RELIABILITY === '1'
        ? [
            {
              extends: true as const,
              test: {
                name: 'reliability',
                include: ['test/reliability/**/*.test.ts', 'test/unit/fault-proxy.test.ts'],
                env: { RELIABILITY_FULL: '1' },
                testTimeout: 900_000,
                hookTimeout: 600_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
