import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { customerPolicy, type CustomerField } from '../access/policies.js';
import { REGIONS } from '../access/roles.js';
import type { Principal } from '../auth/principal.js';
import { enumFilter, uuidFilter } from '../common/params.js';
import { listQuery } from '../common/list-query.js';
import { equals, ScopedTable } from '../common/scoped-table.js';
import type { Database } from '../database/database.client.js';
import { InjectDb } from '../database/database.module.js';
import { customers } from '../database/schema.js';

export const customerListQuery = listQuery(['createdAt', 'name'], {
  region: enumFilter('region', REGIONS),
  ownerId: uuidFilter('ownerId', 'Only customers owned by this user id'),
});
export type CustomerListQuery = z.output<typeof customerListQuery>;

@Injectable()
export class CustomersService {
  private readonly table: ScopedTable<CustomerField>;

  constructor(@InjectDb() db: Database) {
    this.table = new ScopedTable(db, customers, customerPolicy, {
      createdAt: { column: customers.createdAt, type: 'timestamptz' },
      name: { column: customers.name, type: 'text' },
    });
  }

  list(user: Principal, q: CustomerListQuery) {
    return this.table.list(user, {
      ...q,
      filters: [equals(customers.region, q.region), equals(customers.ownerId, q.ownerId)],
    });
  }

  findOne(user: Principal, id: string) {
    return this.table.get(user, id);
  }
}
