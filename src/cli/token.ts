import { createPrivateKey, createSecretKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { isHmac } from '../config/jwt-key.js';
import { DEMO_USERS, findDemoUser } from '../database/demo-users.js';
import { loadDevKeys } from './dev-keys.js';

/**
 * `npm run -s token -- --sub carol [--ttl 3600] [--roles sales,manager] [--region EU]`:
 * a token signed with the key from `npm run keys`, carrying the demo user's roles and
 * region unless overridden. Prints only the token.
 */
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
    roles: { type: 'string' },
    region: { type: 'string' },
    'roles-claim': { type: 'string', default: 'roles' },
  },
});
if (!values.sub) {
  console.error(`--sub is required, e.g. --sub carol (demo users: ${DEMO_USERS.map((u) => u.sub).join(', ')})`);
  process.exit(2);
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) {
  console.error('--ttl must be a positive number of seconds');
  process.exit(2);
}

const { config, privatePem } = loadDevKeys();
const demo = findDemoUser(values.sub);
const roles = values.roles !== undefined ? values.roles.split(',').filter(Boolean) : (demo?.roles ?? []);
const region = values.region ?? demo?.region ?? undefined;
const key = isHmac(config.alg) ? createSecretKey(Buffer.from(privatePem)) : createPrivateKey(privatePem);

const token = await new SignJWT({
  [values['roles-claim']]: roles,
  ...(region ? { region } : {}),
  ...(demo ? { name: demo.name, email: demo.email } : {}),
})
  .setProtectedHeader({ alg: config.alg, kid: config.kid, typ: 'JWT' })
  .setSubject(values.sub)
  .setIssuer(config.iss)
  .setAudience(config.aud)
  .setIssuedAt()
  .setExpirationTime(`${ttl}s`)
  .sign(key);
console.log(token);
