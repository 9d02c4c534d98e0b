import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { dealPolicy, type DealField } from '../access/policies.js';
import { REGIONS } from '../access/roles.js';
import type { Principal } from '../auth/principal.js';
import { listQuery } from '../common/list-query.js';
import { enumFilter, uuidFilter } from '../common/params.js';
import { equals, ScopedTable } from '../common/scoped-table.js';
import { isoDate, nonEmptyPatch } from '../common/patch.js';
import type { Database } from '../database/database.client.js';
import { InjectDb } from '../database/database.module.js';
import { DEAL_STAGES, deals } from '../database/schema.js';

export const dealListQuery = listQuery(['createdAt', 'closeDate', 'amount'], {
  stage: enumFilter('stage', DEAL_STAGES),
  region: enumFilter('region', REGIONS),
  customerId: uuidFilter('customerId', 'Only deals of this customer id'),
  ownerId: uuidFilter('ownerId', 'Only deals owned by this user id'),
});
export type DealListQuery = z.output<typeof dealListQuery>;

export const dealPatch = nonEmptyPatch({
  stage: z.enum(DEAL_STAGES, { message: `stage must be one of ${DEAL_STAGES.join(', ')}` }),
  amount: z
    .number({ message: 'amount must be a number' })
    .min(0, { message: 'amount must be zero or more' })
    .max(999_999_999_999.99, { message: 'amount is too large' })
    .refine((n) => Math.round(n * 100) === Number((n * 100).toFixed(6)), { message: 'amount has at most two decimals' }),
  closeDate: isoDate('closeDate'),
});
export type DealPatch = z.output<typeof dealPatch>;

@Injectable()
export class DealsService {
  private readonly table: ScopedTable<DealField>;

  constructor(@InjectDb() db: Database) {
    this.table = new ScopedTable(db, deals, dealPolicy, {
      createdAt: { column: deals.createdAt, type: 'timestamptz' },
      closeDate: { column: deals.closeDate, type: 'date' },
      amount: { column: deals.amount, type: 'numeric' },
    });
  }

  list(user: Principal, q: DealListQuery) {
    return this.table.list(user, {
      ...q,
      filters: [
        equals(deals.stage, q.stage),
        equals(deals.region, q.region),
        equals(deals.customerId, q.customerId),
        equals(deals.ownerId, q.ownerId),
      ],
    });
  }

  findOne(user: Principal, id: string) {
    return this.table.get(user, id);
  }

  update(user: Principal, id: string, patch: DealPatch) {
    return this.table.update(user, id, patch);
  }
}
