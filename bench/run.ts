/** `npm run bench`: every benchmark in turn; each prints the command that runs it alone. */
import { main as analysis } from './analysis';
import { main as assign } from './assign';
import { main as dashboard } from './dashboard';
import { main as fanout } from './fanout';
import { main as instances } from './instances';
import { main as affinity } from './affinity';
import { main as ingest } from './ingest';
import { main as learning } from './learning';
import { main as send } from './send';
import { main as sendTime } from './send-time';

async function run(): Promise<void> {
  console.log(`Splitcast benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  await assign();
  await ingest();
  await analysis();
  await dashboard();
  await send();
  await sendTime();
  await learning({ quick: true });
  await affinity();
  await fanout();
  await instances();
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
