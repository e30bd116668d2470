import type { ConsentChangeRow } from '../operations/operations.recorder';
import { LookupResult, UpsertPlan } from './upsert-planner';

/**
 * The consent history of a bulk upsert, computed from its plan and lookup: every insert (from no
 * extension to its permission) and every update that changes the permission (old from the lookup,
 * which the transaction's REPEATABLE READ snapshot keeps true: a row changed meanwhile makes the
 * UPDATE fail and the whole request run again). Keyed by where the extension ends up.
 */
export function consentChangesOfUpsert(
  plan: Pick<UpsertPlan, 'inserts' | 'updates'>,
  lookup: Pick<LookupResult, 'extensions'>,
): ConsentChangeRow[] {
  const byId = new Map([...lookup.extensions.values()].map((e) => [e.id, e]));
  const changes: ConsentChangeRow[] = plan.inserts.map((i) => ({
    contactKey: i.contactKey,
    address: i.address,
    channel: i.channel,
    oldPermission: null,
    newPermission: i.permission,
  }));
  for (const u of plan.updates) {
    const before = byId.get(u.id);
    if (u.permission === null || !before || before.permission === u.permission) continue;
    changes.push({
      contactKey: u.contactKey,
      address: u.address,
      channel: before.channel,
      oldPermission: before.permission,
      newPermission: u.permission,
    });
  }
  return changes;
}
