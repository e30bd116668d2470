import { Module } from '@nestjs/common';
import { ContactExtensionsController } from './contact-extensions.controller';
import { ContactExtensionsRepository } from './contact-extensions.repository';
import { ContactExtensionsService } from './contact-extensions.service';

@Module({
  controllers: [ContactExtensionsController],
  providers: [ContactExtensionsService, ContactExtensionsRepository],
})
export class ContactExtensionsModule {}
