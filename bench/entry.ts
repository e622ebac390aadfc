/** Runs a bench's `main` when its file is the entry point (`node dist/bench/<name>.js`); a failure exits 1. */
export function runIfMain(entry: NodeModule, main: () => Promise<unknown>): void {
  if (require.main !== entry) return;
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
