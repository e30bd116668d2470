import { ApiUser } from './auth/api-user.entity';
import { Brand } from './brands/brand.entity';
import { ExtensionType } from './brands/extension-type.entity';
import { ContactExtension } from './contact-extensions/entities/contact-extension.entity';
import { MasterContact } from './contacts/master-contact.entity';
import { ConsentChange } from './operations/entities/consent-change.entity';
import { Operation } from './operations/entities/operation.entity';
import { ExtensionCount } from './stats/entities/extension-count.entity';

/**
 * Every entity of the service, handed to the data source by the app (DatabaseModule.forRoot), the
 * CLI (ormconfig.ts), the seed command and the tests. It sits above the features so that database/
 * needs none of them.
 */
export const ENTITIES = [Brand, ExtensionType, ApiUser, MasterContact, ContactExtension, Operation, ConsentChange, ExtensionCount];
