import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { RequestId } from '../common/decorators/request-id.decorator';
import { PageQueryDto, pageOf } from '../common/pagination/page-query.dto';
import { BulkUpsertContactExtensionsDto } from '../contact-extensions/dto/bulk-upsert-contact-extensions.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { CreateImportJobDto, ImportJobDto, ImportJobIssuePageDto, ImportJobListDto } from './dto/import-job.dto';
import {
  ApiBulkUpsertExtensionsAsync,
  ApiCancelImportJob,
  ApiCreateImportJob,
  ApiDownloadImportJobErrors,
  ApiGetImportJob,
  ApiListImportJobErrors,
  ApiListImportJobs,
  ApiUploadImportJobData,
  stateConflict,
} from './import-jobs.openapi';
import { ImportJobsService } from './import-jobs.service';

/**
 * Bulk import jobs (contract section 8): a file of any size, uploaded once, processed in chunks by
 * the workers, with a status to poll and a report of every record's errors and warnings.
 */
@ApiTags('Contact extensions')
@Controller('rest/bulk')
export class ImportJobsController {
  constructor(private readonly service: ImportJobsService) {}

  @Post('contact_extensions/jobs')
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  @Idempotent()
  @ApiCreateImportJob()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateImportJobDto, @RequestId() requestId: string): Promise<ImportJobDto> {
    return this.service.create(user, body, requestId);
  }

  @Put('contact_extensions/jobs/:id/data')
  @HttpCode(202)
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  @Idempotent(stateConflict('uploaded to'), { streamedBody: true })
  @ApiUploadImportJobData()
  upload(@CurrentUser() user: AuthUser, @Param('id') id: string, @Req() req: Request): Promise<ImportJobDto> {
    return this.service.upload(user, id, req);
  }

  @Post('async/contact_extensions')
  @HttpCode(202)
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  @Idempotent()
  @ApiBulkUpsertExtensionsAsync()
  createAsync(
    @CurrentUser() user: AuthUser,
    @Body() body: BulkUpsertContactExtensionsDto,
    @RequestId() requestId: string,
  ): Promise<ImportJobDto> {
    return this.service.createFromBody(user, body, requestId);
  }

  @Get('contact_extensions/jobs')
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiListImportJobs()
  list(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto): Promise<ImportJobListDto> {
    const { limit, cursor } = pageOf(query);
    return this.service.list(user, limit, cursor);
  }

  @Get('contact_extensions/jobs/:id')
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiGetImportJob()
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<ImportJobDto> {
    return this.service.get(user, id);
  }

  @Get('contact_extensions/jobs/:id/errors')
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiListImportJobErrors()
  errors(@CurrentUser() user: AuthUser, @Param('id') id: string, @Query() query: PageQueryDto): Promise<ImportJobIssuePageDto> {
    const { limit, cursor } = pageOf(query);
    return this.service.issues(user, id, limit, cursor);
  }

  @Get('contact_extensions/jobs/:id/errors.csv')
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiDownloadImportJobErrors()
  async errorsCsv(@CurrentUser() user: AuthUser, @Param('id') id: string, @Res() res: Response): Promise<void> {
    await this.service.get(user, id);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="import-job-${id}-errors.csv"`);
    try {
      await this.service.writeIssuesCsv(user, id, res);
    } catch {
      // the status is sent: all that can be said now is that the body is cut short
      res.destroy();
    }
  }

  @Post('contact_extensions/jobs/:id/cancel')
  @HttpCode(200)
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  @Idempotent(stateConflict('cancelled'))
  @ApiCancelImportJob()
  cancel(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<ImportJobDto> {
    return this.service.cancel(user, id);
  }
}
