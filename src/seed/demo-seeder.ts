import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PERMISSIONS } from '../auth/permissions';
import { parseSeedFile } from './seed-file';
import { SeedService } from './seed.service';

export interface DemoCredentials {
  userKey: string;
  secret: string;
}

export const DEMO_USER_KEY = 'demo-integrator';

/**
 * First start on the embedded database: a demo brand to try the API with. Its secret is random,
 * kept in DATA_DIR beside the database (the database only has its hash), and printed at each start.
 */
@Injectable()
export class DemoSeeder {
  constructor(private readonly seeds: SeedService) {}

  async ensure(dataDir: string): Promise<DemoCredentials> {
    const file = join(dataDir, 'demo-credentials.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
    const credentials: DemoCredentials = { userKey: DEMO_USER_KEY, secret: randomBytes(18).toString('base64url') };
    await this.seeds.load(
      parseSeedFile({
        brands: [
          {
            key: 'demo',
            name: 'Demo Brand',
            extensionColumns: ['contact_key', 'address', 'channel', 'name', 'permission'],
            extensionTypes: [
              { name: 'Work Email', channel: 'E', columnOrder: 1 },
              { name: 'Personal Email', channel: 'E', columnOrder: 2 },
              { name: 'Mobile', channel: 'S', columnOrder: 3 },
              { name: 'WhatsApp', channel: 'W', columnOrder: 4 },
            ],
            contacts: [1, 2, 3, 4, 5].map((n) => ({ contact_key: `demo-contact-${n}` })),
            apiUsers: [{ userKey: credentials.userKey, secret: credentials.secret, permissions: [...PERMISSIONS], active: true }],
            extensions: [
              { contact_key: 'demo-contact-1', address: 'jane.doe@example.com', channel: 'E', name: 'Work Email', permission: true },
            ],
          },
        ],
      }),
    );
    writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    return credentials;
  }
}
