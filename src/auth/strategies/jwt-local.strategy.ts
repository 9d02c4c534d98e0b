import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { ConfigService } from '../../config/typed-config.js';
import type { AppConfig } from '../../config/config.schema.js';
import { UsersService } from '../../users/users.service.js';
import { StaticKeySource } from '../jwt/key-source.js';
import { JwtBearerStrategy } from './jwt-bearer.strategy.js';

/**
 * jwt_local: tokens signed with the key pair (or HMAC secret) whose verification half is
 * in JWT_DECODE_KEY_B64. The algorithms are JWT_ALG, checked against the key at start-up.
 */
@Injectable()
export class JwtLocalStrategy extends JwtBearerStrategy {
  constructor(config: ConfigService<AppConfig, true>, users: UsersService, clock: Clock) {
    const auth = config.get('auth', { infer: true });
    if (auth.type !== 'jwt_local') throw new Error('JwtLocalStrategy needs AUTH_TYPE=jwt_local');
    super('jwt_local', auth.jwt, new StaticKeySource(auth.key), users, clock);
  }
}
