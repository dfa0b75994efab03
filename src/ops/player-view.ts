/**
 * A player as the admin API shows it (`GET /admin/players/{id}`): from the zone that holds it
 * when it is online (its state this tick, `source: "live"`), from the database otherwise
 * (`source: "database"`, as last written back). Positions are world coordinates, metres.
 */
import type { ZoneConfig } from '../config/world.ts';
import type { StoredCharacter } from '../storage/character-store.ts';
import type { Inventory } from '../storage/economy-store.ts';
import type { LivePlayer } from '../thread-messages/zone-control.ts';

export interface PlayerView extends Omit<LivePlayer, 'inventory'> {
  readonly playerId: number;
  readonly name: string | null;
  readonly source: 'live' | 'database';
  readonly online: boolean;
  /** Isolated by an operator: no log-in loads it until released. */
  readonly isolated: boolean;
  readonly inventory: NonNullable<LivePlayer['inventory']> | null;
  /** The session playing it: since its log-in (ISO 8601), and from where; null when offline. */
  readonly session: { readonly since: string | null; readonly address: string } | null;
}

/** Where a view's parts come from. */
export interface PlayerSources {
  load(playerId: number): Promise<StoredCharacter | undefined>;
  loadInventory(playerId: number): Promise<Inventory | undefined>;
  readonly zones: readonly ZoneConfig[];
}

/**
 * The view of `playerId`, or undefined when it has no character. `live` is what its zone holds
 * now and `address` its session's, when it is online.
 */
export async function viewPlayer(sources: PlayerSources, playerId: number, live: LivePlayer | undefined, address: string | undefined): Promise<PlayerView | undefined> {
  const stored = await sources.load(playerId);
  if (!stored) return undefined;
  const identity = { playerId, name: stored.name, isolated: stored.isolated };
  if (live && address !== undefined) {
    const since = stored.lastLoginAt === null ? null : new Date(stored.lastLoginAt).toISOString();
    return { ...identity, source: 'live', online: true, ...live, inventory: live.inventory ?? null, session: { since, address } };
  }
  const { state } = stored;
  const zone = sources.zones.find((z) => z.id === state.zoneId);
  const inventory = await sources.loadInventory(playerId);
  return {
    ...identity,
    source: 'database',
    online: false,
    zoneId: state.zoneId,
    x: state.x + (zone?.originXM ?? 0),
    y: state.y + (zone?.originYM ?? 0),
    heading: state.heading,
    hp: state.hp,
    level: state.level,
    exp: state.exp,
    inventory: inventory ? { gold: inventory.gold, items: inventory.items } : null,
    session: null,
  };
}
