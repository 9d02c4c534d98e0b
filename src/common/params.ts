import { Param } from '@nestjs/common';
import { z } from 'zod';

/** The `:id` route parameter, which must be a UUID (400 otherwise). */
export const IdParam = () => Param('id', { schema: z.uuid({ message: 'id must be a UUID' }).describe('Id of the item (a UUID)') });

export const uuidFilter = (name: string, description: string) =>
  z.uuid({ message: `${name} must be a UUID` }).optional().describe(description);

export const enumFilter = <T extends string>(name: string, values: readonly [T, ...T[]]) =>
  z
    .enum(values, { message: `${name} must be one of ${values.join(', ')}` })
    .optional()
    .describe(`Only items whose ${name} is this value`);
