import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ApiUserAdminService } from './api-user-admin.service';
import { ApiUserDto, ApiUserListDto, ApiUserWithSecretDto, CreateApiUserDto, UpdateApiUserDto } from './dto/api-user.dto';

const NOT_FOUND = {
  type: ErrorResponseDto,
  description: 'NOT_FOUND: no API user with this id in your brand.',
  example: { statusCode: 404, code: 'NOT_FOUND', message: 'No such API user in your brand.' },
};
const SELF_LOCKOUT = {
  type: ErrorResponseDto,
  description: 'API_USER_SELF_LOCKOUT: you may not disable or delete the user you call with, nor take Brand.Manage from it.',
  example: {
    statusCode: 409,
    code: 'API_USER_SELF_LOCKOUT',
    message: 'You cannot disable the API user you are calling with; use another user with Brand.Manage.',
  },
};
const ID_PARAM = {
  name: 'id',
  description: 'The API user id.',
  schema: { type: 'integer' as const, format: 'int32', minimum: 1, example: 7 },
};
/** Ids in the path are positive integers; anything else names no API user (404). */
const USER_ID = new ParseIdPipe('No such API user in your brand.');

@ApiTags('API users')
@Controller('admin/api-users')
export class ApiUserAdminController {
  constructor(private readonly users: ApiUserAdminService) {}

  @Get()
  @Authenticated({ permission: 'Brand.Manage' })
  @ApiOperation({
    operationId: 'ListApiUsers',
    summary: "Your brand's API users (never their secrets)",
    description:
      'Every API user of your brand with its userKey, permissions and whether it is active. Secrets are never shown after they are created or rotated.',
  })
  @ApiOkResponse({ type: ApiUserListDto })
  async list(@CurrentUser() user: AuthUser): Promise<ApiUserListDto> {
    return { items: await this.users.list(user.brandId) };
  }

  @Get(':id')
  @Authenticated({ permission: 'Brand.Manage' })
  @ApiOperation({
    operationId: 'GetApiUser',
    summary: 'One API user',
    description: 'One API user of your brand (never its secret); 404 for a user of another brand.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ApiUserDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<ApiUserDto> {
    return this.users.get(user.brandId, id);
  }

  @Post()
  @Authenticated({ permission: 'Brand.Manage' })
  @ApiOperation({
    operationId: 'CreateApiUser',
    summary: 'Create an API user',
    description:
      'The service generates the secret and shows it in this answer only; it is stored hashed and never shown again (rotate it to get a new one). ' +
      'No Idempotency-Key: a kept answer would store the secret. A retry after a lost answer gets 409 API_USER_EXISTS for its own userKey; then rotate the secret.',
  })
  @ApiCreatedResponse({ type: ApiUserWithSecretDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'INVALID_REQUEST: a missing or malformed userKey, an unknown or repeated permission, an unknown property.',
    example: {
      statusCode: 400,
      code: 'INVALID_REQUEST',
      message:
        'each permission must be one of ContactExtensions.Manage, ContactExtensions.Read, Contacts.Manage, Contacts.Read, Brand.Manage, Brand.Read',
      details: [
        'each permission must be one of ContactExtensions.Manage, ContactExtensions.Read, Contacts.Manage, Contacts.Read, Brand.Manage, Brand.Read',
      ],
    },
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'API_USER_EXISTS: the userKey is taken (user keys are unique across the service).',
    example: { statusCode: 409, code: 'API_USER_EXISTS', message: 'The userKey "crm-sync" is taken; choose another.' },
  })
  create(@CurrentUser() user: AuthUser, @Body() body: CreateApiUserDto): Promise<ApiUserWithSecretDto> {
    return this.users.create(user.brandId, { userKey: body.userKey, permissions: body.permissions, active: body.active });
  }

  @Patch(':id')
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent(SELF_LOCKOUT)
  @ApiOperation({
    operationId: 'UpdateApiUserPermissions',
    summary: "Change an API user's permissions",
    description: 'permissions is the full set. Permissions are read on every request, so the change applies to tokens already issued.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ApiUserDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'INVALID_REQUEST: permissions missing, unknown or repeated.',
    example: { statusCode: 400, code: 'INVALID_REQUEST', message: 'permissions is required', details: ['permissions is required'] },
  })
  @ApiNotFoundResponse(NOT_FOUND)
  setPermissions(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number, @Body() body: UpdateApiUserDto): Promise<ApiUserDto> {
    return this.users.setPermissions(user, id, body.permissions);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent(SELF_LOCKOUT)
  @ApiOperation({
    operationId: 'DisableApiUser',
    summary: 'Disable an API user',
    description: 'It can no longer log in, and its tokens stop working at once (enabling it again does not revive them).',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ApiUserDto })
  @ApiNotFoundResponse(NOT_FOUND)
  disable(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<ApiUserDto> {
    return this.users.disable(user, id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent()
  @ApiOperation({ operationId: 'EnableApiUser', summary: 'Enable an API user again', description: 'It logs in with its current secret.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ApiUserDto })
  @ApiNotFoundResponse(NOT_FOUND)
  enable(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<ApiUserDto> {
    return this.users.enable(user, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Authenticated({ permission: 'Brand.Manage' })
  @ApiOperation({
    operationId: 'RotateApiUserSecret',
    summary: "Replace an API user's secret",
    description:
      'The new secret is shown in this answer only. The old secret and every token issued so far stop working at once. ' +
      'No Idempotency-Key: a kept answer would store the secret. A retry rotates again and answers the newer secret.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ApiUserWithSecretDto })
  @ApiNotFoundResponse(NOT_FOUND)
  rotateSecret(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<ApiUserWithSecretDto> {
    return this.users.rotateSecret(user, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent(SELF_LOCKOUT)
  @ApiOperation({
    operationId: 'DeleteApiUser',
    summary: 'Delete an API user',
    description: 'Its tokens stop working at once. The operations log keeps its userKey.',
  })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse(NOT_FOUND)
  async delete(@CurrentUser() user: AuthUser, @Param('id', USER_ID) id: number): Promise<void> {
    await this.users.delete(user, id);
  }
}
