import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';

type Req = IncomingMessage & { id?: string; user?: Principal; route?: { path?: string }; originalUrl?: string };

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * JSON logs through pino: one line per request with its id, user id, route, status and
 * latency. Only chosen fields are logged, never headers, bodies or query strings, so
 * tokens, cookies and secrets cannot reach the logs.
 */
@Module({})
export class LoggingModule {
  static forRoot(destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<AppConfig, true>) => {
            const options = {
              level: config.get('app', { infer: true }).logLevel,
              base: { service: 'rolegate' },
              messageKey: 'msg',
              genReqId: (req: IncomingMessage, res: ServerResponse) => {
                const given = req.headers['x-request-id'];
                const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
                res.setHeader('X-Request-Id', id);
                return id;
              },
              customAttributeKeys: { reqId: 'requestId', responseTime: 'latencyMs' },
              serializers: {
                req: (req: Req) => ({ method: req.method, path: (req.originalUrl ?? req.url ?? '').split('?')[0] }),
                res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
              },
              customProps: (req: IncomingMessage) => {
                const r = req as Req;
                return { userId: r.user?.id, route: r.route?.path };
              },
              customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
                err || res.statusCode >= 500 ? 'error' : 'info',
              customSuccessMessage: () => 'request completed',
              customErrorMessage: () => 'request failed',
              autoLogging: true,
              quietReqLogger: true,
            };
            return { pinoHttp: destination ? [options, destination] : options } as never;
          },
        }),
      ],
    };
  }
}
