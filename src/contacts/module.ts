/** Contacts, consent and the opt-out log. */
import { defineModule } from '../graphql/module';
import { Contact } from './contact.entity';
import { ContactResolver, OptOutEntryResolver } from './contact.resolver';
import { ContactService } from './contact.service';
import { contactsLoaders } from './contacts.loaders';
import { OptOutEntry } from './opt-out-entry.entity';

declare module '../graphql/context' {
  interface Services {
    contacts: ContactService;
  }
  interface Loaders extends ReturnType<typeof contactsLoaders> {}
}

export const contactsModule = defineModule({
  name: 'contacts',
  entities: [Contact, OptOutEntry],
  resolvers: [ContactResolver, OptOutEntryResolver],
  services: ({ em, workspaceId }) => ({ contacts: new ContactService(em, workspaceId) }),
  loaders: contactsLoaders,
});
