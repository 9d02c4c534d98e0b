import { randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { APP_ROLES, type AppRole } from '../access/roles.js';
import { isHttpUrl, isSecureUrl } from './urls.js';
import { ASYMMETRIC_ALGORITHMS, isHmac, JWT_ALGORITHMS, parseDecodeKey, type JwtAlgorithm } from './jwt-key.js';

export const AUTH_TYPES = ['cookie', 'jwt_local', 'jwt_oidc'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export interface JwtSettings {
  issuer: string;
  /** The `typ` header every token must carry (JWT_TYP, e.g. `at+jwt`), or any. */
  type: string | undefined;
  audiences: string[];
  algorithms: JwtAlgorithm[];
  rolesClaim: string;
  roleMap: ReadonlyMap<string, AppRole>;
  regionClaim: string;
  clockToleranceSec: number;
}

export type AuthConfig =
  | { type: 'cookie'; cookieSecret: string; cookieSecretGenerated: boolean; cookieSecure: boolean; sessionTtlSec: number }
  | { type: 'jwt_local'; jwt: JwtSettings; key: KeyObject }
  | {
      type: 'jwt_oidc';
      jwt: JwtSettings;
      oidc: { timeoutMs: number; jwksCacheMaxAgeMs: number; jwksCooldownMs: number; keyHosts: string[] };
    };

export const NODE_ENVS = ['development', 'production', 'test'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface AppConfig {
  /** Settings that are valid but probably not what was meant: logged as warnings at start-up. */
  warnings: string[];
  app: {
    nodeEnv: string;
    host: string;
    port: number;
    publicUrl: string;
    privacyPolicyFile: string | undefined;
    logLevel: (typeof LOG_LEVELS)[number];
    /** Express "trust proxy": false, a hop count, or a list of addresses/subnets. */
    trustProxy: boolean | number | string;
    /** Seconds /health reports not-ready before the server stops taking requests. */
    shutdownDrainSec: number;
    /** Extra public routes for `npm run bench`; never on in production. */
    benchRoutes: boolean;
  };
  rateLimit: { windowSec: number; perUser: number; perAnonymous: number; redisUrl: string | undefined };
  /** What the OpenAPI document and Swagger UI offer for signing in. */
  openapi: { scopes: string[]; swaggerClientId: string | undefined };
  auth: AuthConfig;
  /** Browser origins besides PUBLIC_URL's that may call /mcp (e.g. a web-based MCP inspector). */
  mcp: { allowedOrigins: string[] };
  /** The audit trail (audit/): on unless AUDIT_TRAIL=false. */
  audit: {
    enabled: boolean;
    /** Events older than this are purged (0: kept for ever). */
    retentionDays: number;
    /** Read events wait at most this long in memory before they are written. */
    flushMs: number;
    /** Read events held in memory at most; beyond that they are counted as lost. */
    bufferEvents: number;
  };
  database: {
    url: string | undefined;
    dataDir: string;
    seedDemoData: boolean;
    /** How long a signed-in user's row may be reused (0: read it on every request). */
    userCacheMs: number;
    /** PostgreSQL: longest a statement may run, lock waits included (0: no limit). */
    statementTimeoutMs: number;
    /** PostgreSQL: connections in the pool, and how long a request waits for a free one. */
    poolSize: number;
    poolTimeoutMs: number;
  };
}

/** A start-up configuration problem; the message names each variable and its expected form. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optional = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === '' ? undefined : s));

const int = (name: string, min: number, max: number, fallback: number) =>
  optional.transform((s, ctx) => {
    if (s === undefined) return fallback;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max} (got "${s}")` });
      return z.NEVER;
    }
    return n;
  });

const bool = (name: string) =>
  optional.transform((s, ctx) => {
    if (s === undefined) return undefined;
    if (/^(true|1|yes)$/i.test(s)) return true;
    if (/^(false|0|no)$/i.test(s)) return false;
    ctx.addIssue({ code: 'custom', message: `${name} must be true or false (got "${s}")` });
    return z.NEVER;
  });

const envSchema = z.object({
  NODE_ENV: optional,
  HOST: optional,
  PORT: int('PORT', 0, 65535, 3000),
  PUBLIC_URL: optional,
  AUTH_TYPE: optional,
  COOKIE_SECRET: optional,
  COOKIE_SECURE: bool('COOKIE_SECURE'),
  COOKIE_SESSION_TTL_SECONDS: int('COOKIE_SESSION_TTL_SECONDS', 60, 7 * 24 * 3600, 8 * 3600),
  ALLOW_COOKIE_AUTH_IN_PRODUCTION: bool('ALLOW_COOKIE_AUTH_IN_PRODUCTION'),
  JWT_ISS: optional,
  JWT_AUD: optional,
  JWT_ALG: optional,
  JWT_DECODE_KEY_B64: optional,
  JWT_ROLES_CLAIM: optional,
  JWT_ROLE_MAP: optional,
  JWT_REGION_CLAIM: optional,
  JWT_CLOCK_TOLERANCE_SECONDS: int('JWT_CLOCK_TOLERANCE_SECONDS', 0, 300, 5),
  JWT_TYP: optional,
  OIDC_JWKS_HOSTS: optional,
  OIDC_TIMEOUT_MS: int('OIDC_TIMEOUT_MS', 100, 30_000, 5000),
  JWKS_CACHE_MAX_AGE_SECONDS: int('JWKS_CACHE_MAX_AGE_SECONDS', 10, 86_400, 600),
  JWKS_COOLDOWN_SECONDS: int('JWKS_COOLDOWN_SECONDS', 1, 3600, 30),
  LOG_LEVEL: optional,
  TRUST_PROXY: optional,
  SHUTDOWN_DRAIN_SECONDS: int('SHUTDOWN_DRAIN_SECONDS', 0, 300, 0),
  BENCH_ROUTES: bool('BENCH_ROUTES'),
  RATE_LIMIT_WINDOW_SECONDS: int('RATE_LIMIT_WINDOW_SECONDS', 1, 3600, 60),
  RATE_LIMIT_PER_USER: int('RATE_LIMIT_PER_USER', 0, 1_000_000, 600),
  RATE_LIMIT_PER_ANONYMOUS: int('RATE_LIMIT_PER_ANONYMOUS', 0, 1_000_000, 120),
  REDIS_URL: optional,
  OAUTH_SCOPES: optional,
  SWAGGER_OAUTH_CLIENT_ID: optional,
  PRIVACY_POLICY_FILE: optional,
  MCP_ALLOWED_ORIGINS: optional,
  AUDIT_TRAIL: bool('AUDIT_TRAIL'),
  AUDIT_RETENTION_DAYS: int('AUDIT_RETENTION_DAYS', 0, 36_500, 365),
  AUDIT_FLUSH_MS: int('AUDIT_FLUSH_MS', 10, 1000, 1000),
  AUDIT_BUFFER_EVENTS: int('AUDIT_BUFFER_EVENTS', 100, 1_000_000, 10_000),
  DATABASE_URL: optional,
  DATA_DIR: optional,
  SEED_DEMO_DATA: bool('SEED_DEMO_DATA'),
  USER_CACHE_SECONDS: int('USER_CACHE_SECONDS', 0, 300, 10),
  DATABASE_STATEMENT_TIMEOUT_MS: int('DATABASE_STATEMENT_TIMEOUT_MS', 0, 3_600_000, 5000),
  DATABASE_POOL_SIZE: int('DATABASE_POOL_SIZE', 1, 1000, 10),
  DATABASE_POOL_TIMEOUT_MS: int('DATABASE_POOL_TIMEOUT_MS', 1, 600_000, 5000),
});
type Env = z.output<typeof envSchema>;

/**
 * Validates the environment once, at start-up, and returns typed settings. Every problem
 * is reported at once, each naming its variable, so a bad deployment fails loudly and
 * early instead of on the first request.
 */
export function loadConfig(raw: Record<string, string | undefined>): AppConfig {
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => i.message));
  }
  const env = parsed.data;
  const problems: string[] = [];
  const nodeEnv = (env.NODE_ENV ?? 'development').toLowerCase();
  if (!(NODE_ENVS as readonly string[]).includes(nodeEnv)) {
    problems.push(`NODE_ENV must be one of ${NODE_ENVS.join(', ')} (in any case; got "${env.NODE_ENV}")`);
  }
  const host = env.HOST ?? '127.0.0.1';
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  if (!isHttpUrl(publicUrl)) problems.push(`PUBLIC_URL must be an http(s) URL such as https://api.example.com (got "${env.PUBLIC_URL}")`);

  const auth = authConfig(env, nodeEnv, problems);
  const database = databaseConfig(env, nodeEnv, problems);
  const privacyPolicyFile = env.PRIVACY_POLICY_FILE;
  if (privacyPolicyFile !== undefined && !existsSync(privacyPolicyFile)) {
    problems.push(`PRIVACY_POLICY_FILE must name a readable text or Markdown file (no file at "${privacyPolicyFile}")`);
  }
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }
  if (env.REDIS_URL !== undefined && !/^rediss?:\/\/./.test(env.REDIS_URL)) {
    problems.push('REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379');
  }
  const allowedOrigins = (env.MCP_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!isHttpUrl(origin) || new URL(origin).origin !== origin) problems.push(`MCP_ALLOWED_ORIGINS must list origins such as http://localhost:6274, comma separated (got "${origin}")`);
  }
  if (env.BENCH_ROUTES && nodeEnv === 'production') problems.push('BENCH_ROUTES must not be set with NODE_ENV=production');
  const scopes = (env.OAUTH_SCOPES ?? 'openid profile email offline_access').split(/[\s,]+/).filter(Boolean);
  if (problems.length > 0 || !auth) throw new ConfigError(problems);
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  return {
    warnings: warningsFor(raw, auth.type, database.seedDemoData, trustProxy),
    app: {
      nodeEnv,
      host,
      port: env.PORT,
      publicUrl,
      privacyPolicyFile,
      logLevel: logLevel as AppConfig['app']['logLevel'],
      trustProxy,
      shutdownDrainSec: env.SHUTDOWN_DRAIN_SECONDS,
      benchRoutes: env.BENCH_ROUTES ?? false,
    },
    rateLimit: {
      windowSec: env.RATE_LIMIT_WINDOW_SECONDS,
      perUser: env.RATE_LIMIT_PER_USER,
      perAnonymous: env.RATE_LIMIT_PER_ANONYMOUS,
      redisUrl: env.REDIS_URL,
    },
    openapi: { scopes, swaggerClientId: env.SWAGGER_OAUTH_CLIENT_ID },
    auth,
    mcp: { allowedOrigins },
    audit: {
      enabled: env.AUDIT_TRAIL ?? true,
      retentionDays: env.AUDIT_RETENTION_DAYS,
      flushMs: env.AUDIT_FLUSH_MS,
      bufferEvents: env.AUDIT_BUFFER_EVENTS,
    },
    database,
  };
}

function authConfig(env: Env, nodeEnv: string, problems: string[]): AuthConfig | undefined {
  const rawType = (env.AUTH_TYPE ?? 'cookie').toLowerCase();
  const type = rawType === 'noop' ? 'cookie' : rawType;
  if (!(AUTH_TYPES as readonly string[]).includes(type)) {
    problems.push(`AUTH_TYPE must be one of cookie (alias noop), jwt_local, jwt_oidc (got "${env.AUTH_TYPE}")`);
    return undefined;
  }
  if (type === 'cookie') {
    if (nodeEnv === 'production' && env.ALLOW_COOKIE_AUTH_IN_PRODUCTION !== true) {
      problems.push(
        'AUTH_TYPE=cookie signs anyone in as a demo user and is refused with NODE_ENV=production; ' +
          'use jwt_local or jwt_oidc, or set ALLOW_COOKIE_AUTH_IN_PRODUCTION=true to accept the risk',
      );
    }
    if (env.COOKIE_SECRET !== undefined && env.COOKIE_SECRET.length < 32) {
      problems.push('COOKIE_SECRET must be at least 32 characters of random text (e.g. `openssl rand -base64 48`)');
    }
    return {
      type,
      cookieSecret: env.COOKIE_SECRET ?? randomBytes(32).toString('base64url'),
      cookieSecretGenerated: env.COOKIE_SECRET === undefined,
      cookieSecure: env.COOKIE_SECURE ?? nodeEnv === 'production',
      sessionTtlSec: env.COOKIE_SESSION_TTL_SECONDS,
    };
  }

  const when = `when AUTH_TYPE=${type}`;
  const issuer = env.JWT_ISS;
  if (!issuer) {
    problems.push(
      type === 'jwt_oidc'
        ? `JWT_ISS is required ${when}: the issuer URL, e.g. https://tenant.auth0.com/ (discovery is read from <JWT_ISS>/.well-known/openid-configuration)`
        : `JWT_ISS is required ${when}: the exact "iss" value of accepted tokens`,
    );
  } else if (type === 'jwt_oidc' && !isSecureUrl(issuer)) {
    problems.push(`JWT_ISS must be an https URL ${when} (http is accepted only for localhost); got "${issuer}"`);
  }
  const audiences = (env.JWT_AUD ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  if (audiences.length === 0) {
    problems.push(`JWT_AUD is required ${when}: one or more accepted audiences, comma separated (e.g. https://api.example.com)`);
  }
  const algorithms = parseAlgorithms(env.JWT_ALG, type, problems);
  const roleMap = parseRoleMap(env.JWT_ROLE_MAP, problems);
  const jwt: JwtSettings = {
    issuer: issuer ?? '',
    type: env.JWT_TYP,
    audiences,
    algorithms,
    rolesClaim: env.JWT_ROLES_CLAIM ?? 'roles',
    roleMap,
    regionClaim: env.JWT_REGION_CLAIM ?? 'region',
    clockToleranceSec: env.JWT_CLOCK_TOLERANCE_SECONDS,
  };

  if (type === 'jwt_local') {
    if (!env.JWT_DECODE_KEY_B64) {
      problems.push(`JWT_DECODE_KEY_B64 is required ${when}: Base64 of a PEM public key or HMAC secret`);
      return undefined;
    }
    if (algorithms.length === 0) return undefined;
    const key = parseDecodeKey(env.JWT_DECODE_KEY_B64, algorithms);
    if (typeof key === 'string') {
      problems.push(`JWT_DECODE_KEY_B64 ${key}`);
      return undefined;
    }
    return { type, jwt, key };
  }
  return {
    type: 'jwt_oidc',
    jwt,
    oidc: {
      timeoutMs: env.OIDC_TIMEOUT_MS,
      jwksCacheMaxAgeMs: env.JWKS_CACHE_MAX_AGE_SECONDS * 1000,
      jwksCooldownMs: env.JWKS_COOLDOWN_SECONDS * 1000,
      keyHosts: (env.OIDC_JWKS_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    },
  };
}

function parseAlgorithms(raw: string | undefined, type: string, problems: string[]): JwtAlgorithm[] {
  if (!raw) {
    if (type === 'jwt_local') {
      problems.push(`JWT_ALG is required when AUTH_TYPE=jwt_local: one of ${JWT_ALGORITHMS.join(', ')}`);
      return [];
    }
    return [...ASYMMETRIC_ALGORITHMS];
  }
  const list = raw.split(',').map((a) => a.trim()).filter(Boolean);
  const unknown = list.filter((a) => !(JWT_ALGORITHMS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    problems.push(`JWT_ALG has unsupported algorithm(s) ${unknown.join(', ')}; use ${JWT_ALGORITHMS.join(', ')} (never none)`);
    return [];
  }
  if (type === 'jwt_oidc' && list.some(isHmac)) {
    problems.push('JWT_ALG must not list HMAC algorithms when AUTH_TYPE=jwt_oidc: keys from a JWKS are public keys');
    return [];
  }
  return list as JwtAlgorithm[];
}

function parseRoleMap(raw: string | undefined, problems: string[]): Map<string, AppRole> {
  const map = new Map<string, AppRole>();
  for (const pair of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.lastIndexOf('=');
    const from = pair.slice(0, eq).trim();
    const to = pair.slice(eq + 1).trim();
    if (eq <= 0 || !(APP_ROLES as readonly string[]).includes(to)) {
      problems.push(`JWT_ROLE_MAP entry "${pair}" must read IdPRole=appRole, appRole one of ${APP_ROLES.join(', ')}`);
      continue;
    }
    map.set(from, to as AppRole);
  }
  return map;
}

function databaseConfig(env: Env, nodeEnv: string, problems: string[]): AppConfig['database'] {
  const cookieMode = ['cookie', 'noop'].includes((env.AUTH_TYPE ?? 'cookie').toLowerCase());
  const url = env.DATABASE_URL;
  if (url !== undefined && !/^postgres(ql)?:\/\/./.test(url)) {
    problems.push('DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/rolegate');
  }
  const production = nodeEnv === 'production';
  if (production && env.SEED_DEMO_DATA === true && env.ALLOW_COOKIE_AUTH_IN_PRODUCTION !== true) {
    problems.push(
      'SEED_DEMO_DATA=true is refused with NODE_ENV=production: the demo users (alice is admin) would get their roles from any token with their sub',
    );
  }
  return {
    url,
    dataDir: env.DATA_DIR ?? './data',
    // Demo users are only safe where anyone may sign in as anyone anyway: cookie mode. In
    // the JWT modes a token with sub "alice" would be the seeded admin.
    seedDemoData: env.SEED_DEMO_DATA ?? (url === undefined && !production && cookieMode),
    userCacheMs: env.USER_CACHE_SECONDS * 1000,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    poolSize: env.DATABASE_POOL_SIZE,
    poolTimeoutMs: env.DATABASE_POOL_TIMEOUT_MS,
  };
}

function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || /^(false|0|no)$/i.test(raw)) return false;
  if (/^(true|yes)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

/** Settings each mode does not read: set anyway, they are most likely left over from another mode. */
const MODE_SETTINGS = {
  cookie: ['COOKIE_SECRET', 'COOKIE_SECURE', 'COOKIE_SESSION_TTL_SECONDS', 'ALLOW_COOKIE_AUTH_IN_PRODUCTION'],
  jwt: ['JWT_ISS', 'JWT_AUD', 'JWT_ALG', 'JWT_ROLES_CLAIM', 'JWT_ROLE_MAP', 'JWT_REGION_CLAIM', 'JWT_CLOCK_TOLERANCE_SECONDS', 'JWT_TYP'],
  jwt_local: ['JWT_DECODE_KEY_B64'],
  jwt_oidc: ['OIDC_TIMEOUT_MS', 'JWKS_CACHE_MAX_AGE_SECONDS', 'JWKS_COOLDOWN_SECONDS', 'OIDC_JWKS_HOSTS', 'SWAGGER_OAUTH_CLIENT_ID'],
} as const;

function warningsFor(raw: Record<string, string | undefined>, type: AuthType, seeded: boolean, trustProxy: AppConfig['app']['trustProxy']): string[] {
  const set = (name: string) => (raw[name] ?? '').trim() !== '';
  const read: readonly string[] =
    type === 'cookie' ? MODE_SETTINGS.cookie : [...MODE_SETTINGS.jwt, ...(type === 'jwt_local' ? MODE_SETTINGS.jwt_local : MODE_SETTINGS.jwt_oidc)];
  const all = Object.values(MODE_SETTINGS).flat();
  const ignored = all.filter((name) => set(name) && !read.includes(name));
  const warnings: string[] = [];
  if (ignored.length > 0) warnings.push(`AUTH_TYPE=${type} ignores ${ignored.join(', ')} (left over from another mode?)`);
  if (type === 'jwt_oidc' && set('JWT_ALG')) {
    warnings.push(`JWT_ALG=${raw.JWT_ALG} accepts only these algorithms; identity providers usually sign with RS256. Unset it to accept every asymmetric algorithm`);
  }
  if (type !== 'cookie' && seeded) {
    warnings.push(`SEED_DEMO_DATA=true with AUTH_TYPE=${type}: the demo users exist, so a token whose sub is "alice" is the demo admin`);
  }
  if (trustProxy === true) {
    warnings.push('TRUST_PROXY=true believes X-Forwarded-For from anyone, so any client can pick the address rate limits count; set the number of proxies in front (TRUST_PROXY=1) or their addresses');
  }
  return warnings;
}
