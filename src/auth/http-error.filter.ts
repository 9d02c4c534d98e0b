import { ArgumentsHost, Catch, HttpException, InternalServerErrorException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { DatabaseUnavailable, httpErrorFor } from '../database/database-errors.js';
import { HttpErrorWithHeaders } from './auth.errors.js';
import { MCP_PATH, PROTECTED_RESOURCE_PATH } from './protected-resource.controller.js';

/**
 * The one global exception filter. An error that is not an HttpException, thrown by a
 * handler, guard or middleware, is first given to `httpErrorFor`: a database error
 * becomes the 400, 409 or 503 it stands for, so only truly unknown errors answer 500.
 * Then the headers an error carries (WWW-Authenticate, Retry-After) are added and Nest
 * answers as it does. In the JWT modes a Bearer challenge also names the protected
 * resource metadata (RFC 9728 §5.1), so OAuth clients can find the authorization server.
 */
@Catch()
export class HttpErrorFilter extends BaseExceptionFilter {
  private readonly resourceMetadata: string | undefined;

  constructor(config: ConfigService<AppConfig, true>) {
    super();
    const jwt = config.get('auth', { infer: true }).type !== 'cookie';
    this.resourceMetadata = jwt ? `${config.get('app', { infer: true }).publicUrl}${PROTECTED_RESOURCE_PATH}` : undefined;
  }

  /** The metadata of the resource the request was for: the MCP endpoint has its own (RFC 9728 §3.1, path suffix). */
  private metadataFor(req: Request): string | undefined {
    return this.resourceMetadata && (req.path === MCP_PATH ? `${this.resourceMetadata}${MCP_PATH}` : this.resourceMetadata);
  }

  override catch(thrown: unknown, host: ArgumentsHost): void {
    // HTTP errors of other libraries (http-errors, as body parsers throw) keep their status, as Nest answers them.
    const exception = this.isHttpError(thrown) ? thrown : asHttpException(thrown);
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    if (exception instanceof HttpErrorWithHeaders && !res.headersSent) {
      for (const [name, value] of Object.entries(exception.headers)) {
        const metadata = name === 'WWW-Authenticate' && value.startsWith('Bearer ') && this.metadataFor(http.getRequest<Request>());
        res.setHeader(name, metadata ? `${value}, resource_metadata="${metadata}"` : value);
      }
    }
    super.catch(exception, host);
  }
}

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
