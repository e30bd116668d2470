/**
 * The upsert of contact extensions inside a transaction its caller opened: lookup, plan, then the
 * writes and the log in one statement.
 * One function for every caller: the sync endpoint's service, the import jobs (a chunk at a time)
 * and the benchmark. The caller decides the transaction (runInRetryingTransaction), and may stop
 * between the plan and the writes (a dry run, or throwOnError with invalid records).
 */
import { Injectable } from '@nestjs/common';
import { QueryRunner } from 'typeorm';
import { ConsentSelect, OperationEntry, OperationsRecorder } from '../operations/operations.recorder';
import { ContactExtensionsRepository } from './contact-extensions.repository';
import { LookupKeys, LookupResult, outcomeCounts, PlanOptions, planUpsert, PreparedRecords, UpsertPlan } from './upsert-planner';

/**
 * The steps, in order, as reported to UpsertInput.onStep when each one ends: the lookup, the plan,
 * and the writes (the rows, the operations log and the consent history in one statement).
 */
export type UpsertStep = 'lookup' | 'plan' | 'write';

export interface UpsertInput {
  brandId: number;
  /** prepareRecords(records, options) and lookupKeysOf of it, computed before the transaction */
  prepared: PreparedRecords;
  keys: LookupKeys;
  options: PlanOptions;
  /**
   * Ask the database which contacts exist before planning. Without it (the fast path: one statement
   * less on the database's side) the plan takes the contacts it does not know as existing, and the
   * foreign key checks them as the rows are written; a missing one fails the write with
   * foreign_key_violation, which runs the transaction again (runInRetryingTransaction). So a caller
   * asks on a run again (TransactionControl.attempt > 1) and whenever it may not write (a dry run).
   * A plan with failures asks anyway before it is handed on, so that its errors are complete.
   */
  askContacts: boolean;
  /**
   * The operations log entry of the writes, less what the plan gives (counts, errors); or an
   * operation recorded earlier (an import job's, by its id) that their consent history is added to;
   * null: nothing is logged (a dry run that is rolled back)
   */
  operation: Omit<OperationEntry, 'counts' | 'errors'> | { id: string } | null;
  /** after planning: false ends the unit of work without writing (the caller rolls back or throws) */
  shouldWrite?: (plan: UpsertPlan) => boolean;
  /** called as each step ends (the benchmark times them) */
  onStep?: (step: UpsertStep) => void;
}

export interface UpsertOutcome {
  plan: UpsertPlan;
  lookup: LookupResult;
  /** how many consent changes the writes logged (0 when nothing was written or logged) */
  consentChanges: number;
  written: boolean;
}

const NOTHING_FOUND: LookupResult = { extensions: new Map(), contacts: new Set(), contactsAsked: true, types: new Map() };

@Injectable()
export class ExtensionsUpsert {
  constructor(
    private readonly repository: ContactExtensionsRepository,
    private readonly operations: OperationsRecorder,
  ) {}

  async run(runner: QueryRunner, input: UpsertInput): Promise<UpsertOutcome> {
    const step = input.onStep ?? (() => undefined);
    let lookup = input.prepared.candidates.length > 0 ? await this.repository.lookup(runner, input.brandId, input.keys) : NOTHING_FOUND;
    if (input.askContacts) lookup = await this.askContacts(runner, input, lookup);
    step('lookup');
    let plan = planUpsert(input.prepared, lookup, input.options);
    if (plan.failed > 0 && !lookup.contactsAsked) {
      lookup = await this.askContacts(runner, input, lookup);
      plan = planUpsert(input.prepared, lookup, input.options);
    }
    step('plan');
    if (input.shouldWrite && !input.shouldWrite(plan)) return { plan, lookup, consentChanges: 0, written: false };
    const operation = input.operation;
    const log =
      operation === null
        ? undefined
        : 'id' in operation
          ? (first: number, consent: ConsentSelect) => this.operations.appendCtes(input.brandId, operation.id, consent, first)
          : (first: number, consent: ConsentSelect) =>
              this.operations.ctes({ ...operation, counts: outcomeCounts(plan), errors: plan.errors }, consent, first);
    const consentChanges = await this.repository.write(runner, input.brandId, plan.updates, plan.inserts, log);
    step('write');
    return { plan, lookup, consentChanges, written: true };
  }

  /** The lookup, with the contacts it does not know asked for. */
  private async askContacts(runner: QueryRunner, input: UpsertInput, lookup: LookupResult): Promise<LookupResult> {
    if (lookup.contactsAsked) return lookup;
    const unknown = input.keys.contactKeys.filter((key) => !lookup.contacts.has(key));
    const found = await this.repository.existingContacts(runner, input.brandId, unknown);
    return { ...lookup, contacts: new Set([...lookup.contacts, ...found]), contactsAsked: true };
  }
}
