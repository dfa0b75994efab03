/**
 * What the admin API asks of the server, and how the server does it: a change to a player goes
 * to the zone that holds it when it is online (applied in that zone's tick, the player told at
 * once), and to the database otherwise, under the ownership rules every write follows. Grants go
 * the same two ways (zone-economy.ts); isolating first ends the player's session here and waits
 * for its final write.
 */
import type { Config } from '../config/config.ts';
import { zoneAt } from '../config/world.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { SessionEnds } from '../protocol/session-ends.ts';
import type { AdminRefusal, AdminWriteResult, AuditDraft, AuditEntry, AuditQuery, AuditRecord, CharacterChange } from '../storage/admin-store.ts';
import type { GrantRequest, GrantResult, SendMailRequest, SendMailResult } from '../storage/economy-store.ts';
import type { StoreClient } from '../storage/store-client.ts';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import type { PlayerChange } from '../thread-messages/zone-control.ts';
import { OpsLimits } from '../config/limits.ts';
import type { ServerResponse } from 'node:http';
import { viewPlayer, type PlayerView } from './player-view.ts';
import { mapOf, type ZoneMap } from './zone-map.ts';
import { ZoneWatches } from './zone-watches.ts';

/** A zone in GET /admin/zones; `players` and `tickP99Ms` are null while it is not running. */
export interface ZoneSummary {
  readonly id: number;
  readonly name: string;
  readonly state: string;
  readonly players: number | null;
  readonly tickP99Ms: number | null;
}

/** GET /admin/zones/{id}/players: world coordinates, metres. */
export interface ZoneRoster {
  readonly zoneId: number;
  readonly players: readonly { readonly playerId: number; readonly name: string; readonly x: number; readonly y: number }[];
}

/** How a change to a player went: where it was applied, or why not (`audited`: the store recorded the refusal). */
export type ChangeAnswer =
  | { readonly ok: true; readonly source: 'live' | 'database'; readonly audited: boolean }
  | {
      readonly ok: false;
      /** PLAYER_BUSY: changing zones, or leaving with its last write on its way; OUTSIDE_WORLD: the point is in no zone. */
      readonly reason: AdminRefusal | 'PLAYER_BUSY' | 'OUTSIDE_WORLD';
      readonly ownerNode?: string | null | undefined;
      readonly audited: boolean;
    };

/** How isolating went: 'late' when the player's last state was still being written. */
export type IsolateAnswer = (AdminWriteResult & { readonly wasOnline: boolean }) | 'late';

export interface AdminActions {
  grant(request: GrantRequest, audit: AuditDraft): Promise<GrantResult>;
  /** System mail: gold and new items created in a mail. */
  sendMail(request: SendMailRequest, audit: AuditDraft): Promise<SendMailResult>;
  /** A system chat message to every player; the zones it reached, or why the text was refused. */
  systemChat(text: string): { zones: number } | { refusal: string };
  /** The player now (player-view.ts); undefined when it has no character. */
  player(playerId: number): Promise<PlayerView | undefined>;
  /** Ends the player's session, telling the client `reason`; false when it has none. */
  kick(playerId: number, reason: string): boolean;
  /** Changes the player: through its zone when online, in the database otherwise. */
  changePlayer(playerId: number, change: PlayerChange, audit: AuditDraft): Promise<ChangeAnswer>;
  isolate(playerId: number, audit: AuditDraft): Promise<IsolateAnswer>;
  releaseIsolation(playerId: number, audit: AuditDraft): Promise<AdminWriteResult>;
  recordAudit(record: AuditRecord): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  zones(): Promise<ZoneSummary[]>;
  /** The zone's players; undefined when there is no such zone, a rejection while it is not running. */
  zonePlayers(zoneId: number): Promise<ZoneRoster | undefined>;
  /** Where the zone's entities are; undefined when there is no such zone, a rejection while it is not running. */
  zoneMap(zoneId: number): Promise<ZoneMap | undefined>;
  /**
   * Streams the zone's map into `response` (zone-watches.ts); undefined when there is no such
   * zone, false when it has as many watchers as it takes.
   */
  watchZone(zoneId: number, response: ServerResponse): boolean | undefined;
  /** Ends the live maps' streams. */
  close(): void;
}

export function adminActions(config: Config, gateway: Gateway, zones: readonly ZoneHandle[], store: StoreClient): AdminActions {
  const zoneMap = async (zoneId: number): Promise<ZoneMap | undefined> => {
    const zone = zones.find((z) => z.id === zoneId);
    return zone && mapOf(zone.config, await zone.sampleEntities());
  };
  const watches = new ZoneWatches(async (zoneId) => (await zoneMap(zoneId)) as ZoneMap, OpsLimits.mapSampleIntervalMs, OpsLimits.maxMapWatchersPerZone);
  return {
    grant: (request, audit) => gateway.withPlayer(request.playerId, (zone) => (zone ? zone.grant(request, audit) : store.grant(request, audit))),
    sendMail: (request, audit) => store.sendMail(request, audit),
    systemChat: (text) => gateway.systemChat(text),
    player: (playerId) =>
      gateway.withPlayer(playerId, async (zone, address) => {
        const live = zone ? await zone.inspectPlayer(playerId) : undefined;
        return viewPlayer({ load: (id) => store.load(id), loadInventory: (id) => store.loadInventory(id), zones: config.zones }, playerId, live, address);
      }),
    kick: (playerId, reason) => gateway.kick(playerId, reason),
    changePlayer: (playerId, change, audit) =>
      gateway.withPlayer(playerId, async (zone): Promise<ChangeAnswer> => {
        if (zone) {
          const outcome = await zone.changePlayer(playerId, change);
          // Gone from the zone since: it is leaving (its last write on its way) or changing zones.
          if ('refusal' in outcome) return { ok: false, reason: outcome.refusal === 'PLAYER_NOT_ONLINE' ? 'PLAYER_BUSY' : outcome.refusal, audited: false };
          return { ok: true, source: 'live', audited: false };
        }
        const stored = storedChange(config, change);
        if (!stored) return { ok: false, reason: 'OUTSIDE_WORLD', audited: false };
        const result = await store.changeCharacter(playerId, stored, audit);
        return result.ok ? { ok: true, source: 'database', audited: true } : { ok: false, reason: result.reason, ownerNode: result.ownerNode, audited: true };
      }),
    isolate: (playerId, audit) =>
      gateway.whenUnloaded(playerId, SessionEnds.isolated, async (wasOnline) => ({ ...(await store.isolate(playerId, audit)), wasOnline })),
    releaseIsolation: (playerId, audit) => store.releaseIsolation(playerId, audit),
    recordAudit: (record) => store.recordAudit(record),
    listAudit: (query) => store.listAudit(query),
    zones: () =>
      Promise.all(
        zones.map(async (zone) => {
          const status = zone.state === 'running' ? await zone.status().catch(() => undefined) : undefined;
          return { id: zone.id, name: zone.config.name, state: zone.state, players: status ? status.players.length : null, tickP99Ms: status ? status.tickP99Ms : null };
        }),
      ),
    zonePlayers: async (zoneId) => {
      const zone = zones.find((z) => z.id === zoneId);
      if (!zone) return undefined;
      const { players } = await zone.status();
      return { zoneId, players: players.map((player) => ({ ...player, name: gateway.nameOf(player.playerId) })) };
    },
    zoneMap,
    watchZone: (zoneId, response) => (zones.some((z) => z.id === zoneId) ? watches.watch(zoneId, response) : undefined),
    close: () => watches.close(),
  };
}

/** A change as the database stores it: a teleport's world point in the zone that holds it; undefined when none does. */
function storedChange(config: Config, change: PlayerChange): CharacterChange | undefined {
  const { x, y, ...rest } = change;
  if (x === undefined || y === undefined) return rest;
  const zone = zoneAt(config.zones, x, y);
  return zone ? { ...rest, place: { zoneId: zone.id, x: x - zone.originXM, y: y - zone.originYM } } : undefined;
}
