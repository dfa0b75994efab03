import { WebSocket } from 'ws';
import { ZoneClient } from 'zone-server-client';

const [url = 'ws://127.0.0.1:7777', token, name = 'Alice'] = process.argv.slice(2);
// Browsers and Node 22 or later have a WebSocket of their own; ws's serves everywhere.
const client = await ZoneClient.connect(url, { WebSocket });
client.on('spawn', (e) => console.log('sees', e.playerId ? `player ${e.playerId}` : `npc ${e.id}`, 'at', e.x, e.y));
client.on('correction', (c) => console.log('move', c.seq, 'rejected:', c.reason)); // 'TOO_FAST', …
const me = await client.enter(token, name); // log in, creating the character if the player has none
console.log('player', me.playerId, 'at', me.x, me.y, 'in', me.zoneName);
for (let step = 0; step < 10; step++) {
  client.move(me.x + 0.5, me.y, 0); // 5 m/s east; `me` follows the moves and the server's corrections
  await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log('rtt', await client.ping(), 'ms');
await client.logout();
console.log('logged out at', me.x, me.y);
