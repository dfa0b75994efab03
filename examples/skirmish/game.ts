/**
 * Skirmish: the sample game module. Players fight wolves and each other; wolves wander, notice,
 * chase, bite, give up past their leash and come back after they die; kills earn experience,
 * levels and loot. The server decides everything; a client only asks to attack.
 *
 * Built only on the module API (src/game/game-module.ts): copy this folder to start a game.
 *
 *   GAME_MODULE=examples/skirmish/game.ts npm start
 */
import { defineGame } from '../../src/game/game-module.ts';
import { attack } from './combat.ts';
import { behave, respawnWolves, spawnPack } from './monsters.ts';
import { zoneState } from './zone-state.ts';

export default defineGame({
  name: 'skirmish',
  proto: './skirmish.proto',
  actions: {
    attack: { id: 1, message: 'skirmish.Attack' },
  },
  events: {
    hit: { id: 1, message: 'skirmish.Hit' },
    died: { id: 2, message: 'skirmish.Died' },
    levelUp: { id: 3, message: 'skirmish.LevelUp' },
    looted: { id: 4, message: 'skirmish.Looted' },
    refused: { id: 5, message: 'skirmish.Refused' },
  },
  npcKinds: { wolf: { id: 1 } },
  hooks: {
    start: (game) => spawnPack(game),
    leave: (game, player) => void zoneState(game).lastStrikeMs.delete(player.playerId),
    action(game, player, action) {
      if (action.name === 'attack') attack(game, player, (action.message as { targetEntityId: number }).targetEntityId, action.seq);
    },
    npc: (game, npc) => behave(game, npc),
    tick: (game) => respawnWolves(game),
    granted(game, result) {
      if (!result.ok) return;
      const killer = game.playerById(result.playerId);
      if (killer) game.send(killer, 'looted', { gold: result.gold, templateIds: result.items.map((item) => item.templateId) });
    },
  },
});
