// `npm run citus:sql`: prints the Citus calls that distribute the schema, from src/db/distribution.ts.
// `npm run citus:sql -- --check` (with DATABASE_URL) instead lists what in that database's schema
// breaks the placement rules, and exits 1 if anything does.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { TABLES, citusStatements, distributionViolations } = require('../dist/src/db/distribution.js');

if (process.argv.includes('--check')) {
  const { Client } = require('pg');
  if (!process.env.DATABASE_URL) {
    console.error('--check needs DATABASE_URL');
    process.exit(2);
  }
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const problems = await distributionViolations({ query: async (text, params) => (await client.query(text, params)).rows });
    for (const p of problems) console.log(p);
    console.log(problems.length === 0 ? 'ready to distribute by workspace_id' : `${problems.length} problem(s)`);
    process.exitCode = problems.length === 0 ? 0 : 1;
  } finally {
    await client.end();
  }
} else {
  console.log('-- Run on the Citus coordinator after the migrations, before traffic (src/db/distribution.ts).');
  for (const [name, d] of Object.entries(TABLES)) if (d.placement === 'local') console.log(`-- ${name}: stays local to the coordinator`);
  for (const s of citusStatements()) console.log(s);
}
