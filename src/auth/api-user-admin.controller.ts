import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from './auth-user';
import { Authenticated } from './authenticated.decorator';
import { CurrentUser } from './current-user.decorator';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { Idempotent } from '../idempotency/idempotent.decorator';
import {
  ApiCreateApiUser,
  ApiDeleteApiUser,
  ApiDisableApiUser,
  ApiEnableApiUser,
  ApiGetApiUser,
  ApiListApiUsers,
  ApiRotateApiUserSecret,
  ApiUpdateApiUserPermissions,
  SELF_LOCKOUT_CONFLICT,
} from './api-user-admin.openapi';
import { ApiUserAdminService } from './api-user-admin.service';
import { ApiUserDto, ApiUserListDto, ApiUserWithSecretDto, CreateApiUserDto, UpdateApiUserDto } from './dto/api-user.dto';

/** Ids in the path are positive integers; anything else names no API user (404). */
const USER_ID = new ParseIdPipe('No such API user in your brand.');

@ApiTags('API users')
@Controller('admin/api-users')
export class ApiUserAdminController {
  constructor(private readonly users: ApiUserAdminService) {}

  @Get()
  @Authenticated({ permission: 'Brand.Manage' })
  @ApiListApiUsers()
  async list(@CurrentUser() user: AuthUser): Promise<ApiUserListDto> {
    return { items: await this.users.list(user.brandId) };
  }

  @Get(':id')
  @Authenticated({ permission: 'Brand.Manage' })
  @ApiGetApiUser()
  get(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<ApiUserDto> {
    return this.users.get(user.brandId, id);
  }

  @Post()
  @Authenticated({ permission: 'Brand.Manage' })
  @ApiCreateApiUser()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateApiUserDto): Promise<ApiUserWithSecretDto> {
    return this.users.create(user.brandId, { userKey: body.userKey, permissions: body.permissions, active: body.active });
  }

  @Patch(':id')
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent(SELF_LOCKOUT_CONFLICT)
  @ApiUpdateApiUserPermissions()
  setPermissions(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number, @Body() body: UpdateApiUserDto): Promise<ApiUserDto> {
    return this.users.setPermissions(user, id, body.permissions);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent(SELF_LOCKOUT_CONFLICT)
  @ApiDisableApiUser()
  disable(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<ApiUserDto> {
    return this.users.disable(user, id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent()
  @ApiEnableApiUser()
  enable(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<ApiUserDto> {
    return this.users.enable(user, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Authenticated({ permission: 'Brand.Manage' })
  @ApiRotateApiUserSecret()
  rotateSecret(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<ApiUserWithSecretDto> {
    return this.users.rotateSecret(user, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent(SELF_LOCKOUT_CONFLICT)
  @ApiDeleteApiUser()
  async delete(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<void> {
    await this.users.delete(user, id);
  }
}
