import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.schema.js';
import { readEnvironment } from '../config/environment.js';
import { openDatabase } from '../database/database.client.js';
import { generateData } from '../database/seed.js';

/**
 * `npm run seed -- --customers 100000 [--deals-per-customer 10] [--tickets-per-customer 3]`:
 * adds synthetic data to the configured database (DATABASE_URL, or the embedded one in
 * DATA_DIR) for benchmarks. The demo data is loaded at start-up; this is for volume.
 */
const { values } = parseArgs({
  options: {
    customers: { type: 'string' },
    'deals-per-customer': { type: 'string', default: '10' },
    'tickets-per-customer': { type: 'string', default: '3' },
  },
});
const whole = (name: string, value: string | undefined, max: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    console.error(`--${name} must be a whole number from 0 to ${max}`);
    process.exit(2);
  }
  return n;
};
const customers = whole('customers', values.customers, 10_000_000);
const dealsPerCustomer = whole('deals-per-customer', values['deals-per-customer'], 1000);
const ticketsPerCustomer = whole('tickets-per-customer', values['tickets-per-customer'], 1000);

let config;
try {
  config = loadConfig(readEnvironment());
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
if (config.app.nodeEnv === 'production') {
  // The generator adds the demo users (alice is admin) as owners of its rows: a token with their sub would get their roles.
  console.error('npm run seed adds demo users and synthetic data; it is refused with NODE_ENV=production');
  process.exit(2);
}
const started = Date.now();
// A bulk load is not a request: one INSERT ... SELECT chunk may run longer than a request may.
const handle = await openDatabase({ ...config.database, seedDemoData: true, statementTimeoutMs: 0 });
try {
  await generateData(handle.db, {
    customers,
    dealsPerCustomer,
    ticketsPerCustomer,
    onProgress: (n) => console.error(`  ${n} customers, ${n * dealsPerCustomer} deals, ${n * ticketsPerCustomer} tickets`),
  });
  console.error(`Added ${customers} customers to the ${handle.kind} database in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await handle.close();
}
