import { createSecretKey, KeyObject as NodeKeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload, type KeyObject } from 'jose';

export const ISSUER = 'https://issuer.rolegate.test/';
export const AUDIENCE = 'https://api.rolegate.test';

/** A real signing key for one algorithm, with what rolegate needs to verify it. */
export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey | KeyObject;
  /** JWT_DECODE_KEY_B64 for jwt_local: Base64 of the PEM public key, or of the HMAC secret. */
  decodeKeyB64: string;
  /** The public JWK, for a JWKS (asymmetric keys only). */
  jwk?: JWK;
  publicPem?: string;
}

export async function makeKey(alg: string, kid: string = randomUUID()): Promise<TestKey> {
  if (alg.startsWith('HS')) {
    const secret = randomBytes(64);
    return { alg, kid, privateKey: createSecretKey(secret), decodeKeyB64: secret.toString('base64') };
  }
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicPem = await exportSPKI(publicKey);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, decodeKeyB64: Buffer.from(publicPem).toString('base64'), jwk, publicPem };
}

export interface MintOptions {
  header?: Record<string, unknown>;
  /** Claims to leave out of the defaults (e.g. 'sub', 'exp'). */
  omit?: string[];
}

/** Signs a token with sensible defaults (issuer, audience, one hour of life) that a test can override. */
export function mint(key: TestKey, claims: JWTPayload = {}, opts: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = { iss: ISSUER, aud: AUDIENCE, sub: 'carol', iat: now, exp: now + 3600, ...claims };
  for (const name of opts.omit ?? []) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...opts.header }).sign(key.privateKey);
}

export const b64url = (value: string | Buffer | object) =>
  Buffer.from(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)).toString('base64url');

/** The environment for AUTH_TYPE=jwt_local verifying `key`. */
export const jwtLocalEnv = (key: TestKey, extra: Record<string, string> = {}) => ({
  AUTH_TYPE: 'jwt_local',
  JWT_ISS: ISSUER,
  JWT_AUD: AUDIENCE,
  JWT_ALG: key.alg,
  JWT_DECODE_KEY_B64: key.decodeKeyB64,
  ...extra,
});

/** Signs any header and payload with RS256, bypassing the checks a JOSE library makes when signing. */
export function signRs256(key: TestKey, header: object, payload: object): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const privateKey = key.privateKey instanceof NodeKeyObject ? key.privateKey : NodeKeyObject.from(key.privateKey as CryptoKey);
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}
