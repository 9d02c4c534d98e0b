import { Param } from '@nestjs/common';
import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A well-formed UUID, in any case (what ids are; anything else names no record). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** The `:id` route parameter, which must be a UUID (400 otherwise). */
export const IdParam = () =>
  Param('id', {
    // Lower case, as the database writes them: the audit trail files a call under the id as given.
    schema: z
      .uuid({ message: 'id must be a UUID' })
      .transform((id) => id.toLowerCase())
      .describe('Id of the item (a UUID)'),
  });

export const uuidFilter = (name: string, description: string) =>
  z.uuid({ message: `${name} must be a UUID` }).optional().describe(description);

export const enumFilter = <T extends string>(name: string, values: readonly [T, ...T[]]) =>
  z
    .enum(values, { message: `${name} must be one of ${values.join(', ')}` })
    .optional()
    .describe(`Only items whose ${name} is this value`);
