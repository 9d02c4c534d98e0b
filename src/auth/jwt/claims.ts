import type { JWTPayload } from 'jose';
import { isAppRole, toRegion, type AppRole } from '../../access/roles.js';
import type { JwtSettings } from '../../config/config.schema.js';
import type { Identity } from '../principal.js';
import { InvalidToken } from '../auth.errors.js';

/**
 * Reads a claim by its whole name first (namespaced claims such as
 * `https://example.com/roles` contain dots), then as a dotted path such as
 * `realm_access.roles`. Only own properties are followed.
 */
export function readClaim(payload: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, part)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Roles from a claim value: an array of strings, or one space-separated string (as in
 * `scp`). Any other type gives no roles. Without JWT_ROLE_MAP, names that are app roles
 * count as they are. With a map, only mapped names count (map `admin=admin` to keep one
 * as is), so a provider group that happens to be called "admin" grants nothing by
 * accident. Whatever is not an app role after mapping is dropped.
 */
export function rolesFromClaim(value: unknown, roleMap: ReadonlyMap<string, AppRole>): AppRole[] {
  const names =
    typeof value === 'string'
      ? value.split(/\s+/)
      : Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string')
        : [];
  const roles = new Set<AppRole>();
  for (const name of names) {
    const mapped = roleMap.size > 0 ? roleMap.get(name) : name;
    if (isAppRole(mapped)) roles.add(mapped);
  }
  return [...roles];
}

/** Text a database can store and a log or audit reader can trust: no control, format (bidi) or line separator characters. */
const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

const storable = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length <= max && PRINTABLE.test(value) && value.isWellFormed();

const text = (value: unknown, max = 320): string | null => (storable(value, max) ? value : null);

/** The identity a verified token describes. */
export function identityFromClaims(payload: JWTPayload, settings: JwtSettings): Identity {
  const sub = payload.sub;
  if (!storable(sub, 255)) {
    throw new InvalidToken('"sub" claim must be a non-empty string of at most 255 printable characters');
  }
  const regionValue = readClaim(payload, settings.regionClaim);
  return {
    sub,
    name: text(payload.name) ?? text(payload.preferred_username) ?? text(payload.nickname),
    email: text(payload.email),
    roles: rolesFromClaim(readClaim(payload, settings.rolesClaim), settings.roleMap),
    region: regionValue === undefined ? undefined : toRegion(regionValue),
    // azp when the token has one (a malformed azp is no client, not a cue to read client_id), else client_id (RFC 9068).
    clientId: payload.azp !== undefined ? text(payload.azp, 255) : text(payload.client_id, 255),
  };
}
