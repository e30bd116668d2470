import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ApiGetBrandSettings, ApiUpdateBrandSettings } from './brand-settings.openapi';
import { BrandSettingsService } from './brand-settings.service';
import { BrandSettingsDto, UpdateBrandSettingsDto } from './dto/brand-settings.dto';

@ApiTags('Brand settings')
@Controller('admin/brand')
export class BrandSettingsController {
  constructor(private readonly brands: BrandSettingsService) {}

  @Get()
  @Authenticated({ permission: 'Brand.Read' })
  @ApiGetBrandSettings()
  get(@CurrentUser() user: AuthUser): Promise<BrandSettingsDto> {
    return this.brands.get(user.brandId);
  }

  @Patch()
  @Authenticated({ permission: 'Brand.Manage' })
  @Idempotent()
  @ApiUpdateBrandSettings()
  update(@CurrentUser() user: AuthUser, @Body() body: UpdateBrandSettingsDto): Promise<BrandSettingsDto> {
    return this.brands.update(user.brandId, { name: body.name, extensionColumns: body.extensionColumns });
  }
}
