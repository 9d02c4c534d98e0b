import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import type { Clock } from '../../common/clock.js';
import type { AuthType, JwtSettings } from '../../config/config.schema.js';
import type { UsersService } from '../../users/users.service.js';
import { extractBearerToken } from '../jwt/bearer-token.js';
import { identityFromClaims } from '../jwt/claims.js';
import { JwtVerifier } from '../jwt/jwt-verifier.js';
import type { KeySource } from '../jwt/key-source.js';
import type { Principal } from '../principal.js';
import { RequestStrategy } from './request.strategy.js';

/**
 * `Authorization: Bearer <JWT>` to principal, shared by both JWT modes; they differ only
 * in where the verification keys come from.
 */
export abstract class JwtBearerStrategy extends PassportStrategy(RequestStrategy) {
  private readonly verifier: JwtVerifier;

  protected constructor(
    private readonly authType: AuthType,
    private readonly settings: JwtSettings,
    keys: KeySource,
    private readonly users: UsersService,
    clock: Clock,
  ) {
    super(authType);
    this.verifier = new JwtVerifier(settings, keys, clock);
  }

  async validate(req: Request): Promise<Principal> {
    const payload = await this.verifier.verify(extractBearerToken(req));
    return this.users.principalFor(identityFromClaims(payload, this.settings), this.authType);
  }
}
