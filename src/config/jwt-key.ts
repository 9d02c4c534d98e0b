import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

/** Algorithms rolegate can verify. `none` is deliberately absent. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
] as const;
export const JWT_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const isHmac = (alg: string): boolean => alg.startsWith('HS');

/** Minimum HMAC secret length: RFC 7518 §3.2 asks for a key at least as long as the hash. */
const HMAC_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

const EC_CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/**
 * Turns `JWT_DECODE_KEY_B64` into a key for the configured algorithms, or says why it
 * cannot be one. The pairing of key type and algorithm is checked here, once, so a
 * public key can never be used as an HMAC secret (the classic key-confusion attack).
 */
export function parseDecodeKey(b64: string, algorithms: readonly JwtAlgorithm[]): KeyObject | string {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64.replace(/\s+/g, ''))) {
    return 'is not valid Base64';
  }
  const bytes = Buffer.from(b64, 'base64');
  const text = bytes.toString('utf8');
  const isPem = text.includes('-----BEGIN');
  const hmac = algorithms.filter(isHmac);
  if (hmac.length > 0 && hmac.length !== algorithms.length) {
    return 'cannot serve HMAC and public-key algorithms at once: set JWT_ALG to one family';
  }
  if (hmac.length > 0) {
    if (isPem) {
      return `holds a PEM key, but JWT_ALG=${algorithms.join(',')} needs an HMAC secret (a public key must never be used as an HMAC secret)`;
    }
    const need = Math.max(...hmac.map((a) => HMAC_MIN_BYTES[a]));
    if (bytes.length < need) {
      return `holds a ${bytes.length}-byte HMAC secret; ${hmac.join(',')} needs at least ${need} bytes`;
    }
    return createSecretKey(bytes);
  }
  if (!isPem) {
    return `must be Base64 of a PEM public key for JWT_ALG=${algorithms.join(',')}`;
  }
  if (/PRIVATE KEY/.test(text)) {
    return 'holds a private key; give rolegate only the public key';
  }
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    return 'is not a readable PEM public key';
  }
  for (const alg of algorithms) {
    const problem = keyMismatch(key, alg);
    if (problem) return problem;
  }
  return key;
}

function keyMismatch(key: KeyObject, alg: string): string | undefined {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    if (type !== 'rsa' && !(alg.startsWith('PS') && type === 'rsa-pss')) {
      return `holds a ${type} key, but ${alg} needs an RSA key`;
    }
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      return `holds an RSA key shorter than 2048 bits`;
    }
    return undefined;
  }
  if (alg.startsWith('ES')) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return type === 'ec' && curve === EC_CURVES[alg]
      ? undefined
      : `holds a ${type}${curve ? ` (${curve})` : ''} key, but ${alg} needs an EC key on ${EC_CURVES[alg]}`;
  }
  if (alg === 'EdDSA') {
    return type === 'ed25519' || type === 'ed448' ? undefined : `holds a ${type} key, but EdDSA needs an Ed25519 or Ed448 key`;
  }
  return `cannot be used with ${alg}`;
}
