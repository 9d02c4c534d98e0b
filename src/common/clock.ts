/**
 * What time it is, in milliseconds since the epoch. Everything that caches, cools down or
 * expires by time asks a Clock rather than `Date.now()`, so tests move time on instead of
 * waiting for it. Inject it with `@Inject(Clock)`; the application provides `systemClock`.
 */
export abstract class Clock {
  abstract now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
