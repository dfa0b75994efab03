/**
 * One server per embedded database: a starting server takes an exclusive SQLite lock on a file of
 * its own next to the database (DATA_DIR/zone-server.lock) before it opens anything, and holds it
 * until it stops. A second server started on the same DATA_DIR by mistake finds it taken and
 * stops before start-up recovery, which would otherwise release the first server's players. The
 * operating system drops the lock when the process dies, however it dies, so a crash leaves
 * nothing to clean up. Tools that only read the database take no lock.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DataInUseError } from './data-in-use-error.ts';

export const LOCK_FILE_NAME = 'zone-server.lock';

/** Another server holds the directory; nothing was opened. */
export class DataDirInUseError extends DataInUseError {
  override readonly name = 'DataDirInUseError';
}

export class DataDirLock {
  private readonly db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** Takes the lock at once, or throws DataDirInUseError naming the directory. */
  static take(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const db = new DatabaseSync(join(dataDir, LOCK_FILE_NAME), { timeout: 0 });
    try {
      // An exclusive transaction in exclusive locking mode keeps a lock no other process (or
      // connection) can share, until it ends.
      db.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE');
    } catch (err) {
      db.close();
      throw new DataDirInUseError(`another server is running on DATA_DIR ${dataDir} (one server per embedded database): stop it first, or give this one its own DATA_DIR (${(err as Error).message})`);
    }
    return new DataDirLock(db);
  }

  release(): void {
    if (!this.db.isOpen) return;
    this.db.exec('ROLLBACK');
    this.db.close();
  }
}
