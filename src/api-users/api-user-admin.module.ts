import { Module } from '@nestjs/common';
import { ApiUserAdminController } from './api-user-admin.controller';
import { ApiUserAdminService } from './api-user-admin.service';

/** The dashboard's management of a brand's API users (Brand.Manage). Authentication itself is AuthModule's. */
@Module({
  controllers: [ApiUserAdminController],
  providers: [ApiUserAdminService],
})
export class ApiUserAdminModule {}
