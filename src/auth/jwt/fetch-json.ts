/**
 * GET a JSON document from an identity provider with a hard deadline that covers the
 * whole exchange (connection, headers and body: a provider that stalls mid-body cannot
 * hold requests), no redirects, and a size cap.
 */
export async function fetchJson(url: string, timeoutMs: number, maxBytes = 512 * 1024): Promise<unknown> {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
    headers: { accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > maxBytes) throw new Error(`${url} sent ${length} bytes, more than ${maxBytes}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > maxBytes) throw new Error(`${url} sent more than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
