/**
 * The economy as the store worker serves it: checks each request (economy/economy-rules.ts), sends the
 * durable ones through the group committer, reads inventories and mail straight from the backend,
 * and counts it all in the store worker's registry:
 *
 * - `store_economy_ops_total{op, outcome}`: op is trade, grant, mail_send, mail_claim or
 *   create_character; outcome is committed, refused (a typed refusal, by the request checks or the
 *   database), replayed (the stored result of an earlier call) or failed (an error: nothing known
 *   to be committed).
 * - `store_group_commit_size`: operations per committed group transaction.
 * - `store_group_commit_duration_seconds{mode}`: one group, from BEGIN to COMMIT.
 * - `store_deadlock_retries_total`: group transactions run again after a deadlock or lock-wait timeout.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Backend, CharacterState } from '../storage/character-store.ts';
import { requestHash, type EconomyOp, type OpKind, type OpResult } from './economy-plan.ts';
import { GroupCommitter, type GroupExecutor } from './group-commit.ts';
import { StoreError, StoreErrorCodes } from '../storage/store-error.ts';
import type { ClaimMailRequest, ClaimMailResult, CreateCharacterResult, EconomyStore, GrantRequest, GrantResult, Inventory, Mail, Refused, SendMailRequest, SendMailResult, TradeRequest, TradeResult } from '../storage/economy-store.ts';
import type { EconomyRefusal } from '../protocol/reasons.ts';
import { checkCharacterName } from '../economy/character-names.ts';
import { checkClaimMail, checkGrant, checkSendMail, checkTrade } from '../economy/economy-rules.ts';
import type { GroupCommitSettings } from '../thread-messages/store-control.ts';
import type { AuditDraft } from '../storage/admin-store.ts';

/** What a backend offers the economy besides running groups. */
export interface EconomyBackend extends GroupExecutor {
  readonly backend: Backend;
  loadInventory(playerId: number): Promise<Inventory | undefined>;
  listMail(playerId: number): Promise<Mail[]>;
}

type Outcome = 'committed' | 'refused' | 'replayed' | 'failed';

export class MeteredEconomy implements EconomyStore {
  private readonly backend: EconomyBackend;
  private readonly committer: GroupCommitter;
  private readonly ops: Counter<'op' | 'outcome'>;

  constructor(backend: EconomyBackend, settings: GroupCommitSettings, registry: Registry) {
    this.backend = backend;
    this.ops = new Counter({
      name: 'store_economy_ops_total',
      help: 'Economy operations by operation and outcome (committed, refused, replayed, failed).',
      labelNames: ['op', 'outcome'],
      registers: [registry],
    });
    const groupSize = new Histogram({
      name: 'store_group_commit_size',
      help: 'Economy operations per committed group transaction.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers: [registry],
    });
    const groupDuration = new Histogram({
      name: 'store_group_commit_duration_seconds',
      help: 'One economy group transaction, BEGIN to COMMIT, seconds; mode batched or savepoints.',
      labelNames: ['mode'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    const deadlockRetries = new Counter({
      name: 'store_deadlock_retries_total',
      help: 'Economy group transactions run again after a deadlock or lock-wait timeout.',
      registers: [registry],
    });
    // One transaction at a time on SQLite's single connection.
    const groupsInFlight = backend.backend === 'sqlite' ? 1 : settings.maxGroupsInFlight;
    this.committer = new GroupCommitter(backend, { ...settings, maxGroupsInFlight: groupsInFlight }, {
      committed(size, mode, seconds) {
        groupSize.observe(size);
        groupDuration.observe({ mode }, seconds);
      },
      deadlockRetry: () => deadlockRetries.inc(),
    });
  }

  createCharacter(playerId: number, name: string, initial: CharacterState): Promise<CreateCharacterResult> {
    return this.run('create_character', () => {
      if (!Number.isSafeInteger(playerId) || playerId < 1) throw new StoreError(`playerId must be a positive whole number, got ${playerId}`, StoreErrorCodes.badRequest);
      if (typeof name !== 'string') throw new StoreError('name must be a string', StoreErrorCodes.badRequest);
      const reason = checkCharacterName(name);
      return reason ? { ok: false, reason } : { kind: 'create_character', playerId, name, initial };
    }) as Promise<CreateCharacterResult>;
  }

  trade(request: TradeRequest): Promise<TradeResult> {
    return this.run('trade', () => refusedOr(request.opId, checkTrade(request), { kind: 'trade', request, hash: requestHash('trade', request) })) as Promise<TradeResult>;
  }

  grant(request: GrantRequest, audit?: AuditDraft): Promise<GrantResult> {
    return this.run('grant', () => refusedOr(request.opId, checkGrant(request), { kind: 'grant', request, hash: requestHash('grant', request), audit })) as Promise<GrantResult>;
  }

  sendMail(request: SendMailRequest, audit?: AuditDraft): Promise<SendMailResult> {
    return this.run('mail_send', () =>
      refusedOr(request.opId, checkSendMail(request), { kind: 'mail_send', request, hash: requestHash('mail_send', request), audit }),
    ) as Promise<SendMailResult>;
  }

  claimMail(request: ClaimMailRequest): Promise<ClaimMailResult> {
    return this.run('mail_claim', () =>
      refusedOr(request.opId, checkClaimMail(request), { kind: 'mail_claim', request, hash: requestHash('mail_claim', request) }),
    ) as Promise<ClaimMailResult>;
  }

  loadInventory(playerId: number): Promise<Inventory | undefined> {
    return this.backend.loadInventory(playerId);
  }

  listMail(playerId: number): Promise<Mail[]> {
    return this.backend.listMail(playerId);
  }

  /** Checks the request (`prepare` returns the op, or a refusal it earned); commits the op in a group; counts the outcome. */
  private async run(kind: OpKind, prepare: () => EconomyOp | Extract<OpResult, { ok: false }>): Promise<OpResult> {
    let outcome: Outcome = 'failed';
    try {
      const op = prepare();
      const result = 'kind' in op ? await this.committer.submit(op) : op;
      outcome = 'replayed' in result && result.replayed ? 'replayed' : result.ok ? 'committed' : 'refused';
      return result;
    } finally {
      this.ops.inc({ op: kind, outcome });
    }
  }
}

function refusedOr(opId: string, reason: EconomyRefusal | undefined, op: EconomyOp): EconomyOp | Refused {
  return reason ? { ok: false, opId, replayed: false, reason } : op;
}
