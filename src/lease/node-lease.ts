/**
 * One server per NODE_ID on a MySQL database, on one machine or many: a starting server takes the
 * NODE_ID's lease in `node_leases` (sql/mysql/003_node_leases.sql) before start-up recovery, renews
 * it while it runs, and deletes it when it stops. The database arbitrates, on its own clock.
 *
 *   const lease = await NodeLease.take(url, nodeId, leaseMs, log);  // throws NodeLeaseHeldError if held
 *   lease.lost.then(() => …);                              // another process took it: stop serving
 *   await lease.release();
 *
 * A lease found held is waited for while it may have been left by a server that died: if it
 * expires without being renewed it is taken over; if its holder renews it, that holder is alive
 * and this server stops with NodeLeaseHeldError, having changed nothing. So a restart right after
 * a crash waits at most one lease time (NODE_LEASE_MS) instead of failing.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { LeaseLimits, StoreLimits } from '../config/limits.ts';
import type { Logger } from '../log/logger.ts';
import { DataInUseError } from './data-in-use-error.ts';

/** Another live server holds this NODE_ID; nothing was changed. */
export class NodeLeaseHeldError extends DataInUseError {
  override readonly name = 'NodeLeaseHeldError';
}

/** The database's clock, Unix milliseconds. */
const NOW_MS = 'CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)';

interface Held {
  readonly holder: string;
  readonly expiresAt: number;
  /** Milliseconds until it expires, by the database's clock. */
  readonly expiresInMs: number;
}

export class NodeLease {
  readonly holder: string;
  /** Resolves if the lease is found taken by another process: this server must stop serving. */
  readonly lost: Promise<Error>;
  private readonly url: string;
  private readonly nodeId: string;
  private readonly leaseMs: number;
  private readonly log: Logger;
  private readonly timer: NodeJS.Timeout;
  private loseIt: (err: Error) => void = () => {};
  private released = false;

  private constructor(url: string, nodeId: string, holder: string, leaseMs: number, log: Logger) {
    this.url = url;
    this.nodeId = nodeId;
    this.leaseMs = leaseMs;
    this.holder = holder;
    this.log = log;
    this.lost = new Promise((resolve) => {
      this.loseIt = resolve;
    });
    this.timer = setInterval(() => void this.renew(), leaseMs / 3);
    this.timer.unref();
  }

  /** `leaseMs`: how long the lease lasts unless renewed; it is renewed every third of that. */
  static async take(url: string, nodeId: string, leaseMs: number, log: Logger): Promise<NodeLease> {
    const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    let waitedFor: Held | undefined;
    for (;;) {
      const held = await NodeLease.tryTake(url, nodeId, holder, leaseMs);
      if (!held) {
        if (waitedFor) log.warn({ nodeId, previousHolder: waitedFor.holder }, 'took over a node lease its holder left to expire (it stopped without releasing it)');
        return new NodeLease(url, nodeId, holder, leaseMs, log);
      }
      if (waitedFor && held.holder === waitedFor.holder && held.expiresAt > waitedFor.expiresAt) {
        throw new NodeLeaseHeldError(
          `another server is running as NODE_ID ${nodeId} on this database (${held.holder}, renewing its lease): stop it first, or give this one its own NODE_ID`,
        );
      }
      if (!waitedFor) log.warn({ nodeId, holder: held.holder, waitMs: held.expiresInMs }, 'NODE_ID is leased to another process: waiting to see whether it is still alive (a lease is renewed while its server runs)');
      waitedFor = held;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, held.expiresInMs) + LeaseLimits.nodeLeaseSlackMs));
    }
  }

  /** Takes the lease if it is free or expired; otherwise says who holds it. */
  private static async tryTake(url: string, nodeId: string, holder: string, leaseMs: number): Promise<Held | undefined> {
    return NodeLease.onConnection(url, async (conn) => {
      await conn.query('START TRANSACTION');
      try {
        const [rows] = await conn.query<RowDataPacket[]>(`SELECT holder, expires_at, ${NOW_MS} AS now_ms FROM node_leases WHERE node_id = ? FOR UPDATE`, [nodeId]);
        const row = rows[0];
        if (row && Number(row.expires_at) > Number(row.now_ms)) {
          await conn.query('COMMIT');
          return { holder: String(row.holder), expiresAt: Number(row.expires_at), expiresInMs: Number(row.expires_at) - Number(row.now_ms) };
        }
        if (row) await conn.query(`UPDATE node_leases SET holder = ?, taken_at = ${NOW_MS}, expires_at = ${NOW_MS} + ? WHERE node_id = ?`, [holder, leaseMs, nodeId]);
        else await conn.query(`INSERT INTO node_leases (node_id, holder, taken_at, expires_at) VALUES (?, ?, ${NOW_MS}, ${NOW_MS} + ?)`, [nodeId, holder, leaseMs]);
        await conn.query('COMMIT');
        return undefined;
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        // Two servers inserting the first row at once: the loser sees the winner's next time round.
        if ((err as { errno?: number }).errno === 1062) return { holder: 'a server starting at the same moment', expiresAt: 0, expiresInMs: 0 };
        throw err;
      }
    });
  }

  private static async onConnection<T>(url: string, body: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = await createConnection({ uri: url, connectTimeout: StoreLimits.mysqlConnectTimeoutMs });
    try {
      return await body(conn);
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  }

  /** Extends the lease; finding it held by another process means it is lost. A database that cannot be reached is tried again at the next renewal. */
  private async renew(): Promise<void> {
    if (this.released) return;
    try {
      const [result] = await NodeLease.onConnection(this.url, (conn) =>
        conn.query<RowDataPacket[]>(`UPDATE node_leases SET expires_at = ${NOW_MS} + ? WHERE node_id = ? AND holder = ?`, [this.leaseMs, this.nodeId, this.holder]),
      );
      if ((result as unknown as { affectedRows: number }).affectedRows === 0 && !this.released) {
        clearInterval(this.timer);
        this.loseIt(new NodeLeaseHeldError(`NODE ${this.nodeId}'s lease was taken by another process (it expired while this server could not renew it): this server stops serving`));
      }
    } catch (err) {
      this.log.warn({ err, nodeId: this.nodeId }, 'could not renew the node lease; trying again');
    }
  }

  /** Gives the NODE_ID up for the next server at once. */
  async release(): Promise<void> {
    this.released = true;
    clearInterval(this.timer);
    await NodeLease.onConnection(this.url, (conn) => conn.query('DELETE FROM node_leases WHERE node_id = ? AND holder = ?', [this.nodeId, this.holder])).catch((err: unknown) => {
      this.log.warn({ err, nodeId: this.nodeId }, 'could not release the node lease: it expires by itself');
    });
  }
}
