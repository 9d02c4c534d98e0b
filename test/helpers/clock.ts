import type { Clock } from '../../src/common/clock.js';

/**
 * Time that moves only when a test says so: give it to `createTestApp({ clock })` (or to a
 * class that takes a Clock) and `advance` past a cooldown or an expiry instead of waiting.
 * It starts at the real time and then stands still, so a token minted with real
 * timestamps (`iat`, `exp` an hour ahead) stays valid; one whose `nbf` is later than the
 * clock's start is not valid yet until the clock is advanced.
 */
export class FakeClock implements Clock {
  constructor(private time = Date.now()) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}
