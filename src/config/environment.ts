import { existsSync } from 'node:fs';

/**
 * The process environment, with a `.env` file in the working directory loaded first
 * when there is one (variables already set win). rolegate reads the environment only
 * here and in config.schema.ts.
 */
export function readEnvironment(): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}
