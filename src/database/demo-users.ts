import type { AppRole, Region } from '../access/roles.js';

export interface DemoUser {
  sub: string;
  name: string;
  email: string;
  roles: AppRole[];
  region: Region | null;
}

/** The demo users of the embedded database; in cookie mode these are who you can sign in as. */
export const DEMO_USERS: readonly DemoUser[] = [
  { sub: 'alice', name: 'Alice Admin', email: 'alice@example.com', roles: ['admin'], region: null },
  { sub: 'bob', name: 'Bob Manager', email: 'bob@example.com', roles: ['manager'], region: 'EU' },
  { sub: 'carol', name: 'Carol Sales', email: 'carol@example.com', roles: ['sales'], region: 'EU' },
  { sub: 'frank', name: 'Frank Sales', email: 'frank@example.com', roles: ['sales'], region: 'NA' },
  { sub: 'dan', name: 'Dan Support', email: 'dan@example.com', roles: ['support'], region: 'NA' },
  { sub: 'erin', name: 'Erin Auditor', email: 'erin@example.com', roles: ['auditor'], region: null },
];

/**
 * Colleagues who own or work on demo data so that every rule shows: another sales rep
 * per region, and support agents besides dan. They exist as users but are not demo
 * sign-ins.
 */
export const DATA_OWNERS: readonly DemoUser[] = [
  { sub: 'henry', name: 'Henry Sales', email: 'henry@example.com', roles: ['sales'], region: 'EU' },
  { sub: 'ivan', name: 'Ivan Sales', email: 'ivan@example.com', roles: ['sales'], region: 'NA' },
  { sub: 'grace', name: 'Grace Sales', email: 'grace@example.com', roles: ['sales'], region: 'APAC' },
  { sub: 'judy', name: 'Judy Support', email: 'judy@example.com', roles: ['support'], region: 'NA' },
  { sub: 'kim', name: 'Kim Support', email: 'kim@example.com', roles: ['support'], region: 'EU' },
];

export const findDemoUser = (sub: string): DemoUser | undefined => DEMO_USERS.find((u) => u.sub === sub);
