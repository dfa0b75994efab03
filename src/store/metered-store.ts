/**
 * The store worker's backend with its metrics and logs around it: the store worker's own
 * prom-client registry, collected by the main thread on each scrape and merged like a zone's
 * (metrics/metrics-hub.ts). Stale-epoch writes are counted and logged here, whichever backend
 * refused them; failures are counted by operation and passed on unchanged.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../log/logger.ts';
import { foldedCounter } from '../metrics/folded-counter.ts';
import type { Backend, CharacterSnapshot, CharacterState, CharacterStore, Isolated, OwnedCharacter, SaveResult, StoredCharacter } from '../storage/character-store.ts';
import type { AdminStore, AdminWriteResult, AuditDraft, AuditEntry, AuditQuery, AuditRecord, CharacterChange } from '../storage/admin-store.ts';
import type { StoreBackend } from './store-backend.ts';
import { StoreLimits } from '../config/limits.ts';


export class MeteredStore implements CharacterStore, AdminStore {
  readonly registry = new Registry();
  readonly backend: Backend;
  private readonly inner: StoreBackend;
  private readonly log: Logger;
  private readonly flushDuration: Histogram;
  private readonly batchRows: Histogram;
  private readonly rowsWritten: Counter;
  private readonly staleRejects: Counter;
  private readonly dbErrors: Counter<'op'>;

  constructor(backend: StoreBackend, log: Logger) {
    this.backend = backend.backend;
    this.inner = backend;
    this.log = log;
    const registry = this.registry;
    this.flushDuration = new Histogram({
      name: 'store_flush_duration_seconds',
      help: 'Time to write one save batch (one transaction), seconds.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.batchRows = new Histogram({
      name: 'store_batch_rows',
      help: 'Characters in one save batch.',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    });
    this.rowsWritten = new Counter({ name: 'store_rows_written_total', help: 'Character rows written by saves and log-outs.', registers: [registry] });
    this.staleRejects = new Counter({
      name: 'store_stale_epoch_rejects_total',
      help: 'Writes refused because their owner epoch was no longer current.',
      registers: [registry],
    });
    this.dbErrors = new Counter({ name: 'store_db_errors_total', help: 'Store operations that failed, by operation.', labelNames: ['op'], registers: [registry] });
    foldedCounter(registry, 'store_statements_total', 'SQL statements sent to the database (BEGIN and COMMIT included).', () => backend.statements);
    new Gauge({
      name: 'store_pool_connections_in_use',
      help: 'Database connections busy with a request (SQLite: 0 or 1).',
      registers: [registry],
      collect() {
        this.set(backend.connectionsInUse());
      },
    });
    new Gauge({ name: 'store_backend_info', help: 'The storage backend in use (value 1).', labelNames: ['backend'], registers: [registry] }).set(
      { backend: backend.backend },
      1,
    );
  }

  migrate(): Promise<string[]> {
    return this.counted('migrate', this.inner.migrate());
  }

  acquire(playerId: number, nodeId: string, initial: CharacterState): Promise<OwnedCharacter> {
    return this.counted('acquire', this.inner.acquire(playerId, nodeId, initial));
  }

  acquireExisting(playerId: number, nodeId: string): Promise<OwnedCharacter | Isolated | undefined> {
    return this.counted('acquire', this.inner.acquireExisting(playerId, nodeId));
  }

  async save(snapshots: readonly CharacterSnapshot[]): Promise<SaveResult> {
    const endTimer = this.flushDuration.startTimer();
    const result = await this.counted('save', this.inner.save(snapshots));
    endTimer();
    this.batchRows.observe(snapshots.length);
    this.rowsWritten.inc(result.written.length);
    if (result.stale.length > 0) {
      this.staleRejects.inc(result.stale.length);
      this.log.warn({ count: result.stale.length, playerIds: result.stale.slice(0, StoreLimits.staleIdsLogged) }, 'stale-epoch saves rejected');
    }
    return result;
  }

  async release(snapshot: CharacterSnapshot): Promise<boolean> {
    const released = await this.counted('release', this.inner.release(snapshot));
    if (released) {
      this.rowsWritten.inc();
    } else {
      this.staleRejects.inc();
      this.log.warn({ playerId: snapshot.playerId, epoch: snapshot.epoch }, 'stale-epoch release rejected');
    }
    return released;
  }

  replay(snapshots: readonly CharacterSnapshot[]): Promise<number> {
    return this.counted('replay', this.inner.replay(snapshots));
  }

  releaseNode(nodeId: string): Promise<number> {
    return this.counted('release_node', this.inner.releaseNode(nodeId));
  }

  releaseOwned(owners: readonly { readonly playerId: number; readonly epoch: number }[]): Promise<number> {
    return this.counted('release_owned', this.inner.releaseOwned(owners));
  }

  load(playerId: number): Promise<StoredCharacter | undefined> {
    return this.counted('load', this.inner.load(playerId));
  }

  changeCharacter(playerId: number, change: CharacterChange, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.counted('change_character', this.inner.changeCharacter(playerId, change, audit));
  }

  isolate(playerId: number, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.counted('isolate', this.inner.isolate(playerId, audit));
  }

  releaseIsolation(playerId: number, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.counted('release_isolation', this.inner.releaseIsolation(playerId, audit));
  }

  recordAudit(record: AuditRecord): Promise<void> {
    return this.counted('record_audit', this.inner.recordAudit(record));
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.counted('list_audit', this.inner.listAudit(query));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async counted<T>(op: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      this.dbErrors.inc({ op });
      throw err;
    }
  }
}
