import { jest } from '@jest/globals';
import type { UserRow } from '../database/schema.js';
import { UserCache } from './user-cache.js';

const row = (sub: string, id = `id-${sub}`, roles: string[] = []): UserRow =>
  ({ id, sub, name: null, email: null, region: null, roles, createdAt: new Date(), updatedAt: new Date() }) as UserRow;

describe('UserCache', () => {
  let cache: UserCache;
  beforeEach(() => {
    cache = new UserCache(10_000, 3);
    cache.setLive(true);
  });

  it('serves what was stored, frozen so no request can change it for the next', () => {
    cache.put(row('carol', 'c1', ['sales']), cache.ticket());
    const got = cache.get('carol')!;
    expect(got).toMatchObject({ id: 'c1', sub: 'carol', roles: ['sales'] });
    expect(() => (got.roles as string[]).push('admin')).toThrow(TypeError);
    expect(cache.get('dave')).toBeUndefined();
  });

  it('drops a user named by id, and everyone without an id', () => {
    cache.put(row('carol', 'c1'), cache.ticket());
    cache.put(row('bob', 'b1'), cache.ticket());
    cache.invalidate('c1');
    expect(cache.get('carol')).toBeUndefined();
    expect(cache.get('bob')).toBeDefined();
    cache.invalidate();
    expect(cache.size).toBe(0);
  });

  it('does not store a read that an invalidation overtook', () => {
    const ticket = cache.ticket();
    cache.invalidate('someone-else'); // a change committed while the read was in flight
    cache.put(row('carol'), ticket);
    expect(cache.get('carol')).toBeUndefined();
  });

  it('serves nothing while change notifications are down, and forgets what it had', () => {
    cache.put(row('carol'), cache.ticket());
    cache.setLive(false);
    expect(cache.get('carol')).toBeUndefined();
    cache.put(row('carol'), cache.ticket());
    cache.setLive(true);
    expect(cache.get('carol')).toBeUndefined();
  });

  it('expires entries after the TTL, and a TTL of 0 turns it off', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      cache.put(row('carol'), cache.ticket());
      jest.setSystemTime(1_000_000 + 9_999);
      expect(cache.get('carol')).toBeDefined();
      jest.setSystemTime(1_000_000 + 10_000);
      expect(cache.get('carol')).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
    const off = new UserCache(0);
    off.setLive(true);
    off.put(row('carol'), off.ticket());
    expect(off.get('carol')).toBeUndefined();
  });

  it('keeps at most its bound, dropping the oldest entry', () => {
    for (const sub of ['a', 'b', 'c', 'd']) cache.put(row(sub), cache.ticket());
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('forgets the old id when a sub comes back under a new one', () => {
    cache.put(row('carol', 'old'), cache.ticket());
    cache.put(row('carol', 'new'), cache.ticket());
    cache.invalidate('old');
    expect(cache.get('carol')?.id).toBe('new');
    cache.invalidate('new');
    expect(cache.get('carol')).toBeUndefined();
  });
});
