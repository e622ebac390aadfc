/** portTaken: which failed starts of the embedded PostgreSQL are a taken port (retried on another). */
import { portTaken } from '../../src/db/embedded';

it('sees a TCP port taken between the check and the bind', () => {
  expect(portTaken(['LOG:  could not bind IPv4 address "127.0.0.1": Address already in use', 'FATAL:  could not create any TCP/IP sockets'])).toBe(true);
});

it("sees the port's Unix socket lock held by another cluster (seen in a clean-clone run)", () => {
  expect(
    portTaken([
      'LOG:  listening on IPv4 address "127.0.0.1", port 35245',
      'FATAL:  lock file "/tmp/.s.PGSQL.35245.lock" already exists',
      'HINT:  Is another postmaster (PID 7758) using socket file "/tmp/.s.PGSQL.35245"?',
    ]),
  ).toBe(true);
});

it('does not take other failures for a taken port', () => {
  expect(portTaken(['FATAL:  lock file "postmaster.pid" already exists', 'HINT:  Is another postmaster (PID 12) running in data directory "/data/pg"?'])).toBe(false);
  expect(portTaken(['FATAL:  data directory "/data/pg" has invalid permissions'])).toBe(false);
});
