import { Module } from '@nestjs/common';
import { ContactExtensionsModule } from '../contact-extensions/contact-extensions.module';
import { ConfigModule } from '@nestjs/config';
import jobsConfig from '../config/jobs.config';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { OperationsModule } from '../operations/operations.module';
import { ApiActivity } from './api-activity';
import { ImportJobEngine } from './import-job-engine';
import { ImportJobQueue } from './import-job-queue';
import { ImportJobsController } from './import-jobs.controller';
import { ImportJobsRepository } from './import-jobs.repository';
import { ImportJobsService } from './import-jobs.service';

/** Bulk import jobs: the routes, the queue (pg-boss) and the engine that runs a job's chunks. */
@Module({
  imports: [ConfigModule.forFeature(jobsConfig), ContactExtensionsModule, OperationsModule, IdempotencyModule],
  controllers: [ImportJobsController],
  providers: [ApiActivity, ImportJobsRepository, ImportJobEngine, ImportJobQueue, ImportJobsService],
  exports: [ImportJobEngine, ImportJobQueue],
})
export class JobsModule {}
