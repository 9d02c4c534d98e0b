import type { KeyObject } from 'node:crypto';
import type { ProtectedHeaderParameters } from 'jose';

/** Where the verifier gets the key for a token's header. */
export interface KeySource {
  getKey(header: ProtectedHeaderParameters): Promise<KeyObject>;
  /** Whether a key returned earlier is still trusted (false once it left the key set). */
  isTrusted(key: KeyObject): boolean;
}

/** jwt_local: the one key from JWT_DECODE_KEY_B64. Header hints (kid, jku, jwk, x5u) are ignored. */
export class StaticKeySource implements KeySource {
  constructor(private readonly key: KeyObject) {}

  getKey(): Promise<KeyObject> {
    return Promise.resolve(this.key);
  }

  isTrusted(key: KeyObject): boolean {
    return key === this.key;
  }
}
