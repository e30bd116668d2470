import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiExtraModels,
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
import { OperationCtx } from '../operations/operation-context.decorator';
import type { OperationContext } from '../operations/operations.recorder';
import {
  CreateExtensionTypeDto,
  DeletedExtensionTypeDto,
  DeleteExtensionTypeQueryDto,
  ExtensionTypeDto,
  ExtensionTypeInUseResponseDto,
  ExtensionTypeListDto,
  UpdateExtensionTypeDto,
} from './dto/extension-type.dto';
import { ExtensionTypesService } from './extension-types.service';

const NOT_FOUND = {
  type: ErrorResponseDto,
  description: 'NOT_FOUND: no extension type with this id in your brand.',
  example: { statusCode: 404, code: 'NOT_FOUND', message: 'No such extension type in your brand.' },
};
const EXISTS_EXAMPLE = {
  statusCode: 409,
  code: 'EXTENSION_TYPE_EXISTS',
  message: 'Your brand already has an extension type "Work Email" for channel E.',
};
const INVALID = (message: string) => ({
  type: ErrorResponseDto,
  description: 'INVALID_REQUEST: the body breaks a rule (see details).',
  example: { statusCode: 400, code: 'INVALID_REQUEST', message, details: [message] },
});

const ID_PARAM = {
  name: 'id',
  description: 'The extension type id.',
  schema: { type: 'integer' as const, format: 'int32', minimum: 1, example: 12 },
};
/** Ids in the path are positive integers; anything else names no type (404). */
const TYPE_ID = new ParseIdPipe('No such extension type in your brand.');

@ApiTags('Extension types')
@ApiExtraModels(ErrorResponseDto, ExtensionTypeInUseResponseDto)
@Controller('admin/extension-types')
export class ExtensionTypesController {
  constructor(private readonly types: ExtensionTypesService) {}

  @Get()
  @Authenticated({ permission: 'Brand.Read' })
  @ApiOperation({
    operationId: 'ListExtensionTypes',
    summary: "Your brand's extension types, with how many extensions carry each",
    description:
      'Every extension type of your brand (the allowed `name` of an extension per channel), ordered by columnOrder, ' +
      'each with extensionCount, the number of extensions that carry it.',
  })
  @ApiOkResponse({ type: ExtensionTypeListDto })
  async list(@CurrentUser() user: AuthUser): Promise<ExtensionTypeListDto> {
    return { items: await this.types.list(user.brandId) };
  }

  @Get(':id')
  @Authenticated({ permission: 'Brand.Read' })
  @ApiOperation({
    operationId: 'GetExtensionType',
    summary: 'One extension type',
    description: 'One extension type of your brand, with extensionCount; 404 for a type of another brand.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ExtensionTypeDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentUser() user: AuthUser, @Param('id', TYPE_ID) id: number): Promise<ExtensionTypeDto> {
    return this.types.get(user.brandId, id);
  }

  @Post()
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent({ description: 'EXTENSION_TYPE_EXISTS: the brand has a type of that name for the channel.', example: EXISTS_EXAMPLE })
  @ApiOperation({
    operationId: 'CreateExtensionType',
    summary: 'Create an extension type',
    description: '(channel, name) is unique in a brand.',
  })
  @ApiCreatedResponse({ type: ExtensionTypeDto })
  @ApiBadRequestResponse(INVALID('channel must be one of E, S, W'))
  create(@CurrentUser() user: AuthUser, @Body() body: CreateExtensionTypeDto): Promise<ExtensionTypeDto> {
    return this.types.create(user.brandId, { name: body.name, channel: body.channel, columnOrder: body.columnOrder });
  }

  @Patch(':id')
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent({ description: 'EXTENSION_TYPE_EXISTS: the new name is taken for the channel.', example: EXISTS_EXAMPLE })
  @ApiOperation({
    operationId: 'UpdateExtensionType',
    summary: 'Rename an extension type or change its columnOrder',
    description:
      'A rename renames the type on every extension that carries it, in the same transaction, and is recorded in the operations log. ' +
      'The channel of a type cannot change.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ExtensionTypeDto, description: 'The type after the change.' })
  @ApiBadRequestResponse(INVALID('name must be 1 to 100 characters'))
  @ApiNotFoundResponse(NOT_FOUND)
  update(
    @OperationCtx() ctx: OperationContext,
    @Param('id', TYPE_ID) id: number,
    @Body() body: UpdateExtensionTypeDto,
  ): Promise<ExtensionTypeDto> {
    return this.types.update(ctx, id, { name: body.name, columnOrder: body.columnOrder });
  }

  @Delete(':id')
  @HttpCode(200)
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent({
    description: 'EXTENSION_TYPE_IN_USE: extensions carry the type (count says how many).',
    type: ExtensionTypeInUseResponseDto,
    example: {
      statusCode: 409,
      code: 'EXTENSION_TYPE_IN_USE',
      message: '20412 extensions carry this type; delete with clearExtensions=true to clear it from them.',
      count: 20412,
    },
  })
  @ApiOperation({
    operationId: 'DeleteExtensionType',
    summary: 'Delete an extension type',
    description:
      'Refused with 409 EXTENSION_TYPE_IN_USE (and the count) while extensions carry the type, unless clearExtensions=true: ' +
      'then their name is cleared and the type deleted, in one transaction, recorded in the operations log.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: DeletedExtensionTypeDto })
  @ApiBadRequestResponse(INVALID('clearExtensions must be true or false'))
  @ApiNotFoundResponse(NOT_FOUND)
  delete(
    @OperationCtx() ctx: OperationContext,
    @Param('id', TYPE_ID) id: number,
    @Query() query: DeleteExtensionTypeQueryDto,
  ): Promise<DeletedExtensionTypeDto> {
    return this.types.delete(ctx, id, query.clearExtensions === 'true');
  }
}
