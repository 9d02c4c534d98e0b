import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { all, defineResource, inRegion } from '../../src/access/resource.js';
import { REGIONS } from '../../src/access/roles.js';
import { isoDate, requiredText } from '../../src/common/patch.js';
import { uuidFilter } from '../../src/common/params.js';
import { customerResource } from '../../src/customers/customer.resource.js';
import { invoices } from './invoice.table.js';

/**
 * Invoices: admins and auditors see all (auditors without the collection note), managers
 * their region's, sales those of customers they own. Managers record payments in their
 * region; admins and managers issue invoices, for customers they can see.
 */
export const invoiceResource = defineResource({
  name: 'invoice',
  table: invoices,
  fields: {
    id: { column: invoices.id, schema: z.uuid().describe('Invoice id') },
    customerId: { column: invoices.customerId, schema: z.uuid().describe('Customer id') },
    number: { column: invoices.number, schema: z.string().describe('Invoice number') },
    amount: { column: invoices.amount, schema: z.number() },
    currency: { column: invoices.currency, schema: z.string().describe('ISO 4217 code') },
    region: { column: invoices.region, schema: z.enum(REGIONS) },
    dueDate: { column: invoices.dueDate, schema: z.string().describe('YYYY-MM-DD') },
    paidOn: { column: invoices.paidOn, schema: z.string().nullable().describe('YYYY-MM-DD; null while unpaid') },
    collectionNote: { column: invoices.collectionNote, schema: z.string().nullable().describe("Finance's remark") },
  },
  sorts: { createdAt: invoices.createdAt, dueDate: invoices.dueDate },
  scopes: [invoices.region, invoices.customerOwnerId],
  filters: { customerId: uuidFilter('customerId', 'Only invoices of this customer id') },
  update: { paidOn: isoDate('paidOn').nullable(), collectionNote: z.string().max(500).nullable() },
  create: {
    body: {
      customerId: z.uuid({ message: 'customerId must be a customer id (UUID)' }),
      number: requiredText('number', 40),
      amount: z.number().min(0),
      currency: z.string().regex(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' }),
      dueDate: isoDate('dueDate'),
    },
    parent: { field: 'customerId', resource: () => customerResource, columns: ['region', 'ownerId'] },
    values: (_user, body, customer) => ({ ...body, region: customer.region, customerOwnerId: customer.ownerId }),
  },
  grants: {
    admin: { rows: all, update: ['paidOn', 'collectionNote'], create: true },
    manager: { rows: (u) => inRegion(invoices.region, u), update: ['paidOn', 'collectionNote'], create: true },
    sales: { rows: (u) => eq(invoices.customerOwnerId, u.id) },
    auditor: { rows: all, hide: ['collectionNote'] },
  },
});
