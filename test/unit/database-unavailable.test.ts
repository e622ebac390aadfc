/** isDatabaseUnavailable: connection trouble (retry later) versus everything else (a bug, bad SQL). */
import { isDatabaseUnavailable } from '../../src/db/unavailable';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

it.each([
  ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ['a connection exception (class 08)', pgError('08006')],
  ['an administrator shutdown', pgError('57P01', 'terminating connection due to administrator command')],
  ['cannot connect now', pgError('57P03', 'the database system is starting up')],
  ['too many connections', pgError('53300')],
  ['a terminated connection', new Error('Connection terminated unexpectedly')],
  ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
  ['a database closed to connections', pgError('55000', 'database "t_1" is not currently accepting connections')],
  ['a driver error wrapped by the ORM', Object.assign(new Error('wrapped'), { previous: pgError('57P01') })],
  ['an error with a cause', new Error('outer', { cause: pgError('08001') })],
])('%s is unavailability', (_name, error) => {
  expect(isDatabaseUnavailable(error)).toBe(true);
});

it.each([
  ['a syntax error', pgError('42601', 'syntax error at or near "selec"')],
  ['a unique violation', pgError('23505')],
  ['another 55000', pgError('55000', 'currval of sequence "s" is not yet defined in this session')],
  ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ['not an error', 'Connection terminated'],
  ['nothing', undefined],
])('%s is not', (_name, error) => {
  expect(isDatabaseUnavailable(error)).toBe(false);
});
