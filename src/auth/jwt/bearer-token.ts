import type { Request } from 'express';
import { InvalidToken, MissingBearerToken } from '../auth.errors.js';

/** Larger tokens are refused before any decoding, so parsing cost stays bounded. */
export const MAX_TOKEN_BYTES = 8 * 1024;

/**
 * The bearer token of the Authorization header (RFC 6750 §2.1; the scheme name is
 * case-insensitive). Tokens in the query string or body are never read: they end up in
 * logs, proxies and browser history.
 */
export function extractBearerToken(req: Request): string {
  const header = req.headers.authorization;
  if (!header) throw new MissingBearerToken();
  const match = /^bearer(?:\s+(.*))?$/is.exec(header.trim());
  if (!match) throw new MissingBearerToken();
  const token = (match[1] ?? '').trim();
  if (token.length > MAX_TOKEN_BYTES) throw new InvalidToken('token is larger than 8 KiB');
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw new InvalidToken('malformed bearer token');
  return token;
}
