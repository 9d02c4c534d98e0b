import { ArgumentsHost, Catch, HttpException, InternalServerErrorException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { DatabaseUnavailable, httpErrorFor } from '../database/database-errors.js';
import { HttpErrorWithHeaders } from './auth.errors.js';
import { PROTECTED_RESOURCE_PATH } from './protected-resource.controller.js';

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
  private readonly logger = new Logger('Database');
  private readonly unknownLogger = new Logger('ExceptionsHandler');
  private readonly resourceMetadata: string | undefined;

  constructor(config: ConfigService<AppConfig, true>) {
    super();
    const jwt = config.get('auth', { infer: true }).type !== 'cookie';
    this.resourceMetadata = jwt ? `${config.get('app', { infer: true }).publicUrl}${PROTECTED_RESOURCE_PATH}` : undefined;
  }

  override catch(thrown: unknown, host: ArgumentsHost): void {
    // HTTP errors of other libraries (http-errors, as body parsers throw) keep their status, as Nest answers them.
    const known = thrown instanceof HttpException || this.isHttpError(thrown);
    const exception = known ? thrown : (httpErrorFor(thrown) ?? this.unknown(thrown));
    if (exception instanceof DatabaseUnavailable) {
      // The driver's message and SQLSTATE only: Drizzle's own message carries the SQL and its parameters.
      this.logger.warn(`Answered 503 (${exception.kind}): ${exception.reason}`);
    }
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpErrorWithHeaders && !res.headersSent) {
      for (const [name, value] of Object.entries(exception.headers)) {
        const challenge = name === 'WWW-Authenticate' && value.startsWith('Bearer ') && this.resourceMetadata;
        res.setHeader(name, challenge ? `${value}, resource_metadata="${this.resourceMetadata}"` : value);
      }
    }
    super.catch(exception, host);
  }

  /**
   * A 500, logged without the error's own message when it wraps a query: Drizzle puts the
   * SQL and its parameter values (request data) there. The driver's reason is kept.
   */
  private unknown(thrown: unknown): HttpException {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    const cause = error.cause instanceof Error ? error.cause : undefined;
    const reason = cause ? `${error.name} caused by ${cause.name}: ${cause.message}` : `${error.name}: ${error.message}`;
    this.unknownLogger.error(reason.slice(0, 500), (cause ?? error).stack);
    return new InternalServerErrorException();
  }
}
