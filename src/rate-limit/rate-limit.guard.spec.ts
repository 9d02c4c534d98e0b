import { clientNetwork } from './rate-limit.guard.js';
import { FakeClock } from '../../test/helpers/clock.js';
import { MemoryRateLimitStore } from './rate-limit.store.js';

describe('clientNetwork', () => {
  it('keeps IPv4 addresses, also IPv4-mapped ones', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:127.0.0.1')).toBe('127.0.0.1');
  });

  it('counts IPv6 clients by their /64', () => {
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork(undefined)).toBe('unknown');
  });
});

describe('MemoryRateLimitStore', () => {
  it('counts within a window, says how long it has left, and starts again after it', async () => {
    const clock = new FakeClock();
    const store = new MemoryRateLimitStore(100, clock);
    expect(await store.hit('a', 60_000)).toEqual({ count: 1, resetMs: 60_000 });
    clock.advance(59_999);
    expect(await store.hit('a', 60_000)).toEqual({ count: 2, resetMs: 1 });
    expect((await store.hit('b', 60_000)).count).toBe(1); // every key has its own window
    clock.advance(1);
    expect(await store.hit('a', 60_000)).toEqual({ count: 1, resetMs: 60_000 });
  });

  it('stays bounded under a flood of new keys', async () => {
    const store = new MemoryRateLimitStore(100);
    for (let i = 0; i < 1000; i++) await store.hit(`k${i}`, 60_000);
    expect((store as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(100);
    expect((await store.hit('k999', 60_000)).count).toBe(2);
  });
});
