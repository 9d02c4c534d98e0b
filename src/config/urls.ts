export const isHttpUrl = (s: string): boolean => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol);

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** https, or plain http to this machine only (a development identity provider). */
export function isSecureUrl(s: string): boolean {
  if (!isHttpUrl(s)) return false;
  const url = new URL(s);
  return url.protocol === 'https:' || LOOPBACK.includes(url.hostname);
}
