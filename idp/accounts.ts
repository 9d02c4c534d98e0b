import { timingSafeEqual } from 'node:crypto';
import { DEMO_USERS, type DemoUser } from '../src/database/demo-users.ts';

export type { DemoUser };

/** The demo users of rolegate, who sign in here with a password. */
export const ACCOUNTS: readonly DemoUser[] = DEMO_USERS;

export const findAccountBySub = (sub: string): DemoUser | undefined => ACCOUNTS.find((a) => a.sub === sub);

/** Constant-time password check, so the sign-in page does not leak which part was wrong by timing. */
export function checkPassword(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The claims rolegate reads from an access token: roles under the configured claim name
 * (a dotted path such as `realm_access.roles` becomes nested objects, a namespaced name
 * such as `https://example.com/roles` stays one key) and the region.
 */
export function roleClaims(account: DemoUser, rolesClaim: string, regionClaim: string): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  put(claims, rolesClaim, [...account.roles]);
  if (account.region) put(claims, regionClaim, account.region);
  return claims;
}

function put(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name.includes('://') || !name.includes('.')) {
    target[name] = value;
    return;
  }
  const parts = name.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}
