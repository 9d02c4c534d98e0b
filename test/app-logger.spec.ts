import { AppLogger, createRootLogger } from '../src/logging/logger.js';
import { LogCapture } from './helpers/log-capture.js';

/** An AppLogger writing into a capture; `lines` fills with the parsed lines. */
function capture(level = 'info') {
  const out = new LogCapture();
  return { lines: out.parsed, logger: new AppLogger(createRootLogger(level, out)) };
}

describe('AppLogger (Nest logging on pino)', () => {
  it('writes the context Nest passes last, and the level', () => {
    const { lines, logger } = capture();
    logger.log('Listening', 'rolegate');
    logger.warn('careful', 'UsersService');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, service: 'rolegate', context: 'rolegate', msg: 'Listening' }),
      expect.objectContaining({ level: 40, context: 'UsersService', msg: 'careful' }),
    ]);
  });

  it('keeps the stack Nest passes with an error, and serialises Error objects', () => {
    const { lines, logger } = capture();
    logger.error('Unhandled', 'Error: boom\n    at x', 'ExceptionsHandler');
    logger.error(new Error('kaput'), undefined, 'DatabaseModule');
    expect(lines[0]).toMatchObject({ level: 50, context: 'ExceptionsHandler', msg: 'Unhandled', stack: 'Error: boom\n    at x' });
    expect(lines[1]).toMatchObject({ level: 50, context: 'DatabaseModule', msg: 'kaput', err: { type: 'Error', message: 'kaput' } });
  });

  it('tells a stack from a context when Nest passes only one, and keeps other parameters', () => {
    const { lines, logger } = capture();
    logger.error('Unhandled', 'Error: boom\n    at x');
    logger.error('Refused', 'Bootstrap');
    logger.warn('odd', { attempt: 2 }, 'Retry');
    expect(lines[0]).toMatchObject({ msg: 'Unhandled', stack: 'Error: boom\n    at x' });
    expect(lines[0]).not.toHaveProperty('context');
    expect(lines[1]).toMatchObject({ msg: 'Refused', context: 'Bootstrap' });
    expect(lines[1]).not.toHaveProperty('stack');
    expect(lines[2]).toMatchObject({ msg: 'odd', context: 'Retry', params: [{ attempt: 2 }] });
  });

  it('writes nothing below its level', () => {
    const { lines, logger } = capture('warn');
    logger.log('quiet');
    logger.debug('quieter');
    logger.verbose('quietest');
    logger.warn('loud');
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
  });
});
