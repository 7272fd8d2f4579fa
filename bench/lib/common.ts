/** Helpers the benchmarks share: the local services' URLs, a percentile of sorted figures, running a bench's main(). */

/** PostgreSQL and Redis for the benchmarks: BENCH_DATABASE_URL / BENCH_REDIS_URL, else the local services. */
export const benchDatabaseUrl = (): string => process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const benchRedisUrl = (): string => process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The p-th percentile of `sorted` (ascending); NaN when it is empty. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Runs a benchmark's main(): exit 0 when it resolves, print the error and exit 1 when it rejects. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
