import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { DEFAULT_GPT_SECRET, DEFAULT_PASSWORD, DevIdp, isLoopbackUrl, MCP_REDIRECT_URIS } from './dev-idp.ts';

/**
 * `npm run idp`: a development OpenID provider for rolegate on loopback. Settings (all optional):
 * IDP_ISSUER, IDP_HOST, IDP_PORT, IDP_ROLEGATE_URL (rolegate's PUBLIC_URL, default
 * http://localhost:3000), IDP_AUDIENCE (default IDP_ROLEGATE_URL), IDP_MCP_RESOURCE (the
 * MCP endpoint's resource, default <IDP_ROLEGATE_URL>/mcp), IDP_ROLES_CLAIM, IDP_REGION_CLAIM,
 * IDP_PASSWORD, IDP_GPT_CLIENT_ID, IDP_GPT_CLIENT_SECRET, IDP_SWAGGER_CLIENT_ID,
 * IDP_SWAGGER_REDIRECT_URI, IDP_KEY_GRACE_SECONDS, IDP_ADMIN_TOKEN,
 * IDP_CLIENT_ID_METADATA_DOCUMENTS (default on; "off" stops resolving https client ids).
 *
 * MCP clients register themselves at <issuer>/register (RFC 7591, no initial access token)
 * for ChatGPT's, Claude's or loopback redirect URIs, or use an https client id whose
 * metadata document the provider fetches; they ask for resource=<IDP_MCP_RESOURCE>.
 */
const env = process.env;
const port = Number(env.IDP_PORT ?? 4000);
const issuer = env.IDP_ISSUER ?? `http://localhost:${port}`;
// Off loopback the defaults are refused: unless given, the password and secret are made up here and printed below.
const loopback = isLoopbackUrl(issuer);
const made = (value: string | undefined, fallback: string) => value ?? (loopback ? fallback : randomBytes(18).toString('base64url'));
const rolegate = (env.IDP_ROLEGATE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const idp = new DevIdp({
  issuer,
  host: env.IDP_HOST ?? '127.0.0.1',
  port,
  audience: env.IDP_AUDIENCE ?? rolegate,
  mcpResource: env.IDP_MCP_RESOURCE ?? `${rolegate}/mcp`,
  rolesClaim: env.IDP_ROLES_CLAIM ?? 'roles',
  regionClaim: env.IDP_REGION_CLAIM ?? 'region',
  password: made(env.IDP_PASSWORD, DEFAULT_PASSWORD),
  gptClient: { id: env.IDP_GPT_CLIENT_ID ?? 'rolegate-gpt', secret: made(env.IDP_GPT_CLIENT_SECRET, DEFAULT_GPT_SECRET) },
  swaggerClient: {
    id: env.IDP_SWAGGER_CLIENT_ID ?? 'rolegate-swagger',
    redirectUri: env.IDP_SWAGGER_REDIRECT_URI ?? `${rolegate}/docs/oauth2-redirect.html`,
  },
  keyGraceSeconds: Number(env.IDP_KEY_GRACE_SECONDS ?? 3600),
  clientIdMetadataDocuments: env.IDP_CLIENT_ID_METADATA_DOCUMENTS !== 'off',
  ...(env.IDP_ADMIN_TOKEN ? { adminToken: env.IDP_ADMIN_TOKEN } : {}),
});
const listening = await idp.listen();
mkdirSync('.keys', { recursive: true, mode: 0o700 });
writeFileSync('.keys/idp-admin-token', idp.options.adminToken, { mode: 0o600 });
const o = idp.options;

console.log(`rolegate development identity provider (not for production)
  issuer        ${o.issuer}   (listening on ${listening})
  metadata      ${o.issuer}/.well-known/openid-configuration, ${o.issuer}/.well-known/oauth-authorization-server
  demo users    ${['alice', 'bob', 'carol', 'frank', 'dan', 'erin'].join(', ')}, password "${o.password}"
  access tokens RS256 JWTs for audience ${o.audience} (or ${o.mcpResource} with resource=), roles in "${o.rolesClaim}", region in "${o.regionClaim}"
  consent       asked once per user, client and redirect URI

  GPT Actions client (confidential; client_secret_post or client_secret_basic)
    client id      ${o.gptClient!.id}
    client secret  ${o.gptClient!.secret}
    redirect URIs  https://chat.openai.com/aip/g-*/oauth/callback, https://chatgpt.com/aip/g-*/oauth/callback
                   (and the MCP redirect URIs below, to use it as a ChatGPT app's or Claude connector's own client)
  Swagger UI client (public, PKCE)
    client id      ${o.swaggerClient!.id}
    redirect URI   ${o.swaggerClient!.redirectUri}
  MCP clients (ChatGPT apps, Claude connectors, MCP Inspector, the MCP SDKs)
    resource       ${o.mcpResource}   (rolegate's /mcp: ask with resource=, PKCE S256)
    registration   ${idp.registrationEndpoint}   (RFC 7591, open, public or confidential clients)
    client ids     ${o.clientIdMetadataDocuments ? 'https URLs of Client ID Metadata Documents are resolved (public addresses only)' : 'Client ID Metadata Documents off'}
    redirect URIs  ${MCP_REDIRECT_URIS.join('\n                   ')}
    refresh tokens issued, and rotated at each use

Run rolegate against it (PUBLIC_URL must be ${rolegate} for the MCP resource to match):
  AUTH_TYPE=jwt_oidc JWT_ISS=${o.issuer} JWT_AUD=${o.audience},${o.mcpResource} PUBLIC_URL=${rolegate} SWAGGER_OAUTH_CLIENT_ID=${o.swaggerClient!.id} SEED_DEMO_DATA=true npm start

Rotate the signing key: npm run idp:rotate (old key stays published for ${o.keyGraceSeconds} s)`);

const stop = () => void idp.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
