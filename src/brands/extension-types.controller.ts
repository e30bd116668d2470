import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
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
import {
  ApiCreateExtensionType,
  ApiDeleteExtensionType,
  ApiGetExtensionType,
  ApiListExtensionTypes,
  ApiUpdateExtensionType,
  TYPE_EXISTS_ON_CREATE,
  TYPE_EXISTS_ON_RENAME,
  TYPE_IN_USE,
} from './extension-types.openapi';
import { ExtensionTypesService } from './extension-types.service';

/** Ids in the path are positive integers; anything else names no type (404). */
const TYPE_ID = new ParseIdPipe('No such extension type in your brand.');

@ApiTags('Extension types')
@ApiExtraModels(ErrorResponseDto, ExtensionTypeInUseResponseDto)
@Controller('admin/extension-types')
export class ExtensionTypesController {
  constructor(private readonly types: ExtensionTypesService) {}

  @Get()
  @Authenticated({ permission: 'Brand.Read' })
  @ApiListExtensionTypes()
  async list(@CurrentUser() user: AuthUser): Promise<ExtensionTypeListDto> {
    return { items: await this.types.list(user.brandId) };
  }

  @Get(':id')
  @Authenticated({ permission: 'Brand.Read' })
  @ApiGetExtensionType()
  get(@CurrentUser() user: AuthUser, @Param('id', TYPE_ID) id: number): Promise<ExtensionTypeDto> {
    return this.types.get(user.brandId, id);
  }

  @Post()
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent(TYPE_EXISTS_ON_CREATE)
  @ApiCreateExtensionType()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateExtensionTypeDto): Promise<ExtensionTypeDto> {
    return this.types.create(user.brandId, { name: body.name, channel: body.channel, columnOrder: body.columnOrder });
  }

  @Patch(':id')
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent(TYPE_EXISTS_ON_RENAME)
  @ApiUpdateExtensionType()
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
  @Idempotent(TYPE_IN_USE)
  @ApiDeleteExtensionType()
  delete(
    @OperationCtx() ctx: OperationContext,
    @Param('id', TYPE_ID) id: number,
    @Query() query: DeleteExtensionTypeQueryDto,
  ): Promise<DeletedExtensionTypeDto> {
    return this.types.delete(ctx, id, query.clearExtensions === 'true');
  }
}
