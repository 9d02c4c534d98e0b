import { z } from 'zod';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

const limitMessage = { message: `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}` };
const limit = z.coerce
  .number(limitMessage)
  .int(limitMessage)
  .min(1, limitMessage)
  .max(MAX_PAGE_SIZE, limitMessage)
  .default(DEFAULT_PAGE_SIZE)
  .describe(`Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`);

/**
 * The query of a list endpoint: `limit`, `cursor`, `sort` from an allowlist (`-` for
 * descending) and the resource's own filters. Unknown parameters are refused, so a typo
 * is a clear 400 rather than a silently unfiltered list.
 */
export function listQuery<S extends string, T extends z.ZodRawShape>(sorts: readonly [S, ...S[]], filters: T) {
  const orders = sorts.flatMap((s) => [s, `-${s}`]) as [string, ...string[]];
  return z.strictObject({
    limit,
    cursor: z.string().max(2048).optional().describe('The `next` value of the previous page'),
    sort: z
      .enum(orders, { message: `sort must be one of ${orders.join(', ')}` })
      .default(`-${sorts[0]}`)
      .describe(`Order of the list; a leading - means descending (default -${sorts[0]}${sorts[0] === 'createdAt' ? ', newest first' : ''})`),
    ...filters,
  });
}

export interface Page<T> {
  items: T[];
  /** Pass as `?cursor=` to get the next page; null on the last page. */
  next: string | null;
}
