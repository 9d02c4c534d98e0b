import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { HttpErrorWithHeaders } from './auth.errors.js';

/** Adds the headers an error carries (WWW-Authenticate, Retry-After), then answers as Nest does. */
@Catch(HttpErrorWithHeaders)
export class HttpErrorHeadersFilter extends BaseExceptionFilter {
  override catch(exception: HttpException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpErrorWithHeaders) {
      for (const [name, value] of Object.entries(exception.headers)) res.setHeader(name, value);
    }
    super.catch(exception, host);
  }
}
