import { csvStream } from '../../src/analytics/export';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('csvStream', () => {
  it('writes the header then the rows, quoting only where CSV needs it', async () => {
    async function* rows() {
      yield ['a', 'b,c'];
      yield ['+1555', 'd"e'];
    }
    await expect(readAll(csvStream(rows(), ['x', 'y']))).resolves.toBe('x,y\na,"b,c"\n+1555,"d""e"\n');
  });

  it('ends with the error when reading fails mid-stream (a pipe left the reader waiting forever)', async () => {
    async function* rows() {
      yield ['first', 'row'];
      throw new Error('connection terminated');
    }
    await expect(readAll(csvStream(rows(), ['x', 'y']))).rejects.toThrow('connection terminated');
  });
});
