/** Build step: writes the schema built from the code to schema.graphql (committed; a test checks it is current). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createSchema } from './graphql/schema';
import { RESOLVERS } from './modules';

export async function printedSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await createSchema(RESOLVERS))) + '\n';
}

if (require.main === module) {
  printedSchema()
    .then((sdl) => writeFileSync(join(__dirname, '..', '..', 'schema.graphql'), sdl))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
