import { z } from 'zod';

/**
 * A PATCH body: only the listed fields, each optional, at least one present. Any other
 * key is a 400 naming it, so a write is never half-understood.
 */
export const nonEmptyPatch = <T extends z.ZodRawShape>(shape: T) =>
  z
    .strictObject(shape)
    .partial()
    .refine((body) => Object.values(body).some((v) => v !== undefined), {
      message: `the body must name at least one of ${Object.keys(shape).join(', ')}`,
    });

/** A calendar date as YYYY-MM-DD that exists (no 2025-02-30). */
export const isoDate = (name: string) =>
  z
    .string({ message: `${name} must be a date as YYYY-MM-DD` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: `${name} must be a date as YYYY-MM-DD` })
    .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().startsWith(s), {
      message: `${name} must be a date that exists`,
    });

/** Text that must say something: trimmed, not empty, at most `max` characters. */
export const requiredText = (name: string, max: number) =>
  z
    .string({ message: `${name} must be text` })
    .trim()
    .min(1, { message: `${name} must not be empty` })
    .max(max, { message: `${name} is at most ${max} characters` });
