import { Strategy } from 'passport';
import type { Request } from 'express';

let instances = 0;

/**
 * A Passport strategy that hands the whole request to a verify callback (as
 * passport-custom does). Each instance registers under its own name, so apps with
 * different auth settings can run side by side in one process (as tests do).
 */
export class RequestStrategy extends Strategy {
  override name: string;

  constructor(
    kind: string,
    private readonly verify: (req: Request, done: (err: unknown, user?: unknown) => void) => void,
  ) {
    super();
    this.name = `${kind}#${++instances}`;
  }

  override authenticate(req: Request): void {
    this.verify(req, (err, user) => (err ? this.error(err as Error) : user ? this.success(user) : this.fail(401)));
  }
}
