import { consentChangesOfUpsert } from './consent-changes';
import { ExistingExtension } from './upsert-planner';

const existing = (id: string, permission: boolean): ExistingExtension => ({
  id,
  contactKey: 'c1',
  address: `${id}@x.com`,
  channel: 'E',
  name: null,
  permission,
});

describe('consent changes of a bulk upsert', () => {
  it('records every insert and every update that changes the permission, with the old and new value', () => {
    const lookup = {
      extensions: new Map([
        ['k1', existing('1', false)],
        ['k2', existing('2', true)],
        ['k3', existing('3', true)],
      ]),
    };
    const changes = consentChangesOfUpsert(
      {
        inserts: [{ contactKey: 'c2', address: 'n@x.com', channel: 'E', name: null, permission: false }],
        updates: [
          { id: '1', contactKey: 'c1', address: '1@x.com', nameSet: false, name: null, permission: true, moves: false },
          // a rename without a permission change is not a consent change
          { id: '2', contactKey: 'c1', address: 'renamed@x.com', nameSet: false, name: null, permission: null, moves: true },
          { id: '3', contactKey: 'c9', address: '3@x.com', nameSet: true, name: 'Work Email', permission: false, moves: true },
        ],
      },
      lookup,
    );
    expect(changes).toEqual([
      { contactKey: 'c2', address: 'n@x.com', channel: 'E', oldPermission: null, newPermission: false },
      { contactKey: 'c1', address: '1@x.com', channel: 'E', oldPermission: false, newPermission: true },
      { contactKey: 'c9', address: '3@x.com', channel: 'E', oldPermission: true, newPermission: false },
    ]);
  });
});
