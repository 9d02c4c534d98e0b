import type { TestApp } from './app.js';

/** Signs in as a demo user (cookie mode) and returns the Cookie header to send. */
export async function signIn(t: TestApp, sub: string): Promise<string[]> {
  const res = await t.http().post('/auth/dev-login').send({ sub });
  if (res.status !== 200) throw new Error(`dev-login as ${sub} answered ${res.status}`);
  return res.headers['set-cookie'] as unknown as string[];
}
