/**
 * The scheduler on MongoDB. No MongoDB server exists on the development machine, so this runs
 * only when MONGODB_URL is set (e.g. with docker-compose's mongo service) and is reported as
 * skipped otherwise. The unreachable-server case runs everywhere.
 */
import { MongoClient } from 'mongodb';
import { startTestApp } from '../helpers/harness';

const url = process.env.MONGODB_URL;
const withMongo = url ? it : it.skip;

withMongo('runs the scheduler on MongoDB (MONGODB_URL set): jobs are stored there, once across restarts', async () => {
  const t = await startTestApp({ JOBS: 'on', MONGODB_URL: url! });
  const client = new MongoClient(url!);
  try {
    await client.connect();
    const jobs = () => client.db().collection('agendaJobs').find({ name: 'analytics: nightly rollup' }).toArray();
    expect(await jobs()).toHaveLength(1);
    await t.restart();
    expect(await jobs()).toHaveLength(1);
  } finally {
    await client.close();
    await t.close();
  }
});

it('refuses to start with a clear message when MONGODB_URL points nowhere', async () => {
  await expect(startTestApp({ JOBS: 'on', MONGODB_URL: 'mongodb://127.0.0.1:1/splitcast?serverSelectionTimeoutMS=500' })).rejects.toThrow(/MONGODB_URL is set but MongoDB is unreachable/);
});
