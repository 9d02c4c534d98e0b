import type { Clock } from '../../src/common/clock.js';

/**
 * Time that moves only when a test says so: give it to `createTestApp({ clock })` (or to a
 * class that takes a Clock) and `advance` past a cooldown or an expiry instead of waiting.
 * It starts at the real time, so tokens and cookies made with real timestamps stay valid.
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
