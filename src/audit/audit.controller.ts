import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Operation } from '../openapi/operation.decorator.js';
import { AuditPageSchema, AuditReader, auditQuery, type AuditQuery } from './audit-reader.js';

@ApiTags('audit')
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditReader) {}

  @Get()
  @Roles('admin', 'auditor')
  @Operation({
    id: 'listAuditEvents',
    resource: 'audit',
    summary: 'Who saw or changed which records, through which client, and what was refused (admins and auditors)',
    description:
      'One event per call: the caller, client, operation, record ids returned or written, changes { from, to } of writes and the HTTP status. Newest first; filter by user, resource, record, operation, status or time. Paginated.',
    returns: AuditPageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: auditQuery }) q: AuditQuery) {
    return this.audit.list(user, q);
  }
}
