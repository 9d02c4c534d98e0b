import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The identity provider's subject (or the demo user's name in cookie mode); unique. */
  sub: text('sub').notNull().unique(),
  name: text('name'),
  email: text('email'),
  /** Region stored for the user; a region claim in the token takes precedence. */
  region: text('region'),
  /** Roles assigned inside rolegate, added to whatever roles the token carries. */
  roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type UserRow = typeof users.$inferSelect;
