/**
 * Group commit for the economy: durable operations that arrive together share one
 * database transaction, so a burst of trades pays for one commit (one fsync) and a handful of
 * multi-row statements instead of a transaction each.
 *
 * - Forming groups: an operation that arrives while fewer than `maxGroupsInFlight` groups are
 *   committing starts a group at the end of the current event-loop turn (setImmediate), so that
 *   everything that arrived in the same turn joins it; operations that arrive while the limit of
 *   groups is committing wait and form the next group as soon as one finishes. A group takes at
 *   most `maxOps` operations, oldest first.
 * - A group runs batched first (economy-sql.ts). If a statement fails (a constraint, a trigger, a
 *   name taken on another node since it was read), the transaction is rolled back and the group
 *   runs again with a SAVEPOINT per operation: the operation the database refuses is rolled back
 *   alone (ROLLBACK TO SAVEPOINT) and the others commit.
 * - A deadlock or lock-wait timeout (MySQL 1213 / 1205) rolls the whole group back; it is retried
 *   up to `maxRetries` times after a short random pause (DeadlockRetryBackoff), then every
 *   operation in it fails.
 * - Every promise settles only after the COMMIT covering its operation has returned, or with the
 *   error that prevented it: never success before commit. After a failure an operation may have
 *   committed (a COMMIT whose answer was lost); its opId makes a retry safe.
 * - The queue is bounded (`maxQueued`): past it, new operations are refused at once with
 *   STORE_BUSY, and nothing is done for them.
 */
import type { EconomyOp, OpResult } from './economy-plan.ts';
import type { GroupMode, OpOutcome } from './economy-sql.ts';
import type { Config } from '../config/config.ts';
import { DeadlockRetryBackoff, StoreLimits } from '../config/limits.ts';
import { Backoff } from '../retry/backoff.ts';
import { StoreError, StoreErrorCodes } from '../storage/store-error.ts';
import type { GroupCommitSettings } from '../thread-messages/store-control.ts';

/** How a failed group transaction is handled: run again, run with savepoints, or give up. */
export type FailureKind = 'retry' | 'statement' | 'fatal';

export interface GroupExecutor {
  /** Runs one group in one transaction; resolves after COMMIT with an outcome per operation. */
  runGroup(ops: readonly EconomyOp[], mode: GroupMode): Promise<OpOutcome[]>;
  classify(err: unknown): FailureKind;
}

/** The settings the configuration and the fixed limits give. */
export function groupCommitSettings(config: Pick<Config, 'economyGroupMaxOps' | 'economyMaxQueued'>): GroupCommitSettings {
  return { maxOps: config.economyGroupMaxOps, maxQueued: config.economyMaxQueued, maxGroupsInFlight: StoreLimits.groupsInFlight, maxRetries: StoreLimits.deadlockRetries };
}


export interface GroupCommitHooks {
  /** A group committed, with this many operations, in this mode. */
  committed(size: number, mode: GroupMode, seconds: number): void;
  deadlockRetry(): void;
}

interface Waiting {
  readonly op: EconomyOp;
  resolve(result: OpResult): void;
  reject(err: unknown): void;
}

export class GroupCommitter {
  private readonly executor: GroupExecutor;
  private readonly settings: GroupCommitSettings;
  private readonly hooks: GroupCommitHooks;
  private readonly queue: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(executor: GroupExecutor, settings: GroupCommitSettings, hooks: GroupCommitHooks) {
    this.executor = executor;
    this.settings = settings;
    this.hooks = hooks;
  }

  submit(op: EconomyOp): Promise<OpResult> {
    if (this.queue.length >= this.settings.maxQueued) {
      return Promise.reject(new StoreError(`${this.queue.length} economy operations are already waiting for the database`, StoreErrorCodes.busy));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.scheduled && this.inFlight < this.settings.maxGroupsInFlight) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.startGroups();
        });
      }
    });
  }

  private startGroups(): void {
    while (this.inFlight < this.settings.maxGroupsInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, this.settings.maxOps);
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        // What arrived while this group committed forms the next one.
        this.startGroups();
      });
    }
  }

  private async commit(group: readonly Waiting[]): Promise<void> {
    const ops = group.map((w) => w.op);
    let mode: GroupMode = 'batched';
    const backoff = new Backoff(DeadlockRetryBackoff);
    for (;;) {
      const started = performance.now();
      try {
        const outcomes = await this.executor.runGroup(ops, mode);
        this.hooks.committed(ops.length, mode, (performance.now() - started) / 1000);
        group.forEach((waiting, i) => {
          const outcome = outcomes[i] as OpOutcome;
          if ('result' in outcome) waiting.resolve(outcome.result);
          else waiting.reject(outcome.error);
        });
        return;
      } catch (err) {
        const kind = this.executor.classify(err);
        if (kind === 'retry' && backoff.failuresInARow < this.settings.maxRetries) {
          this.hooks.deadlockRetry();
          // Random within the backoff's delay, so that two victims of one deadlock spread out.
          const pauseMs = Math.random() * backoff.next();
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
        } else if (kind === 'statement' && mode === 'batched') {
          mode = 'savepoints';
        } else {
          for (const waiting of group) waiting.reject(err);
          return;
        }
      }
    }
  }
}
