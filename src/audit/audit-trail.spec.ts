import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema.js';
import type { ConfigService } from '../config/typed-config.js';
import type { Database, DatabaseHandle } from '../database/database.client.js';
import { openTestDatabase } from '../../test/helpers/databases.js';
import { eventOf, newAuditCall, timeOrderedId } from './audit-call.js';
import { AuditTrail } from './audit-trail.js';
import { principal } from '../../test/helpers/principal.js';

const settings: AppConfig['audit'] = { enabled: true, retentionDays: 0, flushMs: 1000, bufferEvents: 100 };
const config = { get: () => settings } as unknown as ConfigService<AppConfig, true>;

/** The real embedded database, behind a switch that can make it unreachable. */
async function database() {
  const real = await openTestDatabase(false);
  let down = false;
  const db = new Proxy(real.db, {
    get: (target, name, receiver) =>
      name === 'execute' && down
        ? () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))
        : Reflect.get(target, name, receiver),
  }) as Database;
  const stored = async () =>
    ((await real.db.execute('select request_id from audit_events order by at, request_id' as never)) as unknown as { rows: Array<{ request_id: string }> }).rows.map((r) => r.request_id);
  return { handle: { ...real, db } as DatabaseHandle, real, stored, setDown: (value: boolean) => (down = value) };
}


/** A read event of a signed-in caller, or of an anonymous one (a 401). */
const event = (n: number, anonymous = false) => {
  const call = newAuditCall(`r${String(n).padStart(3, '0')}`, 'rest', 'cookie', true);
  call.operation = 'listDeals';
  call.resource = 'deal';
  return eventOf(call, anonymous ? undefined : principal(), anonymous ? 401 : 200);
};

describe('AuditTrail (read events off the request path)', () => {
  it('holds at most AUDIT_BUFFER_EVENTS and counts every event beyond them as lost', async () => {
    const { handle, real, stored } = await database();
    const trail = new AuditTrail(handle, config); // no timer: flushed by hand
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    // Half full, a flush takes the 50 waiting events at once; while it writes, the buffer fills again.
    for (let i = 0; i < 160; i++) trail.record(event(i));
    expect([trail.pending, trail.lost]).toEqual([100, 10]);
    await trail.flush();
    // Every lost event is in the report of the next flush.
    expect(errors.mock.calls.map((c) => c[0])).toEqual(['10 audit events lost (10 since start): 100 events were waiting (AUDIT_BUFFER_EVENTS)']);
    errors.mockRestore();
    expect(trail.pending).toBe(0);
    expect(await stored()).toHaveLength(150);
    await real.close();
  });

  it('lets anonymous refusals fill at most half the buffer, keeping room for signed-in callers', async () => {
    const { handle, real } = await database();
    const trail = new AuditTrail(handle, config);
    for (let i = 0; i < 160; i++) trail.record(event(i, true)); // 50 taken by a flush, 50 kept, 60 lost
    expect([trail.pending, trail.lost]).toEqual([50, 60]);
    for (let i = 0; i < 40; i++) trail.record(event(200 + i));
    expect([trail.pending, trail.lost]).toEqual([90, 60]);
    await trail.close();
    await real.close();
  });

  it('keeps events, in order, while the database is unreachable, and writes them once it answers', async () => {
    const { handle, real, stored, setDown } = await database();
    const trail = new AuditTrail(handle, config);
    for (let i = 0; i < 10; i++) trail.record(event(i));
    setDown(true);
    await trail.flush();
    for (let i = 10; i < 15; i++) trail.record(event(i));
    expect([trail.pending, trail.lost]).toEqual([15, 0]);
    setDown(false);
    await trail.flush();
    expect(await stored()).toEqual(Array.from({ length: 15 }, (_, i) => `r${String(i).padStart(3, '0')}`));
    expect(trail.lost).toBe(0);
    await real.close();
  });

  it('writes what is buffered when it closes, and counts events arriving after that as lost', async () => {
    const { handle, real, stored } = await database();
    const trail = new AuditTrail(handle, config);
    for (let i = 0; i < 3; i++) trail.record(event(i));
    await trail.close();
    expect(await stored()).toEqual(['r000', 'r001', 'r002']);
    trail.record(event(3));
    expect([trail.pending, trail.lost]).toEqual([0, 1]);
    await real.close();
  });

  it('on close, counts as lost what the still unreachable database could not take', async () => {
    const { handle, real, stored, setDown } = await database();
    const trail = new AuditTrail(handle, config);
    for (let i = 0; i < 4; i++) trail.record(event(i));
    setDown(true);
    await trail.close();
    expect([trail.pending, trail.lost]).toEqual([0, 4]);
    setDown(false);
    expect(await stored()).toEqual([]);
    await real.close();
  });
});

describe('timeOrderedId', () => {
  it('is a version 7 UUID carrying the time in its first 48 bits, in time order, and random otherwise', () => {
    const ms = Date.UTC(2026, 10, 1, 12, 30, 15, 123);
    const ids = Array.from({ length: 1000 }, (_, i) => timeOrderedId(ms + i));
    for (const [i, id] of ids.entries()) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms + i);
    }
    expect([...ids].sort()).toEqual(ids);
    const sameMs = new Set(Array.from({ length: 1000 }, () => timeOrderedId(ms).slice(15)));
    expect(sameMs.size).toBe(1000);
  });
});
