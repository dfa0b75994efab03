/**
 * A store failure as every thread sees it: the message, and the database's error code and number
 * where there is one (mysql2: `ER_DUP_ENTRY` / 1062, `ECONNREFUSED`; node:sqlite:
 * `ERR_SQLITE_ERROR` with SQLite's extended result code), or one of StoreErrorCodes.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: string | undefined;
  readonly errno: number | undefined;

  constructor(message: string, code?: string, errno?: number) {
    super(message);
    this.code = code;
    this.errno = errno;
  }
}

export const StoreErrorCodes = Object.freeze({
  /** The store worker has exited or closed this client's port; nothing was done. */
  workerGone: 'STORE_WORKER_GONE',
  /**
   * The call did not finish within STORE_CALL_TIMEOUT_MS (the database or the store worker did not
   * answer): its outcome is unknown, as after a lost connection.
   */
  timeout: 'STORE_TIMEOUT',
  /** The store worker is shutting down and takes no new requests. */
  stopping: 'STORE_STOPPING',
  /** A caller broke the interface's rules (for example a player twice in one save). */
  badRequest: 'STORE_BAD_REQUEST',
  /** More economy operations are waiting for a database transaction than the store queues; nothing was done. */
  busy: 'STORE_BUSY',
  /** The character is isolated by an operator (admin-store.ts): it cannot be loaded. */
  isolated: 'STORE_CHARACTER_ISOLATED',
});
