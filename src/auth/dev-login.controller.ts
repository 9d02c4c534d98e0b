import { BadRequestException, Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Operation } from '../openapi/operation.decorator.js';
import { PrincipalSchema } from '../openapi/schemas.js';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ConfigService } from '../config/typed-config.js';
import type { AppConfig } from '../config/config.schema.js';
import { DEMO_USERS, findDemoUser } from '../database/demo-users.js';
import { toPrincipal, UsersService } from '../users/users.service.js';
import { Public } from './decorators/access.decorator.js';
import type { Principal } from './principal.js';
import { isSession, readSession, SESSION_COOKIE } from './strategies/cookie.strategy.js';

const devLoginBody = z.strictObject({
  sub: z.string().min(1).max(64).describe(`A demo user: ${DEMO_USERS.map((u) => u.sub).join(', ')}`),
});

/** Cookie mode only (the module is not loaded otherwise, so these paths are 404 in JWT modes). */
@ApiTags('sign-in')
@Controller('auth')
export class DevLoginController {
  private readonly cookie: { secure: boolean; ttlSec: number };

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly users: UsersService,
  ) {
    const auth = config.get('auth', { infer: true });
    this.cookie = auth.type === 'cookie' ? { secure: auth.cookieSecure, ttlSec: auth.sessionTtlSec } : { secure: true, ttlSec: 0 };
  }

  @Post('dev-login')
  @Public()
  @Operation({
    id: 'devLogin',
    summary: 'Sign in as a demo user (cookie mode, for trying rolegate out)',
    description: `Sets a signed session cookie for the demo user named in sub (${DEMO_USERS.map((u) => u.sub).join(', ')}); later calls from this browser act as that user. Returns who you are now.`,
    returns: PrincipalSchema,
  })
  @HttpCode(200)
  async login(
    @Body({ schema: devLoginBody }) body: z.infer<typeof devLoginBody>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Principal> {
    const demo = findDemoUser(body.sub);
    const user = demo && (await this.users.findBySub(demo.sub));
    if (!user) {
      throw new BadRequestException(`sub must be one of the demo users: ${DEMO_USERS.map((u) => u.sub).join(', ')}`);
    }
    const iat = Date.now();
    const exp = Math.floor(iat / 1000) + this.cookie.ttlSec;
    res.cookie(SESSION_COOKIE, { sub: user.sub, exp, iat }, { ...this.cookieOptions(), signed: true, maxAge: this.cookie.ttlSec * 1000 });
    return toPrincipal(user, { sub: user.sub, roles: [] }, 'cookie');
  }

  @Post('logout')
  @Public()
  @Operation({ id: 'logout', summary: 'Sign out (cookie mode)', description: "Clears the session cookie and ends the user's sessions on the server: cookies issued before stop working.", status: 204 })
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const session = readSession(req);
    if (isSession(session) && session.exp > Date.now() / 1000) await this.users.signOut(session.sub);
    res.clearCookie(SESSION_COOKIE, this.cookieOptions());
  }

  /** The attributes a session cookie is set and cleared with (they must match to clear it). */
  private cookieOptions() {
    return { httpOnly: true, sameSite: 'strict', secure: this.cookie.secure, path: '/' } as const;
  }
}
