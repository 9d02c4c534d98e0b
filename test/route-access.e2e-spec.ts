import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/config.schema.js';
import { createTestApp } from './helpers/app.js';
import { pgliteDataDir } from './helpers/databases.js';
import { routesOf } from './helpers/routes.js';
import { jwtLocalEnv, makeKey } from './helpers/tokens.js';

/**
 * Closed by default: every route of the app must say who may call it. A handler with
 * neither @Public() nor an access rule fails this test (and is refused at run time).
 */
describe('every route declares its access rule', () => {
  it.each(['cookie', 'jwt_local'])('in %s mode', async (mode) => {
    const env = mode === 'cookie' ? { AUTH_TYPE: 'cookie' } : jwtLocalEnv(await makeKey('ES256'));
    const t = await createTestApp(env);
    try {
      const routes = routesOf(t.app);
      expect(routes.length).toBeGreaterThanOrEqual(mode === 'cookie' ? 5 : 3);
      expect(routes.filter((r) => !r.rule).map((r) => r.handler)).toEqual([]);
      const publicRoutes = routes.filter((r) => r.rule?.kind === 'public').map((r) => r.handler).sort();
      expect(publicRoutes).toEqual(
        mode === 'cookie'
          ? ['DevLoginController.login', 'DevLoginController.logout', 'HealthController.check', 'OpenApiController.document', 'PrivacyController.page']
          : ['HealthController.check', 'OpenApiController.document', 'PrivacyController.page', 'ProtectedResourceController.get', 'ProtectedResourceController.mcp'],
      );
      // Every data route names its operation and resource: the audit trail files calls by them, and MCP offers them as tools.
      const data = routes.filter((r) => / \/api\//.test(r.route));
      expect(data.length).toBeGreaterThan(15);
      expect(data.filter((r) => !r.operation?.id || !r.operation.resource).map((r) => r.handler)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('would catch a route without a rule, which is refused at run time anyway', async () => {
    @Controller('api/forgotten')
    class ForgottenController {
      @Get()
      list() {
        return { secret: true };
      }
    }
    const data = pgliteDataDir();
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(loadConfig({ DATA_DIR: data.dataDir, LOG_LEVEL: 'silent' }))],
      controllers: [ForgottenController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      expect(routesOf(app).filter((r) => !r.rule).map((r) => r.handler)).toEqual(['ForgottenController.list']);
      expect(routesOf(app).filter((r) => / \/api\//.test(r.route) && !r.operation).map((r) => r.handler)).toEqual(['ForgottenController.list']);
      await request(app.getHttpServer()).get('/api/forgotten').expect(401);
      const login = await request(app.getHttpServer()).post('/auth/dev-login').send({ sub: 'alice' }).expect(200);
      const res = await request(app.getHttpServer())
        .get('/api/forgotten')
        .set('Cookie', login.headers['set-cookie'] as unknown as string[])
        .expect(403);
      expect(res.body.message).toBe('This route declares no access rule');
    } finally {
      await app.close();
      data.remove();
    }
  });
});
