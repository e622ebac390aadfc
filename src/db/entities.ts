/** Every entity the ORM knows; feature issues add theirs here. */
import { Workspace } from '../workspaces/workspace.entity';
import { ApiKey } from '../workspaces/api-key.entity';
import { Contact } from '../contacts/contact.entity';
import { OptOutEntry } from '../contacts/opt-out-entry.entity';
import { Campaign } from '../campaigns/campaign.entity';
import { Variant } from '../campaigns/variant.entity';
import { Template } from '../campaigns/template.entity';
import { Assignment } from '../experiments/assignment.entity';
import { Winner } from '../experiments/winner.entity';

export const ENTITIES = [Workspace, ApiKey, Contact, OptOutEntry, Campaign, Variant, Template, Assignment, Winner];
