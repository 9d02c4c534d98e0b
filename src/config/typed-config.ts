import { ConfigService } from '@nestjs/config';
import type { AppConfig } from './config.schema.js';

/** ConfigService typed with rolegate's settings: `config.get('auth', { infer: true })`. */
export type TypedConfig = ConfigService<AppConfig, true>;
export { ConfigService };
