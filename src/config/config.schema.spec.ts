import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './config.schema.js';

const pemB64 = (type: 'rsa' | 'ec' | 'ed25519', part: 'publicKey' | 'privateKey' = 'publicKey') => {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const pem = pair[part].export({ type: part === 'publicKey' ? 'spki' : 'pkcs8', format: 'pem' });
  return Buffer.from(pem).toString('base64');
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a configuration error');
};

const local = { AUTH_TYPE: 'jwt_local', JWT_ISS: 'rolegate-dev', JWT_AUD: 'rolegate' };

describe('loadConfig', () => {
  it('defaults to cookie mode on the embedded database with a generated cookie secret', () => {
    const config = loadConfig({});
    expect(config.auth).toMatchObject({ type: 'cookie', cookieSecretGenerated: true, cookieSecure: false });
    expect(config.database).toEqual({
      url: undefined,
      dataDir: './data',
      seedDemoData: true,
      userCacheMs: 10_000,
      statementTimeoutMs: 5000,
      poolSize: 10,
      poolTimeoutMs: 5000,
    });
    expect(config.app).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://localhost:3000' });
  });

  it('accepts noop as an alias of cookie (OpenGPTs compatibility)', () => {
    expect(loadConfig({ AUTH_TYPE: 'noop' }).auth.type).toBe('cookie');
  });

  it('names the variable and the expected form when the jwt_local key is missing', () => {
    expect(problemsOf({ ...local, JWT_ALG: 'RS256' })).toContain(
      'JWT_DECODE_KEY_B64 is required when AUTH_TYPE=jwt_local: Base64 of a PEM public key or HMAC secret',
    );
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ AUTH_TYPE: 'jwt_local' });
    expect(problems.some((p) => p.startsWith('JWT_ISS is required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('JWT_AUD is required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('JWT_ALG is required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('JWT_DECODE_KEY_B64 is required'))).toBe(true);
  });

  it('refuses an unknown AUTH_TYPE', () => {
    expect(problemsOf({ AUTH_TYPE: 'basic' })[0]).toMatch(/^AUTH_TYPE must be one of cookie .*got "basic"/);
  });

  it('refuses cookie mode in production unless explicitly allowed', () => {
    expect(problemsOf({ NODE_ENV: 'production' })[0]).toMatch(/ALLOW_COOKIE_AUTH_IN_PRODUCTION=true/);
    const allowed = loadConfig({
      NODE_ENV: 'production',
      ALLOW_COOKIE_AUTH_IN_PRODUCTION: 'true',
      COOKIE_SECRET: randomBytes(32).toString('hex'),
    });
    expect(allowed.auth).toMatchObject({ type: 'cookie', cookieSecure: true, cookieSecretGenerated: false });
  });

  it('refuses a short cookie secret', () => {
    expect(problemsOf({ COOKIE_SECRET: 'short' })[0]).toMatch(/^COOKIE_SECRET must be at least 32 characters/);
  });

  it.each(['none', 'NONE', 'HS1', 'rs256'])('refuses JWT_ALG=%s', (alg) => {
    expect(problemsOf({ ...local, JWT_ALG: alg, JWT_DECODE_KEY_B64: pemB64('rsa') })[0]).toMatch(/^JWT_ALG has unsupported/);
  });

  it('refuses a PEM public key used as an HMAC secret (key confusion)', () => {
    expect(problemsOf({ ...local, JWT_ALG: 'HS256', JWT_DECODE_KEY_B64: pemB64('rsa') })[0]).toMatch(
      /^JWT_DECODE_KEY_B64 holds a PEM key, but JWT_ALG=HS256 needs an HMAC secret/,
    );
  });

  it('refuses an HMAC secret shorter than the hash', () => {
    const b64 = randomBytes(16).toString('base64');
    expect(problemsOf({ ...local, JWT_ALG: 'HS256', JWT_DECODE_KEY_B64: b64 })[0]).toMatch(/needs at least 32 bytes/);
  });

  it('refuses a key of the wrong type for the algorithm', () => {
    expect(problemsOf({ ...local, JWT_ALG: 'ES256', JWT_DECODE_KEY_B64: pemB64('rsa') })[0]).toMatch(
      /holds a rsa key, but ES256 needs an EC key/,
    );
    expect(problemsOf({ ...local, JWT_ALG: 'EdDSA', JWT_DECODE_KEY_B64: pemB64('ec') })[0]).toMatch(/EdDSA needs an Ed25519/);
  });

  it('refuses a private key and text that is not Base64 or not PEM', () => {
    expect(problemsOf({ ...local, JWT_ALG: 'RS256', JWT_DECODE_KEY_B64: pemB64('rsa', 'privateKey') })[0]).toMatch(
      /holds a private key/,
    );
    expect(problemsOf({ ...local, JWT_ALG: 'RS256', JWT_DECODE_KEY_B64: '%%%' })[0]).toMatch(/is not valid Base64/);
    expect(problemsOf({ ...local, JWT_ALG: 'RS256', JWT_DECODE_KEY_B64: Buffer.from('hello').toString('base64') })[0]).toMatch(
      /must be Base64 of a PEM public key/,
    );
  });

  it('accepts each supported key type', () => {
    for (const [alg, type] of [['RS256', 'rsa'], ['PS256', 'rsa'], ['ES256', 'ec'], ['EdDSA', 'ed25519']] as const) {
      const config = loadConfig({ ...local, JWT_ALG: alg, JWT_DECODE_KEY_B64: pemB64(type) });
      expect(config.auth.type).toBe('jwt_local');
    }
  });

  it('parses audiences, role map and claim names', () => {
    const config = loadConfig({
      ...local,
      JWT_AUD: 'a, b ,c',
      JWT_ALG: 'HS256',
      JWT_DECODE_KEY_B64: randomBytes(32).toString('base64'),
      JWT_ROLE_MAP: 'Sales-EU=sales, Admins=admin',
      JWT_ROLES_CLAIM: 'realm_access.roles',
    });
    if (config.auth.type !== 'jwt_local') throw new Error('expected jwt_local');
    expect(config.auth.jwt.audiences).toEqual(['a', 'b', 'c']);
    expect([...config.auth.jwt.roleMap]).toEqual([['Sales-EU', 'sales'], ['Admins', 'admin']]);
    expect(config.auth.jwt.rolesClaim).toBe('realm_access.roles');
  });

  it('refuses role map entries that do not name an app role', () => {
    const problems = problemsOf({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: 'https://idp.example.com/', JWT_AUD: 'x', JWT_ROLE_MAP: 'Admins=root,broken' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^JWT_ROLE_MAP entry "Admins=root" must read IdPRole=appRole/);
  });

  it('requires an https issuer for jwt_oidc (plain http only on loopback) and never HMAC', () => {
    expect(problemsOf({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: 'http://idp.example.com/', JWT_AUD: 'x' })[0]).toMatch(
      /^JWT_ISS must be an https URL when AUTH_TYPE=jwt_oidc/,
    );
    expect(problemsOf({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: 'https://idp.example.com/', JWT_AUD: 'x', JWT_ALG: 'HS256' })[0]).toMatch(
      /must not list HMAC algorithms/,
    );
    const config = loadConfig({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: 'http://127.0.0.1:9000/', JWT_AUD: 'x' });
    if (config.auth.type !== 'jwt_oidc') throw new Error('expected jwt_oidc');
    expect(config.auth.jwt.algorithms).not.toContain('HS256');
    expect(config.auth.oidc).toEqual({ timeoutMs: 5000, jwksCacheMaxAgeMs: 600_000, jwksCooldownMs: 30_000, keyHosts: [] });
  });

  it('checks numbers, booleans and URLs', () => {
    expect(problemsOf({ PORT: '70000' })[0]).toBe('PORT must be a whole number from 0 to 65535 (got "70000")');
    expect(problemsOf({ SEED_DEMO_DATA: 'maybe' })[0]).toBe('SEED_DEMO_DATA must be true or false (got "maybe")');
    expect(problemsOf({ USER_CACHE_SECONDS: '-1' })[0]).toBe('USER_CACHE_SECONDS must be a whole number from 0 to 300 (got "-1")');
    expect(loadConfig({ USER_CACHE_SECONDS: '0' }).database.userCacheMs).toBe(0);
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '0' }).database.statementTimeoutMs).toBe(0);
    expect(problemsOf({ DATABASE_POOL_SIZE: '0' })[0]).toBe('DATABASE_POOL_SIZE must be a whole number from 1 to 1000 (got "0")');
    // 0 would make pg-pool wait for a connection forever
    expect(problemsOf({ DATABASE_POOL_TIMEOUT_MS: '0' })[0]).toBe('DATABASE_POOL_TIMEOUT_MS must be a whole number from 1 to 600000 (got "0")');
    expect(problemsOf({ DATABASE_URL: 'mysql://x' })[0]).toMatch(/^DATABASE_URL must be a PostgreSQL URL/);
    expect(problemsOf({ PUBLIC_URL: 'ftp://x' })[0]).toMatch(/^PUBLIC_URL must be an http\(s\) URL/);
  });

  it('never seeds demo users in production by default, and refuses to be asked to', () => {
    const prodJwt = { NODE_ENV: 'production', AUTH_TYPE: 'jwt_oidc', JWT_ISS: 'https://idp.example.com/', JWT_AUD: 'api' };
    expect(loadConfig(prodJwt).database.seedDemoData).toBe(false);
    expect(problemsOf({ ...prodJwt, SEED_DEMO_DATA: 'true' })[0]).toMatch(/^SEED_DEMO_DATA=true is refused with NODE_ENV=production/);
  });

  it('does not seed demo users on a PostgreSQL server unless asked', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/x' }).database.seedDemoData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/x', SEED_DEMO_DATA: 'true' }).database.seedDemoData).toBe(true);
  });
});

describe('settings that cannot be mistaken', () => {
  it('accepts NODE_ENV in any case, and refuses other values naming the variable', () => {
    expect(loadConfig({ NODE_ENV: 'Development' }).app.nodeEnv).toBe('development');
    expect(problemsOf({ NODE_ENV: 'Production' })).toContainEqual(expect.stringMatching(/AUTH_TYPE=cookie .* refused with NODE_ENV=production/));
    expect(problemsOf({ NODE_ENV: 'prod' })).toContain('NODE_ENV must be one of development, production, test (in any case; got "prod")');
  });

  it('seeds demo data by default only in cookie mode, and warns when a JWT mode seeds it', () => {
    const key = { JWT_ALG: 'ES256', JWT_DECODE_KEY_B64: pemB64('ec') };
    expect(loadConfig({}).database.seedDemoData).toBe(true);
    expect(loadConfig({ ...local, ...key }).database.seedDemoData).toBe(false);
    expect(loadConfig({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: 'http://127.0.0.1:9000/', JWT_AUD: 'x' }).database.seedDemoData).toBe(false);
    const seeded = loadConfig({ ...local, ...key, SEED_DEMO_DATA: 'true' });
    expect(seeded.database.seedDemoData).toBe(true);
    expect(seeded.warnings).toContainEqual(expect.stringMatching(/SEED_DEMO_DATA=true with AUTH_TYPE=jwt_local: .*"alice" is the demo admin/));
    expect(loadConfig({}).warnings).toEqual([]);
  });

  it("warns about settings the mode ignores, a JWT_ALG that narrows jwt_oidc, and TRUST_PROXY=true", () => {
    const oidc = loadConfig({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: 'http://127.0.0.1:9000/', JWT_AUD: 'x', JWT_ALG: 'ES256', JWT_DECODE_KEY_B64: 'abc', COOKIE_SECRET: 'x'.repeat(40) });
    expect(oidc.warnings).toContain('AUTH_TYPE=jwt_oidc ignores COOKIE_SECRET, JWT_DECODE_KEY_B64 (left over from another mode?)');
    expect(oidc.warnings).toContainEqual(expect.stringMatching(/^JWT_ALG=ES256 accepts only these algorithms/));
    expect(loadConfig({ JWT_ISS: 'x', SWAGGER_OAUTH_CLIENT_ID: 'y' }).warnings).toEqual(['AUTH_TYPE=cookie ignores JWT_ISS, SWAGGER_OAUTH_CLIENT_ID (left over from another mode?)']);
    expect(loadConfig({ TRUST_PROXY: 'true' }).warnings).toContainEqual(expect.stringMatching(/TRUST_PROXY=true believes X-Forwarded-For from anyone/));
    expect(loadConfig({ TRUST_PROXY: '1' }).warnings).toEqual([]);
  });

  it('reads JWT_TYP and the extra key hosts of jwt_oidc', () => {
    const config = loadConfig({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: 'https://accounts.google.com', JWT_AUD: 'x', JWT_TYP: 'at+jwt', OIDC_JWKS_HOSTS: 'www.googleapis.com, Keys.Example.com' });
    expect(config.auth).toMatchObject({ jwt: { type: 'at+jwt' }, oidc: { keyHosts: ['www.googleapis.com', 'keys.example.com'] } });
  });
});
