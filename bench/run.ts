/** `npm run bench`: every benchmark in turn; each prints the command that runs it alone. */
import { main as assign } from './assign';

async function run(): Promise<void> {
  console.log(`Splitcast benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  await assign();
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
