import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { asHttpException } from '../common/http-answer.js';
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
    const mcp = req.path.toLowerCase().replace(/\/+$/, '') === MCP_PATH; // as Express routes: any case, a trailing slash
    return this.resourceMetadata && (mcp ? `${this.resourceMetadata}${MCP_PATH}` : this.resourceMetadata);
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
