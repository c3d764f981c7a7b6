import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take longest (a real package manager's install, the pre-commit framework
// building its hook environment, hundreds of CLI runs), longest first: started first, they run
// beside the many short files instead of alone at the end. The others keep vitest's order
// (the last run's durations when it has them, else the largest file first).
const LONG_FIRST = [
  'test/pre-commit-framework.test.ts',
  'test/install-package-managers.test.ts',
  'test/install-package-managers-pnpm-yarn.test.ts',
  'test/install-package-managers-bun-yarn4.test.ts',
  'test/cache-integrity.test.ts',
  'test/edge-repos.test.ts',
  'test/verify.test.ts',
  'test/pre-push.test.ts',
];

class LongFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const i = LONG_FIRST.findIndex((name) => spec.moduleId.endsWith(name));
      return i === -1 ? LONG_FIRST.length : i;
    };
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Once per run: a folder the workers share, where the packed tarball is made once.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Real git, real PostgreSQL: two cores, so keep parallelism modest.
    maxWorkers: 2,
    sequence: { sequencer: LongFirst },
  },
});
