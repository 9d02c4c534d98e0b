import { existsSync, readFileSync } from 'node:fs';

/** `npm run idp:rotate`: asks the running development provider to rotate its signing key. */
const issuer = (process.env.IDP_ISSUER ?? `http://localhost:${process.env.IDP_PORT ?? 4000}`).replace(/\/+$/, '');
const token = process.env.IDP_ADMIN_TOKEN ?? (existsSync('.keys/idp-admin-token') ? readFileSync('.keys/idp-admin-token', 'utf8') : '');
const res = await fetch(`${issuer}/admin/rotate-keys`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
if (!res.ok) {
  console.error(`Rotation failed: HTTP ${res.status} from ${issuer} (is npm run idp running, with the same IDP_ADMIN_TOKEN?)`);
  process.exit(1);
}
const { kid, published } = (await res.json()) as { kid: string; published: string[] };
console.log(`Signing with ${kid}; published keys: ${published.join(', ')}`);
