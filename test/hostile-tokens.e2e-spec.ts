import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { createTestApp, type TestApp } from './helpers/app.js';
import { AUDIENCE, b64url, ISSUER, jwtLocalEnv, makeKey, mint, signRs256, type TestKey } from './helpers/tokens.js';

/**
 * Tokens an attacker can send. Each must be refused with 401 and error="invalid_token":
 * never 200, never a 500, and never an outbound request on the attacker's behalf.
 */
describe('hostile tokens (jwt_local, RS256)', () => {
  let key: TestKey;
  let attacker: TestKey;
  let t: TestApp;
  let trap: Server;
  let trapHits = 0;
  let trapUrl = '';

  beforeAll(async () => {
    key = await makeKey('RS256');
    attacker = await makeKey('RS256');
    t = await createTestApp(jwtLocalEnv(key));
    trap = createServer((_req, res) => {
      trapHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attacker.jwk] }));
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/jwks`;
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => trap.close(r));
  });

  const refused = async (token: string, description?: RegExp) => {
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="rolegate", error="invalid_token"/);
    if (description) expect(res.headers['www-authenticate']).toMatch(description);
  };

  const claims = () => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ISSUER, aud: AUDIENCE, sub: 'alice', roles: ['admin'], exp: now + 600, iat: now };
  };

  it('accepts the genuine token the hostile ones are built from', async () => {
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(key, claims())}`);
    expect(res.status).toBe(200);
  });

  it.each(['none', 'NONE', 'None', 'nOnE'])('alg: %s, with and without a signature', async (alg) => {
    const unsigned = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims())}`;
    await refused(`${unsigned}.`, new RegExp(`algorithm ${alg} is not accepted`));
    await refused(`${unsigned}.${b64url('sig')}`, new RegExp(`algorithm ${alg} is not accepted`));
  });

  it('HS256 signed with the RSA public key as the secret (key confusion)', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(key.publicPem));
    // The refusal says which algorithm came and which are accepted (a mismatched JWT_ALG shows at once).
    await refused(token, /error_description="token algorithm HS256 is not accepted \(accepted: RS256\)"/);
  });

  it('with JWT_TYP=at+jwt, refuses tokens of another type (an ID token for the same audience)', async () => {
    const typed = await createTestApp(jwtLocalEnv(key, { JWT_TYP: 'at+jwt' }));
    try {
      const as = (typ: string | undefined) =>
        mint(key, claims(), typ ? { header: { typ } } : { omit: [] }).then((token) => typed.http().get('/api/me').set('Authorization', `Bearer ${token}`));
      expect((await as('at+jwt')).status).toBe(200);
      expect((await as('application/at+jwt')).status).toBe(200);
      const id = await as('JWT');
      expect(id.status).toBe(401);
      expect(id.headers['www-authenticate']).toMatch(/token type \(typ header\) must be at\+jwt/);
    } finally {
      await typed.close();
    }
  });

  it('a tampered payload under the old signature', async () => {
    const [header, , sig] = (await mint(key, { ...claims(), roles: ['sales'] })).split('.');
    await refused(`${header}.${b64url(claims())}.${sig}`, /signature verification failed/);
  });

  it('expired, not yet valid, wrong issuer, missing or foreign audience, missing sub or exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(await mint(key, { ...claims(), exp: now - 3600 }), /expired/);
    await refused(await mint(key, { ...claims(), nbf: now + 3600 }), /not valid yet/);
    await refused(await mint(key, { ...claims(), iss: 'https://evil.example/' }), /iss claim is not accepted/);
    await refused(await mint(key, { ...claims(), aud: 'https://other.example' }), /aud claim is not accepted/);
    await refused(await mint(key, claims(), { omit: ['aud'] }), /aud claim is missing/);
    await refused(await mint(key, claims(), { omit: ['sub'] }), /sub claim is missing/);
    await refused(await mint(key, claims(), { omit: ['exp'] }), /exp claim is missing/);
    await refused(await mint(key, { ...claims(), sub: '' }));
    await refused(await mint(key, { ...claims(), sub: 'ali\u0000ce' }), /printable/);
    await refused(await mint(key, { ...claims(), sub: 'x'.repeat(256) }));
  });

  it('garbage and wrong segment counts', async () => {
    const good = await mint(key, claims());
    const [h, p, s] = good.split('.');
    for (const token of ['garbage', 'a.b', `${h}.${p}`, `${h}.${p}.${s}.x`, `${h}.${p}.${s}.x.y.z`, '...', `${b64url('{')}.${p}.${s}`, `${b64url('[]')}.${p}.${s}`, `${h}.${b64url('not json')}.${s}`]) {
      await refused(token);
    }
  });

  it('a JWE (five segments)', async () => {
    const jwe = [b64url({ alg: 'RSA-OAEP', enc: 'A256GCM' }), 'a', 'b', 'c', 'd'].join('.');
    await refused(jwe, /encrypted tokens \(JWE\) are not accepted/);
  });

  it('oversized tokens and illegal characters', async () => {
    await refused('a'.repeat(9000), /larger than 8 KiB/);
    await refused('abc def.ghi.jkl');
    await refused('abc.def.ghi"');
  });

  it('jku, jwk and x5u headers pointing at the attacker: no request is made, the token fails', async () => {
    for (const header of [{ jku: trapUrl }, { jwk: attacker.jwk }, { x5u: trapUrl }, { kid: key.kid, jku: trapUrl }]) {
      await refused(await mint(attacker, claims(), { header }), /signature verification failed/);
    }
    expect(trapHits).toBe(0);
  });

  it('a header naming a crit extension rolegate does not know', async () => {
    await refused(signRs256(key, { alg: 'RS256', crit: ['x-unknown'], 'x-unknown': true }, claims()));
  });
});
