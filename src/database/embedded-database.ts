import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Raised when DATA_DIR is held by another live process. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

/**
 * PGlite does not lock its data directory, and a second process writing to it loses its writes
 * silently. So we take a pid lock file first, and take over a lock only when its process is gone.
 */
function acquireLock(dataDir: string): () => void {
  const file = join(dataDir, 'service.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.removeListener('exit', release);
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(
          `DATA_DIR ${resolve(dataDir)} is in use by another process (pid ${holder}); stop it or choose another DATA_DIR`,
        );
      }
      unlinkSync(file); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(`could not lock DATA_DIR ${resolve(dataDir)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded PostgreSQL (PGlite, PostgreSQL compiled to WASM) that runs when DATABASE_URL is unset.
 * PGlite serves a single session, so it is reached through its in-process node-postgres adapter
 * with a pool of exactly one connection; nothing may query a second connection inside a transaction.
 */
export class EmbeddedDatabase {
  private constructor(
    readonly pglite: PGlite,
    private readonly releaseLock: () => void,
  ) {}

  /** `memory://` keeps the database in memory (tests); anything else is a directory. */
  static async open(dataDir: string): Promise<EmbeddedDatabase> {
    if (dataDir.startsWith('memory://')) {
      return new EmbeddedDatabase(await PGlite.create(dataDir), () => undefined);
    }
    mkdirSync(dataDir, { recursive: true });
    const release = acquireLock(dataDir);
    try {
      const pglite = await PGlite.create(join(dataDir, 'pgdata'));
      return new EmbeddedDatabase(pglite, release);
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The pg pool settings that route TypeORM's postgres driver to this instance. */
  pgConfig(): Record<string, unknown> {
    return { ...createPgConfig(this.pglite), max: 1 };
  }

  async close(): Promise<void> {
    try {
      if (!this.pglite.closed) await this.pglite.close();
    } finally {
      this.releaseLock();
    }
  }
}
