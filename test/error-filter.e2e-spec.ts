import { Controller, Get, Module } from '@nestjs/common';
import { Public } from '../src/auth/decorators/access.decorator.js';
import { createTestApp, type TestApp } from './helpers/app.js';

/** Throws what code under a handler may throw: another library's HTTP error, or a plain bug. */
@Controller('probe')
class ThrowingController {
  @Get('http-error')
  @Public()
  httpError() {
    // the shape of the "http-errors" package, which body parsers and other middleware throw
    throw Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, expose: true });
  }

  @Get('bug')
  @Public()
  bug() {
    throw new TypeError('cannot read properties of undefined');
  }
}

@Module({ controllers: [ThrowingController] })
class ThrowingModule {}

describe('the global exception filter', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_TYPE: 'cookie' }, { features: [ThrowingModule] });
  });
  afterAll(() => t.close());

  it("keeps another library's HTTP error status and message, as Nest answers it", async () => {
    const res = await t.http().get('/probe/http-error').expect(413);
    expect(res.body).toEqual({ statusCode: 413, message: 'request entity too large' });
  });

  it('answers a plain 500 for a bug, telling the client nothing of it', async () => {
    const res = await t.http().get('/probe/bug').expect(500);
    expect(res.body).toEqual({ statusCode: 500, message: 'Internal Server Error' });
  });
});
