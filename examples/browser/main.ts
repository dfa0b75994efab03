/**
 * A playable page on the SDK: logs in with a development token, draws the player and everyone it
 * sees, walks with the keyboard or by clicking, and shows corrections, chat and the round trip.
 * `npm run demo` bundles it and serves it (serve.ts). The page's address may say
 * `?player=ID&name=NAME&server=ws://HOST:PORT`; without them it picks a player at random and the
 * server on this host's port 7777.
 */
import { ZoneClient, type KnownEntity } from 'zone-server-client';
import { ChatChannel, EntityKind } from 'zone-server-client/protocol';

const params = new URLSearchParams(location.search);
const server = params.get('server') ?? `ws://${location.hostname}:7777`;
const playerId = Number(params.get('player') ?? 1 + Math.floor(Math.random() * 9999));
const name = params.get('name') ?? `Player${playerId}`;
/** Walking speed, metres a second: under the server's limit (MAX_SPEED_MPS, 10 by default). */
const SPEED_MPS = 5;
const STEP_MS = 100;
/** Metres from the player to the canvas's edge. */
const VIEW_M = 60;

const canvas = document.querySelector('#world') as HTMLCanvasElement;
const context = canvas.getContext('2d') as CanvasRenderingContext2D;
const status = document.querySelector('#status') as HTMLElement;
const correctionLine = document.querySelector('#correction') as HTMLElement;
const chatLog = document.querySelector('#chat-log') as HTMLElement;
const chatForm = document.querySelector('#chat-form') as HTMLFormElement;
const chatInput = document.querySelector('#chat-input') as HTMLInputElement;

// A development token from the server itself: only a server on its development secret gives one.
const tokenResponse = await fetch(`${server.replace(/^ws/, 'http')}/dev/token?player=${playerId}`);
if (!tokenResponse.ok) throw new Error(`no development token (${tokenResponse.status}): is TOKEN_SECRET unset on the server?`);
const { token } = (await tokenResponse.json()) as { token: string };

const client = await ZoneClient.connect(server);
const me = await client.enter(token, name);
let rttMs = 0;
let target: { x: number; y: number } | undefined;
const keys = new Set<string>();
// For tests and the curious: the page's client, in the browser's console as `demo.client`.
(window as unknown as { demo: unknown }).demo = { client };

client.on('correction', (c) => {
  correctionLine.textContent = `move ${c.seq} corrected: ${c.reason}`;
  target = undefined;
});
client.on('chat', (message) => {
  const line = document.createElement('div');
  line.textContent = `${message.fromName || 'system'}: ${message.text}`;
  chatLog.append(line);
  chatLog.scrollTop = chatLog.scrollHeight;
});
client.on('close', (info) => {
  status.textContent = `disconnected (${info.code} ${info.reason})`;
});
chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (chatInput.value.trim() !== '') client.chat(ChatChannel.CHAT_CHANNEL_SAY, chatInput.value);
  chatInput.value = '';
});

const scale = canvas.width / (2 * VIEW_M);
const toScreen = (x: number, y: number): [number, number] => [canvas.width / 2 + (x - me.x) * scale, canvas.height / 2 - (y - me.y) * scale];
canvas.addEventListener('click', (event) => {
  const box = canvas.getBoundingClientRect();
  target = { x: me.x + (event.clientX - box.left - canvas.width / 2) / scale, y: me.y - (event.clientY - box.top - canvas.height / 2) / scale };
});
const DIRECTIONS: Record<string, [number, number]> = { ArrowUp: [0, 1], w: [0, 1], ArrowDown: [0, -1], s: [0, -1], ArrowLeft: [-1, 0], a: [-1, 0], ArrowRight: [1, 0], d: [1, 0] };
addEventListener('keydown', (event) => {
  if (event.target === chatInput || !(event.key in DIRECTIONS)) return;
  keys.add(event.key);
  target = undefined;
  event.preventDefault();
});
addEventListener('keyup', (event) => keys.delete(event.key));

/** One step toward the clicked point, or along the keys held, kept inside the zone. */
function walk(): void {
  if (client.closed) return;
  let dx = 0;
  let dy = 0;
  for (const key of keys) {
    dx += (DIRECTIONS[key] as [number, number])[0];
    dy += (DIRECTIONS[key] as [number, number])[1];
  }
  if (target) [dx, dy] = [target.x - me.x, target.y - me.y];
  const length = Math.hypot(dx, dy);
  if (length < 0.01) return;
  const step = Math.min(length, (SPEED_MPS * STEP_MS) / 1000);
  const margin = 0.01;
  const x = Math.min(me.zoneX + me.zoneWidth - margin, Math.max(me.zoneX, me.x + (dx / length) * step));
  const y = Math.min(me.zoneY + me.zoneHeight - margin, Math.max(me.zoneY, me.y + (dy / length) * step));
  if (target && Math.hypot(target.x - x, target.y - y) < 0.05) target = undefined;
  client.move(x, y, Math.atan2(dy, dx));
}

function draw(): void {
  context.clearRect(0, 0, canvas.width, canvas.height);
  // A 10 m grid, and the zone's edges.
  context.strokeStyle = '#eee';
  for (let m = Math.floor((me.x - VIEW_M) / 10) * 10; m <= me.x + VIEW_M; m += 10) {
    const [sx] = toScreen(m, 0);
    context.beginPath();
    context.moveTo(sx, 0);
    context.lineTo(sx, canvas.height);
    context.stroke();
  }
  for (let m = Math.floor((me.y - VIEW_M) / 10) * 10; m <= me.y + VIEW_M; m += 10) {
    const [, sy] = toScreen(0, m);
    context.beginPath();
    context.moveTo(0, sy);
    context.lineTo(canvas.width, sy);
    context.stroke();
  }
  const [left, top] = toScreen(me.zoneX, me.zoneY + me.zoneHeight);
  context.strokeStyle = '#999';
  context.strokeRect(left, top, me.zoneWidth * scale, me.zoneHeight * scale);
  for (const entity of client.entities.values()) drawEntity(entity);
  const [sx, sy] = toScreen(me.x, me.y);
  dot(sx, sy, 7, '#d33', name);
  status.textContent = [
    `player ${me.playerId} "${name}", entity ${me.entityId}`,
    `zone ${me.zoneId} ${me.zoneName}`,
    `at ${me.x.toFixed(2)}, ${me.y.toFixed(2)}`,
    `sees ${client.entities.size}`,
    `rtt ${rttMs.toFixed(1)} ms`,
  ].join('\n');
  requestAnimationFrame(draw);
}

function drawEntity(entity: KnownEntity): void {
  const [sx, sy] = toScreen(entity.x, entity.y);
  if (entity.kind === EntityKind.ENTITY_KIND_PLAYER) dot(sx, sy, 6, '#36c', `player ${entity.playerId}`);
  else dot(sx, sy, 4, '#888', '');
}

function dot(x: number, y: number, radius: number, colour: string, label: string): void {
  context.fillStyle = colour;
  context.beginPath();
  context.arc(x, y, radius, 0, 2 * Math.PI);
  context.fill();
  if (label) context.fillText(label, x + radius + 2, y - radius);
}

setInterval(walk, STEP_MS);
setInterval(() => {
  client.ping().then((ms) => (rttMs = ms), () => {});
}, 2000);
requestAnimationFrame(draw);
