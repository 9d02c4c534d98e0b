import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run keys` keeps the development key pair; the folder is git-ignored. */
export const KEYS_DIR = '.keys';

export interface DevKeyConfig {
  alg: string;
  kid: string;
  iss: string;
  aud: string;
}

export function saveDevKeys(config: DevKeyConfig, privatePem: string): void {
  mkdirSync(KEYS_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(join(KEYS_DIR, 'signing-key.pem'), privatePem, { mode: 0o600 });
  writeFileSync(join(KEYS_DIR, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

export function loadDevKeys(): { config: DevKeyConfig; privatePem: string } {
  try {
    return {
      config: JSON.parse(readFileSync(join(KEYS_DIR, 'config.json'), 'utf8')) as DevKeyConfig,
      privatePem: readFileSync(join(KEYS_DIR, 'signing-key.pem'), 'utf8'),
    };
  } catch {
    throw new Error(`No development keys in ${KEYS_DIR}/: run \`npm run keys\` first`);
  }
}
