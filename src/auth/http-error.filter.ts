import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { HttpErrorWithHeaders } from './auth.errors.js';
import { PROTECTED_RESOURCE_PATH } from './protected-resource.controller.js';

/**
 * Adds the headers an error carries (WWW-Authenticate, Retry-After), then answers as Nest
 * does. In the JWT modes a Bearer challenge also names the protected resource metadata
 * (RFC 9728 §5.1), so OAuth clients can find the authorization server.
 */
@Catch(HttpErrorWithHeaders)
export class HttpErrorHeadersFilter extends BaseExceptionFilter {
  private readonly resourceMetadata: string | undefined;

  constructor(config: ConfigService<AppConfig, true>) {
    super();
    const jwt = config.get('auth', { infer: true }).type !== 'cookie';
    this.resourceMetadata = jwt ? `${config.get('app', { infer: true }).publicUrl}${PROTECTED_RESOURCE_PATH}` : undefined;
  }

  override catch(exception: HttpException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpErrorWithHeaders) {
      for (const [name, value] of Object.entries(exception.headers)) {
        const challenge = name === 'WWW-Authenticate' && value.startsWith('Bearer ') && this.resourceMetadata;
        res.setHeader(name, challenge ? `${value}, resource_metadata="${this.resourceMetadata}"` : value);
      }
    }
    super.catch(exception, host);
  }
}
