/**
 * The simulator's own per-workspace signing secret, created on first use.
 *
 * Why a separate secret (column `workspaces.simulator_signing_secret`):
 * - The simulator exists to exercise the REAL Twilio webhook route (status callbacks matched by
 *   MessageSid, inbound replies with STOP/HELP keywords, the retry queue), so it must post
 *   Twilio-signed requests there; the generic webhook would skip all of that.
 * - Generating a random `twilio_auth_token` (or `webhook_signing_secret`) for a workspace that has
 *   none would be wrong: `Workspace.settings` would then claim `twilioAuthTokenSet: true` for a
 *   token the user never gave, and a user who later switches to real Twilio would have a fake token
 *   in place (and the generic webhook would accept a secret the user does not know).
 * - So the simulator signs with a secret nobody else knows, and the Twilio route also accepts that
 *   secret, but only while the server runs the simulator (SEND_PROVIDER=simulator): a production
 *   server on Twilio never honours it, even if one was created earlier.
 *
 * Creation is one atomic statement (`coalesce` keeps an existing secret), so instances racing on
 * the first send of a workspace all end up with the same one. It never changes afterwards, so each
 * process caches it.
 */
import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/pool';

export class SimulatorSecrets {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly sql: Sql) {}

  /** The workspace's simulator signing secret, created if it has none. Rejects for an unknown workspace. */
  get(workspaceId: string): Promise<string> {
    let secret = this.cache.get(workspaceId);
    if (!secret) {
      secret = this.load(workspaceId);
      this.cache.set(workspaceId, secret);
      secret.catch(() => this.cache.delete(workspaceId)); // a failure (database down) is not remembered
    }
    return secret;
  }

  private async load(workspaceId: string): Promise<string> {
    const [row] = await this.sql.query<{ secret: string }>(
      'update workspaces set simulator_signing_secret = coalesce(simulator_signing_secret, $2) where id = $1 returning simulator_signing_secret as secret',
      [workspaceId, randomBytes(32).toString('base64url')],
    );
    if (!row) throw new Error(`workspace ${workspaceId} not found`);
    return row.secret;
  }
}
