/** A server configured with an identity provider's public key logs players in with its RS256 tokens, and refuses HS256 ones. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { LoginRefusedError, ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { startTestServer, TEST_SECRET } from '../helpers/server.ts';
import { issueToken } from '../../src/auth/token.ts';

it('logs in with an RS256 token from the configured public key, by the configured claim', { timeout: 60_000 }, async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const dir = mkdtempSync(join(tmpdir(), 'zone-token-key-'));
  const keyFile = join(dir, 'idp.pem');
  writeFileSync(keyFile, await exportSPKI(publicKey));
  const server = await startTestServer({ TOKEN_PUBLIC_KEY_FILE: keyFile, TOKEN_PLAYER_CLAIM: 'player_id', TOKEN_ISSUER: 'https://login.example' });
  try {
    const token = await new SignJWT({ sub: 'user-1234', player_id: 77, iss: 'https://login.example' }).setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime('10m').sign(privateKey);
    const client = await ZoneClient.connect(server.url);
    const self = await client.enter(token, 'Idp77');
    assert.equal(self.playerId, 77);
    await client.logout();
    const hs = await ZoneClient.connect(server.url);
    const refused = await hs.login(issueToken(TEST_SECRET, 78, 60)).catch((err: unknown) => err);
    assert.ok(refused instanceof LoginRefusedError && refused.code === ErrorCode.ERROR_CODE_INVALID_TOKEN, 'the shared secret mints nothing here');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
