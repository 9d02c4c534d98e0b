import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/**
 * The process's pino logger: JSON lines on stdout, written synchronously so the last
 * lines before an exit (a shutdown, a crash) are never lost in a buffer.
 */
export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'rolegate' }, messageKey: 'msg' }, destination ?? pino.destination({ dest: 1, sync: true }));
}

const STACK = /\n\s+at /;

/**
 * Nest's logger interface on pino: `new Logger('Ctx').warn('text')` becomes
 * `{"level":40,"context":"Ctx","msg":"text"}`; an Error becomes `err` with its stack.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /**
   * Nest passes the context last, and for errors a stack before it; `error(message, stack)`
   * without a context is told apart by the stack's shape, as Nest's own logger does.
   */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    const last = rest.at(-1);
    if (typeof last === 'string' && !(level === 'error' && rest.length === 1 && STACK.test(last))) fields.context = rest.pop();
    if (level === 'error' && typeof rest[0] === 'string' && (rest.length === 1 || STACK.test(rest[0]))) fields.stack = rest.shift();
    if (rest.some((p) => p !== undefined)) fields.params = rest;
    if (message instanceof Error) {
      fields.err = message;
      this.root[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.root[level]({ ...fields, ...message });
    } else {
      this.root[level](fields, String(message));
    }
  }
}
