import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { BrandSettingsService } from './brand-settings.service';
import { BrandSettingsDto, UpdateBrandSettingsDto } from './dto/brand-settings.dto';

@ApiTags('Brand settings')
@Controller('admin/brand')
export class BrandSettingsController {
  constructor(private readonly brands: BrandSettingsService) {}

  @Get()
  @Authenticated({ permission: 'Brand.Read' })
  @ApiOperation({
    operationId: 'GetBrandSettings',
    summary: "Your brand's name and enabled extension columns",
    description: 'The brand of the calling API user: its key, name and the extension columns the bulk API accepts (extensionColumns).',
  })
  @ApiOkResponse({ type: BrandSettingsDto })
  get(@CurrentUser() user: AuthUser): Promise<BrandSettingsDto> {
    return this.brands.get(user.brandId);
  }

  @Patch()
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent()
  @ApiOperation({
    operationId: 'UpdateBrandSettings',
    summary: "Change your brand's name or enabled extension columns",
    description:
      'Send only what changes. extensionColumns is the full set of enabled columns and must contain contact_key and address. ' +
      'The change applies from the next request on.',
  })
  @ApiOkResponse({ type: BrandSettingsDto, description: 'The brand after the change.' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'INVALID_REQUEST: an unknown property, a blank name, an unknown column, or contact_key/address missing.',
    example: {
      statusCode: 400,
      code: 'INVALID_REQUEST',
      message: 'extensionColumns must contain contact_key and address (they cannot be disabled)',
      details: ['extensionColumns must contain contact_key and address (they cannot be disabled)'],
    },
  })
  update(@CurrentUser() user: AuthUser, @Body() body: UpdateBrandSettingsDto): Promise<BrandSettingsDto> {
    return this.brands.update(user.brandId, { name: body.name, extensionColumns: body.extensionColumns });
  }
}
