// A floor for scenario R (`npm run bench -- --floor`): the least any server could do to answer
// R from the same SQLite file. One route, no authentication, no hooks, no validation, no
// logging: it runs R's card query (the SQL the API's repository compiles), maps the rows to the
// card fields, adds the programs of one real answer, and sends JSON.stringify's text.
//
// `node`: on raw node:http, as the baseline is. `fastify`: on Fastify with its defaults but the
// logger. The gap between the baseline and `node` is the query and the JSON; between `node` and
// `fastify`, the framework; between `fastify` and the API's R, the API's own work.
//
// Usage: DATABASE_URL=file:… PORT=… node bench/floor.mjs <node|fastify> <r-body-file>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';

const [kind, bodyFile] = process.argv.slice(2);
const url = process.env.DATABASE_URL ?? '';
if (!['node', 'fastify'].includes(kind ?? '') || !bodyFile || !url.startsWith('file:')) {
  process.stderr.write('usage: DATABASE_URL=file:… PORT=… floor.mjs <node|fastify> <r-body-file>\n');
  process.exit(2);
}
const port = Number(process.env.PORT);
const programs = JSON.parse(readFileSync(bodyFile, 'utf8')).data[0]?.programs ?? [];

const database = new SQLite(url.slice('file:'.length));
database.pragma('busy_timeout = 5000');
const cards = database.prepare(
  'select "c"."id", "c"."chain_id", "c"."card_type_id", "c"."number", "c"."balance_minor", ' +
    '"c"."points", "c"."paid_minor", "c"."sold_minor", "c"."visits_count", ' +
    '"t"."title" as "type_title", "ch"."title" as "chain_title" from "cards" as "c" ' +
    'inner join "card_types" as "t" on "t"."id" = "c"."card_type_id" ' +
    'inner join "chains" as "ch" on "ch"."id" = "c"."chain_id" ' +
    'where "c"."removed_at" is null and "c"."chain_id" = ? and "c"."phone" = ? order by "c"."id"',
);

const CONTENT_TYPE = 'application/json; charset=utf-8';
const answer = (chainId, phone) =>
  JSON.stringify({
    success: true,
    data: cards.all(chainId, phone).map((c) => ({
      id: c.id,
      balance: c.balance_minor / 100,
      points: c.points,
      paid_amount: c.paid_minor / 100,
      sold_amount: c.sold_minor / 100,
      visits_count: c.visits_count,
      number: c.number,
      type_id: c.card_type_id,
      salon_group_id: c.chain_id,
      type: { id: c.card_type_id, title: c.type_title, salon_group_id: c.chain_id },
      salon_group: { id: c.chain_id, title: c.chain_title },
      programs,
    })),
    meta: [],
  });

const R = /^\/api\/v1\/loyalty\/cards\/([^/]+)\/(\d+)\/\d+$/;
let close;
if (kind === 'node') {
  const server = createServer((request, response) => {
    const match = R.exec(request.url ?? '');
    if (request.url === '/health') {
      response.writeHead(200, { 'content-type': CONTENT_TYPE });
      response.end('{"success":true}');
    } else if (match) {
      response.writeHead(200, { 'content-type': CONTENT_TYPE });
      response.end(answer(Number(match[2]), match[1]));
    } else {
      response.writeHead(404).end();
    }
  });
  server.listen(port, '127.0.0.1');
  close = (done) => server.close(done);
} else {
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ success: true }));
  app.get('/api/v1/loyalty/cards/:phone/:chain/:location', async (request, reply) => {
    reply.type(CONTENT_TYPE);
    return answer(Number(request.params.chain), request.params.phone);
  });
  await app.listen({ port, host: '127.0.0.1' });
  close = (done) => void app.close().then(done);
}
process.on('SIGTERM', () => close(() => process.exit(0)));
