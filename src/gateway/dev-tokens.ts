/**
 * Log-in tokens for development, from the WebSocket port's HTTP side: `GET /dev/token?player=42`
 * answers `{ "token": "…" }`, an HS256 token for player 42 valid for an hour, so a page in a
 * browser (the demo in examples/browser/) or a game engine's client can log in without a login
 * service. Only while the server signs with the built-in development secret (TOKEN_SECRET
 * unset, which NODE_ENV=production refuses): with a real secret or key the path does not exist,
 * and anyone who could mint tokens here could already mint them with `npm run token`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { issueToken } from '../auth/token.ts';

export const DEV_TOKEN_PATH = '/dev/token';
const DEV_TOKEN_TTL_S = 3600;

/** Answers a request for DEV_TOKEN_PATH; false when the request is for something else. */
export function answerDevToken(request: IncomingMessage, response: ServerResponse, secret: string): boolean {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname !== DEV_TOKEN_PATH) return false;
  // A page served from another port (the demo's) asks for it.
  const headers = { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
  const playerId = Number(url.searchParams.get('player'));
  if (request.method !== 'GET' || !Number.isSafeInteger(playerId) || playerId < 1) {
    response.writeHead(request.method === 'GET' ? 400 : 405, headers).end(JSON.stringify({ error: 'GET /dev/token?player=ID, ID a positive whole number' }));
    return true;
  }
  response.writeHead(200, headers).end(JSON.stringify({ token: issueToken(secret, playerId, DEV_TOKEN_TTL_S) }));
  return true;
}
