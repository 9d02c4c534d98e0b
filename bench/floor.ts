import { createServer } from 'node:http';
import pg from 'pg';

/**
 * The floor `npm run bench` compares rolegate with: the least any Node.js service can do
 * to serve a sales user's first page of deals from PostgreSQL. A bare node:http server
 * whose handler runs the page query rolegate runs (one round trip, the same pool size,
 * same columns, same index) and writes the JSON; no framework, no authentication, no
 * logging. Whatever latency this shows under the same load is the machine's, not
 * rolegate's.
 *
 * Usage: DATABASE_URL=... node bench/floor.ts <port> <sub>
 */
const [port, sub] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const owner = (await pool.query<{ id: string }>('select id from users where sub = $1', [sub])).rows[0]?.id;
if (!owner) throw new Error(`no user ${sub}`);
const PAGE = `select id, customer_id, title, stage, amount, currency, owner_id, region, close_date,
  created_at::text as position from deals where owner_id = $1 order by created_at desc, id desc limit 21`;

createServer((_req, res) => {
  pool.query(PAGE, [owner]).then(
    ({ rows }) => {
      const body = JSON.stringify({ items: rows.slice(0, 20), next: rows.length > 20 ? rows[19].position : null });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
    () => {
      res.writeHead(500);
      res.end();
    },
  );
}).listen(Number(port), '127.0.0.1', () => console.error(`floor server on 127.0.0.1:${port}`));
process.on('SIGTERM', () => void pool.end().then(() => process.exit(0)));
