import type { AppRole, Region } from '../access/roles.js';
import type { AuthType } from '../config/config.schema.js';

/** Who is calling: the one shape every authenticated request carries, whatever the auth mode. */
export interface Principal {
  /** rolegate's own user id (what `ownerId` and `assigneeId` hold). */
  id: string;
  /** The identity provider's subject. */
  sub: string;
  name: string | null;
  email: string | null;
  /** App roles: the token's mapped roles plus roles assigned inside rolegate. */
  roles: AppRole[];
  region: Region | null;
  authType: AuthType;
  /** The OAuth client the token was issued to (its `azp` or `client_id`); null without one. */
  clientId: string | null;
}

/** What a credential says about its holder, before it is matched to a stored user. */
export interface Identity {
  sub: string;
  name?: string | null;
  email?: string | null;
  roles: AppRole[];
  region?: Region | null;
  clientId?: string | null;
}
