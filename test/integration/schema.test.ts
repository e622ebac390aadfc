import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printedSchema } from '../../src/emit-schema';

it('schema.graphql is the schema the code builds (run `npm run build` and commit it)', async () => {
  const committed = readFileSync(join(__dirname, '..', '..', '..', 'schema.graphql'), 'utf8');
  expect(committed).toBe(await printedSchema());
});
