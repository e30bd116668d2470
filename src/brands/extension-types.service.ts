import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { DomainError } from '../common/errors/domain.error';
import type { Channel } from '../addresses/channel';
import { ContactExtensionsService } from '../contact-extensions/contact-extensions.service';
import { runInRetryingTransaction } from '../database/retrying-transaction';
import { OperationContext, OperationsRecorder } from '../operations/operations.recorder';
import { BrandsRepository, ExtensionTypeRow } from './brands.repository';
import { DeletedExtensionTypeDto, ExtensionTypeDto } from './dto/extension-type.dto';

const toDto = (row: ExtensionTypeRow): ExtensionTypeDto => ({
  id: row.id,
  name: row.name,
  channel: row.channel,
  columnOrder: row.column_order,
  extensionCount: Number(row.extension_count),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const notFound = (): DomainError => new DomainError('NOT_FOUND', 'No such extension type in your brand.');
const exists = (channel: string, name: string): DomainError =>
  new DomainError('EXTENSION_TYPE_EXISTS', `Your brand already has an extension type ${JSON.stringify(name)} for channel ${channel}.`);

/**
 * A brand's extension types. Extensions reference their type by (brand_id, channel, name) with
 * ON UPDATE CASCADE and ON DELETE RESTRICT, so the database renames the type on every extension in
 * the rename's own statement, and refuses to delete a type still carried.
 */
@Injectable()
export class ExtensionTypesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: BrandsRepository,
    private readonly extensions: ContactExtensionsService,
    private readonly operations: OperationsRecorder,
  ) {}

  async list(brandId: number): Promise<ExtensionTypeDto[]> {
    return (await this.repository.listTypes(brandId)).map(toDto);
  }

  async get(brandId: number, id: number): Promise<ExtensionTypeDto> {
    const row = await this.repository.getType(brandId, id);
    if (!row) throw notFound();
    return toDto(row);
  }

  async create(brandId: number, input: { name: string; channel: Channel; columnOrder?: number }): Promise<ExtensionTypeDto> {
    const row = await this.repository.createType(brandId, input);
    if (!row) throw exists(input.channel, input.name);
    return toDto(row);
  }

  /**
   * Rename and/or reorder. The type row is locked first, so a concurrent delete or rename waits;
   * the rename of the extensions is the foreign key's cascade, inside this transaction, and moves
   * their updated_at as any change of an extension does; it is recorded in the operations log with
   * the number of extensions it renamed.
   */
  async update(ctx: OperationContext, id: number, change: { name?: string; columnOrder?: number }): Promise<ExtensionTypeDto> {
    const brandId = ctx.user.brandId;
    return runInRetryingTransaction(
      this.dataSource,
      async (runner) => {
        const current = await this.lock(runner, brandId, id);
        const renaming = change.name !== undefined && change.name !== current.name;
        if (renaming && (await this.repository.typeNameTaken(runner, brandId, current.channel, change.name!, id))) {
          throw exists(current.channel, change.name!);
        }
        await this.repository.updateType(runner, brandId, id, change.name ?? null, change.columnOrder ?? null);
        // no other type had the new name on this channel, so the extensions that carry it now are the
        // renamed ones: marking them changed counts them too
        const carried = renaming ? await this.extensions.touchType(runner, brandId, current.channel, change.name!) : 0;
        // read after the statement: the cascade to the extensions (and their counters) runs at its end
        const row = await this.repository.getType(brandId, id, runner);
        if (renaming) {
          await this.operations.record(runner, { ...ctx, kind: 'extension_types.rename', counts: { total: carried, updated: carried } });
        }
        return toDto(row!);
      },
      { isolation: 'READ COMMITTED' },
    );
  }

  /**
   * Refused with 409 EXTENSION_TYPE_IN_USE (and the count) while extensions carry the type, unless
   * clearExtensions: then their name is cleared and the type deleted in one transaction. A carrying
   * extension inserted concurrently makes the DELETE fail on the foreign key; the transaction then
   * runs again and counts it.
   */
  async delete(ctx: OperationContext, id: number, clearExtensions: boolean): Promise<DeletedExtensionTypeDto> {
    const brandId = ctx.user.brandId;
    return runInRetryingTransaction(
      this.dataSource,
      async (runner) => {
        const current = await this.lock(runner, brandId, id);
        const carried = await this.extensions.countOfType(runner, brandId, current.channel, current.name);
        if (carried > 0 && !clearExtensions) {
          throw new DomainError(
            'EXTENSION_TYPE_IN_USE',
            `${carried} ${carried === 1 ? 'extension carries' : 'extensions carry'} this type; delete with clearExtensions=true to clear it from them.`,
            { count: carried },
          );
        }
        if (carried > 0) await this.extensions.clearType(runner, brandId, current.channel, current.name);
        await this.repository.deleteType(runner, brandId, id);
        await this.operations.record(runner, { ...ctx, kind: 'extension_types.delete', counts: { total: carried, updated: carried } });
        return { id, name: current.name, channel: current.channel, clearedExtensions: carried };
      },
      { isolation: 'READ COMMITTED' },
    );
  }

  private async lock(runner: QueryRunner, brandId: number, id: number): Promise<{ name: string; channel: Channel }> {
    const current = await this.repository.lockType(runner, brandId, id);
    if (!current) throw notFound();
    return current;
  }
}
