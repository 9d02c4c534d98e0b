import { Inject, type Provider } from '@nestjs/common';
import type { Database } from '../database/database.client.js';
import { DATABASE } from '../database/database.module.js';
import type { AnyResource } from './resource.js';
import { ScopedTable } from './scoped-table.js';
import { ServedResources } from './served-resources.js';

const tokens = new WeakMap<AnyResource, symbol>();
const tokenOf = (resource: AnyResource) => {
  let token = tokens.get(resource);
  if (!token) tokens.set(resource, (token = Symbol(`ScopedTable(${resource.name})`)));
  return token;
};

/** Provides the resource's ScopedTable to a feature module. */
export const scopedTableProvider = (resource: AnyResource): Provider => ({
  provide: tokenOf(resource),
  inject: [DATABASE, ServedResources],
  useFactory: (db: Database, served: ServedResources) => {
    served.add(resource);
    return new ScopedTable(db, resource);
  },
});

/** Inject a resource's table: `constructor(@InjectTable(dealResource) deals: ScopedTable)`. */
export const InjectTable = (resource: AnyResource) => Inject(tokenOf(resource));
