/** Process entry: config → app → listen; graceful shutdown on SIGTERM / SIGINT. */
import { createApp } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const line = '─'.repeat(72);
  const out = [`Splitcast is ready: GraphQL (HTTP and WebSocket) at ${app.url}/graphql`];
  if (app.generatedAdminKey) {
    out.push(
      line,
      'Admin API key (shown once; also written to ' + app.adminKeyFile + '):',
      `  ${app.generatedAdminKey}`,
      'Use it as: Authorization: Bearer <key>',
      line,
    );
  }
  console.log(out.join('\n'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down: draining requests');
    const timer = setTimeout(() => {
      app.logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => {
        app.logger.info('stopped');
        process.exit(0);
      },
      (err) => {
        app.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  // Under `npm start` the script `exec`s node, so npm's forwarded SIGTERM / SIGINT reach this
  // process directly. What npm cannot forward is its own death (SIGKILL), and a script shell that
  // does not exec would die of the signal without passing it on: either way this process is
  // re-parented. Stop then too, rather than run on orphaned with the database.
  if (process.env.npm_lifecycle_event === 'start') {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('parent exited');
    }, 500).unref();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
