import { HttpException, InternalServerErrorException, Logger } from '@nestjs/common';
import { DatabaseUnavailable, httpErrorFor } from '../database/database-errors.js';

const databaseLogger = new Logger('Database');
const unknownLogger = new Logger('ExceptionsHandler');

/**
 * The answer to an error thrown anywhere (a handler, a guard, an MCP tool): an
 * HttpException as it is; a database error as the 400, 409 or 503 it stands for (a 503
 * logged as a warning with the driver's reason); anything else a 500, logged without
 * its own message when it wraps a query (Drizzle puts the SQL and its parameter values,
 * request data, there). The driver's reason is kept.
 */
export function asHttpException(thrown: unknown): HttpException {
  if (thrown instanceof HttpException) return thrown;
  const known = httpErrorFor(thrown);
  if (known instanceof DatabaseUnavailable) databaseLogger.warn(`Answered 503 (${known.kind}): ${known.reason}`);
  if (known) return known;
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const reason = cause ? `${error.name} caused by ${cause.name}: ${cause.message}` : `${error.name}: ${error.message}`;
  unknownLogger.error(reason.slice(0, 500), (cause ?? error).stack);
  return new InternalServerErrorException();
}
