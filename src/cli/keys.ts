import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { JWT_ALGORITHMS, isHmac } from '../config/jwt-key.js';
import { KEYS_DIR, saveDevKeys } from './dev-keys.js';

/**
 * `npm run keys [-- --alg ES256 --iss rolegate-dev --aud rolegate]`: makes a development
 * key pair for AUTH_TYPE=jwt_local, keeps the private half in .keys/ (git-ignored) and
 * prints the settings to paste into .env.
 */
const { values } = parseArgs({
  options: {
    alg: { type: 'string', default: 'ES256' },
    iss: { type: 'string', default: 'rolegate-dev' },
    aud: { type: 'string', default: 'rolegate' },
  },
});
const alg = values.alg;
if (!(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
  console.error(`--alg must be one of ${JWT_ALGORITHMS.join(', ')}`);
  process.exit(2);
}

let privatePem: string;
let decodeKey: Buffer;
if (isHmac(alg)) {
  const secret = randomBytes(64).toString('base64url');
  privatePem = secret;
  decodeKey = Buffer.from(secret);
} else {
  const pair = alg.startsWith('ES')
    ? generateKeyPairSync('ec', { namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg]! })
    : alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  decodeKey = Buffer.from(createPublicKey(createPrivateKey(privatePem)).export({ type: 'spki', format: 'pem' }));
}
saveDevKeys({ alg, kid: randomUUID(), iss: values.iss, aud: values.aud }, privatePem);

console.error(`Signing key written to ${KEYS_DIR}/ (keep it private). Paste these lines into .env:\n`);
console.log(
  [
    'AUTH_TYPE=jwt_local',
    `JWT_ISS=${values.iss}`,
    `JWT_AUD=${values.aud}`,
    `JWT_ALG=${alg}`,
    `JWT_DECODE_KEY_B64=${decodeKey.toString('base64')}`,
    // To try it out: the demo users and CRM (only cookie mode seeds them by default). Remove with real users.
    'SEED_DEMO_DATA=true',
  ].join('\n'),
);
console.error('\nThen mint a token with: npm run -s token -- --sub carol');
