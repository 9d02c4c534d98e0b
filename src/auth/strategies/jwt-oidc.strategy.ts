import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import type { AppConfig } from '../../config/config.schema.js';
import { ConfigService } from '../../config/typed-config.js';
import { UsersService } from '../../users/users.service.js';
import { OidcDiscovery } from '../jwt/oidc-discovery.js';
import { OidcKeySource } from '../jwt/oidc-key-source.js';
import { JwtBearerStrategy } from './jwt-bearer.strategy.js';

/**
 * jwt_oidc: tokens from the OpenID provider at JWT_ISS, verified with the public keys
 * its discovery document points to. Nothing in the token decides where keys come from.
 */
@Injectable()
export class JwtOidcStrategy extends JwtBearerStrategy implements OnApplicationBootstrap {
  readonly keySource: OidcKeySource;

  constructor(config: ConfigService<AppConfig, true>, discovery: OidcDiscovery, users: UsersService, clock: Clock) {
    const auth = config.get('auth', { infer: true });
    if (auth.type !== 'jwt_oidc') throw new Error('JwtOidcStrategy needs AUTH_TYPE=jwt_oidc');
    const keySource = new OidcKeySource(discovery, auth.oidc, clock);
    super('jwt_oidc', auth.jwt, keySource, users, clock);
    this.keySource = keySource;
  }

  onApplicationBootstrap(): void {
    void this.keySource.warmUp();
  }
}
