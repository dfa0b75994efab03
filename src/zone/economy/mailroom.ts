/**
 * Mail with attachments for the players of a zone. Sending escrows the sender's gold and items
 * while the store moves them into the mail in one transaction; claiming moves a mail's gold and
 * items to its recipient in one transaction. Each is answered (MailResult, with the request's
 * seq) only after the commit, and the player's inventory is then read back. A claim sent again is
 * refused with MAIL_CLAIMED once the first has committed, so a mail is claimed once; a claim that
 * was refused (a full wallet, say) can be sent again once the cause is gone. Store failures are
 * retried with the same operation id until the store answers (storage/until-answered.ts).
 */
import { randomUUID } from 'node:crypto';
import type { EconomyJob } from '../../thread-messages/jobs.ts';
import type { ServerMessageInit } from '../../protocol/messages.ts';
import { EconomyRefusals, MailReasons, RefusalMessages, type MailReason } from '../../protocol/reasons.ts';
import { untilAnswered, type Wait } from '../../storage/until-answered.ts';
import type { Escrows } from './escrow.ts';
import type { Player } from '../world/world.ts';
import type { ClaimMailResult, EconomyStore, SendMailResult } from '../../storage/economy-store.ts';
import { checkSendMail } from '../../economy/economy-rules.ts';

export interface MailHooks {
  send(sessionId: number, message: ServerMessageInit): void;
  refreshInventory(player: Player): void;
  failed(err: unknown, retryInMs: number): void;
  /** Waits between retries, in the zone's time. */
  wait: Wait;
}

export class Mailroom {
  private readonly store: Pick<EconomyStore, 'sendMail' | 'claimMail' | 'listMail'>;
  private readonly escrows: Escrows;
  private readonly hooks: MailHooks;
  /** Sends and claims waiting for the store now. */
  private readonly waiting = new Set<Promise<unknown>>();
  /** Sends with a client key waiting for the store, by operation id. */
  private readonly keyedInFlight = new Map<string, Promise<SendMailResult | undefined>>();
  /** Players with a send, claim or list waiting for the store, and how many each. */
  private readonly waitingFor = new Map<Player, number>();

  constructor(store: Pick<EconomyStore, 'sendMail' | 'claimMail' | 'listMail'>, escrows: Escrows, hooks: MailHooks) {
    this.store = store;
    this.escrows = escrows;
    this.hooks = hooks;
  }

  /**
   * A send with the client's key (clientKey) is one operation however often it comes: while it is
   * in flight, a copy gets its answer; after it committed, a copy finds the goods gone from the
   * player's memory and asks the store, which answers with the first result.
   */
  send(player: Player, job: EconomyJob): void {
    const keyed = job.clientKey !== 0;
    const request = { opId: keyed ? `mail-${player.playerId}-k${job.clientKey}` : `mail-${randomUUID()}`, from: player.playerId, to: job.target, gold: job.gold, itemIds: job.itemIds };
    let refusal: MailReason | undefined;
    try {
      if (keyed && (!Number.isSafeInteger(job.clientKey) || job.clientKey < 0)) throw new RangeError('client key out of range');
      refusal = checkSendMail(request);
    } catch {
      refusal = MailReasons.badRequest;
    }
    if (refusal) return this.hooks.send(player.sessionId, { mailResult: { seq: job.seq, ok: false, reason: refusal } });
    const answer = (result: SendMailResult | undefined): void => {
      // Undefined: the store worker is gone, this process is stopping.
      if (result) this.answer(player, job.seq, result.ok, result.ok ? MailReasons.committed : result.reason, result.ok ? result.mail.mailId : 0, request.opId);
    };
    const sameInFlight = keyed ? this.keyedInFlight.get(request.opId) : undefined;
    if (sameInFlight) return this.track(player, sameInFlight.then(answer));
    const unheld = this.escrows.refusal(player, job.gold, job.itemIds);
    if (unheld && !keyed) return this.hooks.send(player.sessionId, { mailResult: { seq: job.seq, ok: false, reason: unheld } });
    // A keyed copy whose goods are gone is the store's to judge: a replay, or a refusal.
    const hold = unheld ? undefined : this.escrows.hold(player, job.gold, job.itemIds);
    const sent = untilAnswered(() => this.store.sendMail(request), this.hooks.failed, this.hooks.wait);
    if (keyed) {
      this.keyedInFlight.set(request.opId, sent);
      void sent.finally(() => this.keyedInFlight.delete(request.opId)).catch(() => {});
    }
    this.track(
      player,
      sent.then((result) => {
        if (result && hold) this.escrows.release(player, hold);
        answer(result);
      }),
    );
  }

  claim(player: Player, job: EconomyJob): void {
    if (!Number.isSafeInteger(job.target) || job.target < 1) return this.answer(player, job.seq, false, EconomyRefusals.unknownMail, 0);
    const request = { opId: `claim-${randomUUID()}`, mailId: job.target, playerId: player.playerId };
    this.track(
      player,
      untilAnswered(() => this.store.claimMail(request), this.hooks.failed, this.hooks.wait).then((result: ClaimMailResult | undefined) => {
        if (result) this.answer(player, job.seq, result.ok, result.ok ? MailReasons.committed : result.reason, job.target, request.opId);
      }),
    );
  }

  list(player: Player, job: EconomyJob): void {
    this.countFor(player, 1);
    const listed = this.store.listMail(player.playerId);
    void listed.finally(() => this.countFor(player, -1)).catch(() => {});
    listed.then(
      (mails) => {
        if (player.removed) return;
        const shown = mails.map((mail) => ({ mailId: mail.mailId, fromPlayerId: mail.from ?? 0, gold: mail.gold, items: mail.items.map((item) => ({ ...item })), sentAtMs: mail.sentAt }));
        this.hooks.send(player.sessionId, { mailbox: { mails: shown, seq: job.seq } });
      },
      (err: unknown) => {
        this.hooks.failed(err, 0);
        if (!player.removed) this.hooks.send(player.sessionId, { error: { ...RefusalMessages.mailUnreadable, seq: job.seq } });
      },
    );
  }

  /** Sends and claims waiting for the store now. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** Whether the player waits for an answer of the store here: it cannot change zones before. */
  waitsFor(player: Player): boolean {
    return this.waitingFor.has(player);
  }

  /** Keeps `work` in flight until it settles. */
  private track(player: Player, work: Promise<void>): void {
    this.waiting.add(work);
    this.countFor(player, 1);
    void work.finally(() => {
      this.waiting.delete(work);
      this.countFor(player, -1);
    });
  }

  private countFor(player: Player, change: number): void {
    const count = (this.waitingFor.get(player) ?? 0) + change;
    if (count > 0) this.waitingFor.set(player, count);
    else this.waitingFor.delete(player);
  }

  private answer(player: Player, seq: number, ok: boolean, reason: MailReason, mailId: number, opId = ''): void {
    if (player.removed) return;
    this.hooks.send(player.sessionId, { mailResult: { seq, ok, reason, mailId, opId } });
    if (ok) this.hooks.refreshInventory(player);
  }
}
