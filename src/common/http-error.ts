import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';

/** An HTTP error that carries response headers (WWW-Authenticate, Retry-After). */
export class HttpErrorWithHeaders extends HttpException {
  constructor(
    status: number,
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message }, status);
  }
}
