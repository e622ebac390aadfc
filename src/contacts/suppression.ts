/**
 * Email suppression after a hard bounce. The address is what bounced, not the contact: the mark is
 * set only while the contact still has that address (a bounce reported after the email was changed
 * must not suppress the new one), and changing the email clears it (contact.service.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** Marks the contact's email as hard-bounced at `at` (the first bounce is kept). */
export async function markEmailBounced(em: EntityManager, target: { workspaceId: string; contactId: string; email: string; at: Date }): Promise<void> {
  await em.execute(
    'update contacts set email_bounced_at = coalesce(email_bounced_at, ?) where workspace_id = ? and id = ? and email = ?',
    [target.at.toISOString(), target.workspaceId, target.contactId, target.email.trim().toLowerCase()],
  );
}
