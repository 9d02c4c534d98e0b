import { generateKeyPairSync } from 'node:crypto';
import { VerifiedTokenCache } from './verified-token-cache.js';

const key = generateKeyPairSync('ed25519').publicKey;
const trusted = () => true;
const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

describe('VerifiedTokenCache', () => {
  it('returns a cached payload only for the same token, while its key is trusted', () => {
    const cache = new VerifiedTokenCache();
    const d = VerifiedTokenCache.digest('a.b.c');
    cache.set(d, { sub: 'carol', exp: inAMinute() }, key);
    expect(cache.get(d, trusted)).toMatchObject({ sub: 'carol' });
    expect(cache.get(VerifiedTokenCache.digest('a.b.d'), trusted)).toBeUndefined();
    expect(cache.get(d, () => false)).toBeUndefined();
    expect(cache.get(d, trusted)).toBeUndefined(); // dropped once its key was no longer trusted
  });

  it('never outlives exp, and does not keep tokens without exp', () => {
    const cache = new VerifiedTokenCache();
    cache.set('past', { sub: 'x', exp: Math.floor(Date.now() / 1000) - 1 }, key);
    cache.set('none', { sub: 'x' }, key);
    expect(cache.get('past', trusted)).toBeUndefined();
    expect(cache.get('none', trusted)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded, dropping the oldest entries first', () => {
    const cache = new VerifiedTokenCache(3);
    for (const d of ['1', '2', '3', '4']) cache.set(d, { sub: d, exp: inAMinute() }, key);
    expect(cache.size).toBe(3);
    expect(cache.get('1', trusted)).toBeUndefined();
    expect(cache.get('4', trusted)).toMatchObject({ sub: '4' });
  });
});
