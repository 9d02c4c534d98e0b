import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators/access.decorator.js';
import { OpenApiService } from './openapi.service.js';

@ApiExcludeController()
@Controller()
export class OpenApiController {
  constructor(private readonly openapi: OpenApiService) {}

  /** The document to import as a GPT Action (servers from PUBLIC_URL). */
  @Get('openapi.json')
  @Public()
  document() {
    return this.openapi.document();
  }
}
