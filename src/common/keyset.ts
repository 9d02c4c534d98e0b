import { BadRequestException } from '@nestjs/common';
import { asc, desc, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';

/** The SQL type a sort column's cursor position is cast back to. */
export type PositionType = 'timestamptz' | 'date' | 'numeric' | 'text';

export interface Cursor {
  sort: string;
  value: string;
  id: string;
}

const cursorShape = z.tuple([z.string(), z.string().max(1024), z.uuid()]);

/** What a cursor position may look like for each sort column type (it is cast in SQL). */
const POSITION: Record<PositionType, RegExp> = {
  timestamptz: /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  numeric: /^-?\d{1,19}(\.\d{1,6})?$/, // bigint's 19 digits
  text: /^[^\u0000]*$/,
};

/** Cursors are opaque positions; forging one reveals nothing, since row rules still apply. */
export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.sort, c.value, c.id])).toString('base64url');

export function decodeCursor(raw: string, sort: string, type: PositionType): Cursor {
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

/** The position type of a sort column, from its SQL type. */
export function positionType(column: AnyPgColumn): PositionType {
  const type = column.getSQLType();
  if (type.startsWith('timestamp')) return 'timestamptz';
  if (type === 'date') return 'date';
  // Exact numbers only: a float's text form (1e+20) would not read back as a cursor position.
  if (/^(numeric|bigint|integer|smallint)/.test(type)) return 'numeric';
  if (type === 'text' || type.startsWith('varchar')) return 'text';
  throw new Error(`a list cannot be sorted by ${column.name} (${type})`);
}

/**
 * Keyset paging on (sort column, id): the order, and "after this position" as a row
 * comparison the (scope, sort, id) indexes serve directly, so pages never skip or repeat
 * rows and page 1,000 costs what page 1 costs. Values are statement parameters.
 */
export function keyset(column: AnyPgColumn, id: AnyPgColumn, descending: boolean, type: PositionType) {
  return {
    orderBy: descending ? [desc(column), desc(id)] : [asc(column), asc(id)],
    after: (value: unknown, afterId: unknown): SQL =>
      sql`(${column}, ${id}) ${sql.raw(descending ? '<' : '>')} (cast(${value} as ${sql.raw(type)}), cast(${afterId} as uuid))`,
  };
}
