import { Module } from '@nestjs/common';
import { ConsentHistoryController } from './consent-history.controller';
import { OperationsController } from './operations.controller';
import { OperationsRecorder } from './operations.recorder';
import { OperationsService } from './operations.service';

/**
 * The operations log and the consent history: features that write import this module and record
 * through OperationsRecorder inside their own transaction; the dashboard reads through the controllers.
 */
@Module({
  controllers: [OperationsController, ConsentHistoryController],
  providers: [OperationsRecorder, OperationsService],
  exports: [OperationsRecorder],
})
export class OperationsModule {}
