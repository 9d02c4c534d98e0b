/**
 * What time it is, in milliseconds since the epoch. The token checks (expiry, and the
 * cache of verified tokens), the JWKS and discovery cooldowns and the in-memory rate-limit
 * windows ask a Clock rather than `Date.now()`, so tests move time on instead of waiting
 * for it. Inject it by type (`clock: Clock`); AppConfigModule provides `systemClock`.
 * (The user cache and cookie sessions still read the system time: their tests set
 * timestamps in the past rather than wait.)
 */
export abstract class Clock {
  abstract now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
