import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { APP_ROLES, toRegion, type AppRole } from '../access/roles.js';
import type { Principal, Identity } from '../auth/principal.js';
import type { AppConfig, AuthType } from '../config/config.schema.js';
import type { Database, DatabaseHandle } from '../database/database.client.js';
import { DATABASE_HANDLE } from '../database/database.module.js';
import { ConfigService } from '../config/typed-config.js';
import { ScopedTable } from '../access/scoped-table.js';
import { ServedResources } from '../access/served-resources.js';
import { users, type UserRow } from '../database/schema.js';
import { UserCache, USERS_CHANGED } from './user-cache.js';
import { userResource } from './user.resource.js';

export type UserListQuery = z.output<typeof userResource.listQuery>;

@Injectable()
export class UsersService implements OnModuleInit {
  private readonly db: Database;
  private readonly table: ScopedTable;
  private readonly cache: UserCache;
  private readonly logger = new Logger(UsersService.name);

  /**
   * The lookup every authenticated request runs, built once: on PostgreSQL a named
   * prepared statement (parsed and planned once per connection; the unique index on
   * `sub` is the only plan), with `sub` bound per call.
   */
  private readonly userBySub;

  constructor(@Inject(DATABASE_HANDLE) private readonly database: DatabaseHandle, config: ConfigService<AppConfig, true>, served: ServedResources) {
    const db = (this.db = database.db);
    this.cache = new UserCache(config.get('database', { infer: true }).userCacheMs);
    this.userBySub = db
      .select()
      .from(users)
      .where(eq(users.sub, sql.placeholder('sub')))
      .limit(1)
      .prepare('rolegate_user_by_sub');
    this.table = new ScopedTable(db, userResource);
    served.add(userResource);
  }

  async onModuleInit(): Promise<void> {
    if (this.cache.off) return; // USER_CACHE_SECONDS=0: nothing to keep fresh, no connection to hold
    await this.database.listen(USERS_CHANGED, {
      message: (id) => this.cache.invalidate(id || undefined),
      live: (up, closing) => {
        if (up !== this.cache.live && !closing) {
          if (up) this.logger.log('User cache on: change notifications arrive');
          else this.logger.warn('User cache off until change notifications arrive again');
        }
        this.cache.setLive(up);
      },
    });
  }

  /** Whether signed-in users are served from memory right now (change notifications arrive). */
  get cachingUsers(): boolean {
    return this.cache.enabled;
  }

  async findBySub(sub: string): Promise<UserRow | undefined> {
    const cached = this.cache.get(sub);
    if (cached) return cached;
    const ticket = this.cache.ticket();
    const [row] = await this.userBySub.execute({ sub });
    if (row) this.cache.put(row, ticket);
    return row;
  }

  list(user: Principal, q: UserListQuery) {
    return this.table.list(user, q);
  }

  /** Ends the user's cookie sessions issued until now (every instance hears of it through the users trigger). */
  async signOut(sub: string): Promise<void> {
    const [row] = await this.db.update(users).set({ signedOutAt: new Date() }).where(eq(users.sub, sub)).returning({ id: users.id });
    if (row) this.cache.invalidate(row.id);
  }

  /** Replaces the roles assigned inside rolegate; they apply from the user's next request. */
  async setRoles(user: Principal, id: string, roles: readonly AppRole[]) {
    const row = await this.table.update(user, id, { roles: APP_ROLES.filter((r) => roles.includes(r)) });
    this.cache.invalidate(id); // here at once; other instances hear it from the database
    return row;
  }

  /**
   * Turns a verified identity into the request's principal, creating the user on first
   * sight. The insert is an upsert on the unique `sub`, so concurrent first requests of
   * one new user all land on the same row instead of racing into a duplicate-key error.
   */
  async principalFor(identity: Identity, authType: AuthType): Promise<Principal> {
    let user = await this.findBySub(identity.sub);
    if (!user || changed(user, identity)) user = await this.upsert(identity);
    return toPrincipal(user, identity, authType);
  }

  private async upsert(identity: Identity): Promise<UserRow> {
    const ticket = this.cache.ticket();
    const [row] = await this.db
      .insert(users)
      .values({ sub: identity.sub, name: identity.name ?? null, email: identity.email ?? null, ...tokenClaims(identity) })
      .onConflictDoUpdate({
        target: users.sub,
        set: {
          name: sql`coalesce(excluded.name, ${users.name})`,
          email: sql`coalesce(excluded.email, ${users.email})`,
          tokenRoles: sql`excluded.token_roles`,
          tokenRegion: sql`excluded.token_region`,
          tokenRegionClaimed: sql`excluded.token_region_claimed`,
          updatedAt: sql`now()`,
        },
      })
      .returning();
    this.cache.put(row, ticket);
    return row;
  }
}

/** Roles are the union of the token's and the stored ones; a region claim wins over the stored region. */
export function toPrincipal(user: UserRow, identity: Identity, authType: AuthType): Principal {
  return {
    id: user.id,
    sub: user.sub,
    name: user.name,
    email: user.email,
    roles: mergeRoles(identity.roles, user.roles),
    region: identity.region !== undefined ? identity.region : toRegion(user.region),
    authType,
    clientId: identity.clientId ?? null,
  };
}

/**
 * What the latest credential said about roles and region, kept on the user so that
 * eligibility checks (who may own a deal, be assigned a ticket) see token roles too.
 */
const tokenClaims = (identity: Identity) => ({
  tokenRoles: APP_ROLES.filter((r) => identity.roles.includes(r)),
  tokenRegion: identity.region ?? null,
  tokenRegionClaimed: identity.region !== undefined,
});

/** Whether the stored user differs from what the credential says (then it is written again). */
function changed(user: UserRow, identity: Identity): boolean {
  const claims = tokenClaims(identity);
  return (
    (identity.name != null && identity.name !== user.name) ||
    (identity.email != null && identity.email !== user.email) ||
    claims.tokenRegion !== user.tokenRegion ||
    claims.tokenRegionClaimed !== user.tokenRegionClaimed ||
    claims.tokenRoles.length !== user.tokenRoles.length ||
    claims.tokenRoles.some((r, i) => r !== user.tokenRoles[i])
  );
}

function mergeRoles(fromToken: readonly AppRole[], stored: readonly string[]): AppRole[] {
  const all = new Set<string>([...fromToken, ...stored]);
  return APP_ROLES.filter((r) => all.has(r));
}
