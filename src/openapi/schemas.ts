import { z } from 'zod';
import { APP_ROLES, REGIONS } from '../access/roles.js';
import { AUTH_TYPES } from '../config/config.schema.js';
import { DEAL_STAGES, TICKET_PRIORITIES, TICKET_STATUSES } from '../database/schema.js';

/**
 * Response shapes for the OpenAPI document. Fields some roles may not see are optional
 * here: they are absent (not null) from responses to those roles.
 */
const id = (what: string) => z.uuid().describe(what);
const region = z.enum(REGIONS);

/** Registered as components.schemas.Error by the OpenAPI service. */
export const ErrorSchema = z.object({
  statusCode: z.number().int().min(400).max(599),
  error: z.string().describe('HTTP reason phrase'),
  message: z.union([z.string(), z.array(z.string())]).describe('What went wrong; for bad input, one message per field'),
});

export const PrincipalSchema = z
  .object({
    id: id('rolegate user id (what ownerId and assigneeId hold)'),
    sub: z.string().describe('Subject at the identity provider'),
    name: z.string().nullable(),
    email: z.string().nullable(),
    roles: z.array(z.enum(APP_ROLES)),
    region: region.nullable().describe('Region that scopes manager and support data; null is global'),
    authType: z.enum(AUTH_TYPES),
  })
  .meta({ id: 'Principal' });

export const CustomerSchema = z
  .object({
    id: id('Customer id'),
    name: z.string(),
    region,
    ownerId: id('User id of the sales owner'),
    industry: z.string(),
    annualRevenue: z.number().optional().describe('Absent for support'),
    contactEmail: z.string().optional().describe('Absent for auditors'),
    contactPhone: z.string().optional().describe('Absent for auditors'),
  })
  .meta({ id: 'Customer' });

export const DealSchema = z
  .object({
    id: id('Deal id'),
    customerId: id('Customer id'),
    title: z.string(),
    stage: z.enum(DEAL_STAGES),
    amount: z.number(),
    currency: z.string().describe('ISO 4217 code'),
    ownerId: id('User id of the sales owner'),
    region,
    closeDate: z.string().describe('YYYY-MM-DD'),
  })
  .meta({ id: 'Deal' });

export const TicketSchema = z
  .object({
    id: id('Ticket id'),
    customerId: id('Customer id'),
    subject: z.string(),
    status: z.enum(TICKET_STATUSES),
    priority: z.enum(TICKET_PRIORITIES),
    assigneeId: z.uuid().nullable().describe('User id of the assignee; null when unassigned'),
    requesterEmail: z.string().optional().describe('Absent for auditors'),
    region: region.describe("The customer's region"),
  })
  .meta({ id: 'Ticket' });

export const UserSchema = z
  .object({
    id: id('User id'),
    sub: z.string(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    region: region.nullable(),
    roles: z.array(z.enum(APP_ROLES)).describe('Roles assigned inside rolegate'),
  })
  .meta({ id: 'User' });

const page = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      next: z.string().nullable().describe('Cursor for the next page (pass as ?cursor=); null on the last page'),
    })
    .meta({ id: name });

export const CustomerPageSchema = page(CustomerSchema, 'CustomerPage');
export const DealPageSchema = page(DealSchema, 'DealPage');
export const TicketPageSchema = page(TicketSchema, 'TicketPage');
export const UserPageSchema = page(UserSchema, 'UserPage');

export const HealthSchema = z
  .object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']) })
  .meta({ id: 'Health' });
