import { generateKeyPairSync } from 'node:crypto';
import { FakeClock } from '../../../test/helpers/clock.js';
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
    const clock = new FakeClock(1_800_000_000_000);
    const cache = new VerifiedTokenCache(10, clock);
    cache.set('soon', { sub: 'x', exp: 1_800_000_060 }, key);
    cache.set('past', { sub: 'x', exp: 1_799_999_999 }, key);
    cache.set('none', { sub: 'x' }, key);
    clock.advance(59_999);
    expect(cache.get('soon', trusted)).toMatchObject({ sub: 'x' });
    clock.advance(1);
    expect(cache.get('soon', trusted)).toBeUndefined();
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
