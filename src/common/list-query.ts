import { BadRequestException } from '@nestjs/common';
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

interface Cursor {
  sort: string;
  value: string;
  id: string;
}

const cursorShape = z.tuple([z.string(), z.string().max(1024), z.uuid()]);

/** What a cursor position may look like for each sort column type (it is cast in SQL). */
const POSITION: Record<string, RegExp> = {
  timestamptz: /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  numeric: /^-?\d{1,15}(\.\d{1,6})?$/,
  text: /^[^\u0000]*$/,
};

/** Cursors are opaque positions; forging one reveals nothing, since row rules still apply. */
export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.sort, c.value, c.id])).toString('base64url');

export function decodeCursor(raw: string, sort: string, type: keyof typeof POSITION): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorShape.safeParse(parsed);
  if (!result.success || result.data[0] !== sort || !POSITION[type].test(result.data[1])) {
    throw new BadRequestException('cursor is not valid for this list and sort order; start again without it');
  }
  const [, value, id] = result.data;
  return { sort, value, id };
}
