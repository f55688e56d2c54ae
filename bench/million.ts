/**
 * `npx tsx bench/million.ts`: the read paths at a million ledger rows. Fills a brand-new database
 * (SQLite, and PostgreSQL in a throwaway cluster) with ~1 000 000 ledger rows spread over cards,
 * visits and two years, then runs the real repositories' queries — the chain transaction list
 * (plain, with `visit_ids[]`, `types[]`, `company_ids[]`), a card's history, V11 (a visit's live
 * rows), the appointment list (by location and dates, by client, by team member) and a visit's
 * amount due — capturing the SQL Kysely sends, and prints each statement's query plan (SQLite
 * `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN`) with its median time over a few runs. The live-row
 * check (no compensation names the row) is part of the chain list and of V11. docs/performance.md
 * keeps a run's report.
 *
 * Options: --db sqlite,postgres   --rows N (default 1000000)   --runs N (default 5)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { startPostgres } from '../scripts/throwaway-postgres.mjs';
import { createDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import type { Database } from '../src/db/schema.js';
import { SetupService } from '../src/modules/setup/setup.service.js';
import { TransactionsRepository } from '../src/modules/transactions/transactions.repository.js';
import { VisitsRepository } from '../src/modules/visits/visits.repository.js';

type Dialect = 'sqlite' | 'postgres';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const DIALECTS = (option('--db') ?? 'sqlite,postgres').split(',') as Dialect[];
const ROWS = Number(option('--rows') ?? 1_000_000);
const RUNS = Number(option('--runs') ?? 5);

const LOCATIONS = 10;
const CARDS = 50_000;
/** A quarter of the ledger comes from visits: accruals, discounts and some compensations. */
const VISITS = Math.floor(ROWS / 4);
const SPAN_SECONDS = 2 * 365 * 86_400;
const START = Date.parse('2025-01-01T00:00:00Z') / 1000;

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Shape {
  chainId: number;
  locationIds: number[];
  staffIds: number[];
  serviceIds: number[];
  accountIds: number[];
  programId: number;
}

/** Tenancy and catalogue through SetupService, as the demo and the bench build theirs. */
async function catalogue(url: string): Promise<Shape> {
  const database = createDatabase(url, { poolSize: 2 });
  try {
    await migrate(database.db, database.kind);
    const setup = new SetupService(database.db);
    const chainId = await setup.createChain('Million chain');
    const locationIds: number[] = [];
    const staffIds: number[] = [];
    const serviceIds: number[] = [];
    for (let i = 1; i <= LOCATIONS; i++) {
      const locationId = await setup.createLocation(chainId, `Location ${i}`);
      locationIds.push(locationId);
      const staffId = await setup.createStaff(locationId, { name: `Master ${i}` });
      staffIds.push(staffId);
      serviceIds.push(
        await setup.createService(locationId, {
          title: 'Haircut',
          price_min: 1500,
          price_max: 1500,
          staff: [{ id: staffId }],
        }),
      );
    }
    const programId = await setup.createProgram({
      chainId,
      title: 'Cashback 5%',
      loyaltyTypeId: 6,
      valueUnitId: 1,
      rules: [{ parameter: 0, value: 5 }],
      locationIds,
    });
    await setup.createCardType({ chainId, title: 'Gold', locationIds, programIds: [programId] });
    const accounts = await database.db
      .selectFrom('accounts')
      .select(['id', 'location_id'])
      .where('type', '=', 0)
      .execute();
    const accountIds = locationIds.map((l) => accounts.find((a) => a.location_id === l)!.id);
    return { chainId, locationIds, staffIds, serviceIds, accountIds, programId };
  } finally {
    await database.close();
  }
}

/**
 * The bulk rows, as INSERT … SELECT over a number series (one statement a table: a million rows
 * in seconds). Client/card i lives at location (i − 1) mod L; visit n belongs to client
 * (n·7919 mod C) + 1 at that client's location, at START + n·span/V; 90 % of visits are closed,
 * each with one line (1500.00), one payment and an accrual (75.00); every fifth visit also has a
 * discount row; every fiftieth closed visit's accrual is compensated (a reopen). The rest of the
 * ledger is an opening top-up per card, then manual top-ups and withdrawals on random cards at
 * random times. Balances are then set
 * to the sum of each card's balance effects (SPEC §3), and statistics gathered.
 */
async function fill(kind: Dialect, db: Kysely<Database>, shape: Shape): Promise<number> {
  const series = (n: number) =>
    kind === 'sqlite'
      ? `(with recursive s(n) as (select 1 union all select n + 1 from s where n < ${n}) select n from s) as s`
      : `generate_series(1, ${n}) as s(n)`;
  const iso = (seconds: string) =>
    kind === 'sqlite'
      ? `strftime('%Y-%m-%dT%H:%M:%fZ', ${seconds}, 'unixepoch')`
      : `to_char(to_timestamp(${seconds}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const day = (seconds: string) =>
    kind === 'sqlite'
      ? `strftime('%Y-%m-%d', ${seconds}, 'unixepoch')`
      : `to_char(to_timestamp(${seconds}) at time zone 'UTC', 'YYYY-MM-DD')`;
  const pick = (list: number[], index: string) =>
    `(case ${list.map((v, i) => `when ${index} = ${i} then ${v}`).join(' ')} end)`;
  const int = (e: string) => (kind === 'sqlite' ? `(${e})` : `cast(${e} as integer)`);
  const L = LOCATIONS;
  const client = `((s.n * 7919) % ${CARDS} + 1)`;
  const loc = (c: string) => `((${c} - 1) % ${L})`;
  const at = `(${START} + s.n * ${Math.floor(SPAN_SECONDS / VISITS)})`;
  const now = `'${new Date().toISOString()}'`;
  const run = async (label: string, statement: string) => {
    const started = Date.now();
    await sql.raw(statement).execute(db);
    log(`[${kind}]   ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };

  await run(
    `${CARDS} clients`,
    `insert into clients (id, location_id, phone, name, created_at, updated_at)
     select s.n, ${pick(shape.locationIds, loc('s.n'))}, cast(79000000000 + s.n as text), 'Client ' || s.n, ${now}, ${now}
     from ${series(CARDS)}`,
  );
  const cardType = await db.selectFrom('card_types').select('id').executeTakeFirstOrThrow();
  await run(
    `${CARDS} cards`,
    `insert into cards (id, chain_id, card_type_id, client_id, phone, number, issued_location_id, created_at)
     select s.n, ${shape.chainId}, ${cardType.id}, s.n, cast(79000000000 + s.n as text), cast(100000000 + s.n as text),
       ${pick(shape.locationIds, loc('s.n'))}, ${now}
     from ${series(CARDS)}`,
  );
  await run(
    `${VISITS} visits`,
    `insert into visits (id, location_id, chain_id, client_id, attendance, state, closes, created_at, updated_at, closed_at)
     select s.n, ${pick(shape.locationIds, loc(client))}, ${shape.chainId}, ${client},
       case when s.n % 10 = 0 then 2 else 1 end, case when s.n % 10 = 0 then 'open' else 'closed' end,
       case when s.n % 10 = 0 then 0 else 1 end, ${iso(at)}, ${iso(at)},
       case when s.n % 10 = 0 then null else ${iso(at)} end
     from ${series(VISITS)}`,
  );
  await run(
    `${VISITS} appointments`,
    `insert into records (id, location_id, visit_id, client_id, staff_id, datetime, starts_at, local_date, seance_length, created_at, updated_at)
     select s.n, ${pick(shape.locationIds, loc(client))}, s.n, ${client}, ${pick(shape.staffIds, loc(client))},
       ${iso(at)}, ${iso(at)}, ${day(at)}, 3600, ${iso(at)}, ${iso(at)}
     from ${series(VISITS)}`,
  );
  await run(
    `${VISITS} service lines`,
    `insert into record_services (id, record_id, service_id, amount, first_cost_minor, cost_minor)
     select s.n, s.n, ${pick(shape.serviceIds, loc(client))}, 1, 150000, 150000 from ${series(VISITS)}`,
  );
  await run(
    `payments of the closed visits`,
    `insert into payments (id, visit_id, record_id, location_id, account_id, client_id, staff_id, amount_minor, created_at)
     select s.n, s.n, s.n, ${pick(shape.locationIds, loc(client))}, ${pick(shape.accountIds, loc(client))}, ${client},
       ${pick(shape.staffIds, loc(client))}, 150000, ${iso(at)}
     from ${series(VISITS)} where s.n % 10 <> 0`,
  );
  // Ledger ids: accrual of visit n = n, its discount = V + n, a compensation = 2V + n, manual rows
  // after 3V; visit rows are recorded at the visit's time, a compensation a day later.
  const V = VISITS;
  const visitRow = (
    label: string,
    id: string,
    type: number,
    amount: string,
    effect: string,
    where: string,
    extra: { status?: number; cancels?: string; created?: string } = {},
  ) =>
    run(
      label,
      `insert into transactions (id, card_id, chain_id, location_id, type_id, amount_minor, title, program_id, visit_id,
         record_id, item_id, item_type_id, is_discount, status_id, cancels_id, balance_effect_minor, created_at)
       select ${id}, ${client}, ${shape.chainId}, ${pick(shape.locationIds, loc(client))}, ${type}, ${amount}, '',
         ${shape.programId}, s.n, s.n, ${pick(shape.serviceIds, loc(client))}, 1, ${type === 1 ? 1 : 0},
         ${extra.status ?? 1}, ${extra.cancels ?? 'null'}, ${effect}, ${iso(extra.created ?? at)}
       from ${series(V)} where ${where}`,
    );
  await visitRow('accruals', 's.n', 2, '7500', '7500', 's.n % 10 <> 0');
  await visitRow('discounts', `${V} + s.n`, 1, '5000', '0', 's.n % 5 = 0');
  await visitRow('compensations', `${2 * V} + s.n`, 2, '-7500', '-7500', 's.n % 10 <> 0 and s.n % 50 = 1', {
    status: 2,
    cancels: 's.n',
    created: `${at} + 86400`,
  });
  const counted = await db
    .selectFrom('transactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  await run(
    `${CARDS} opening top-ups`,
    `insert into transactions (id, card_id, chain_id, location_id, type_id, amount_minor, title, balance_effect_minor, created_at)
     select ${3 * VISITS} + s.n, s.n, ${shape.chainId}, ${pick(shape.locationIds, loc('s.n'))}, 5, 100000, 'Opening',
       100000, ${iso(String(START - 86_400))}
     from ${series(CARDS)}`,
  );
  const manual = Math.max(0, ROWS - Number(counted.n) - CARDS);
  const big = kind === 'sqlite' ? 's.n' : 'cast(s.n as bigint)';
  const random = (seed: number, modulo: number) => int(`(${big} * ${seed} + ${seed % 97}) % ${modulo}`);
  const card = `(${random(104_729, CARDS)} + 1)`;
  await run(
    `${manual} manual rows`,
    `insert into transactions (id, card_id, chain_id, location_id, type_id, amount_minor, title, balance_effect_minor, created_at)
     select ${3 * V + CARDS} + s.n, ${card}, ${shape.chainId}, ${pick(shape.locationIds, loc(card))},
       case when s.n % 4 = 0 then 6 else 5 end, case when s.n % 4 = 0 then -100 else 1000 end, 'Manual',
       case when s.n % 4 = 0 then -100 else 1000 end, ${iso(`${START} + ${random(7_919, SPAN_SECONDS)}`)}
     from ${series(manual)}`,
  );
  await run(
    'balances = sum of balance effects',
    `update cards set balance_minor = (select coalesce(sum(t.balance_effect_minor), 0) from transactions t where t.card_id = cards.id)`,
  );
  if (kind === 'postgres') {
    for (const table of [
      'clients',
      'cards',
      'visits',
      'records',
      'record_services',
      'payments',
      'transactions',
    ])
      await sql
        .raw(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`)
        .execute(db);
  }
  await run('statistics', kind === 'sqlite' ? 'analyze' : 'analyze');
  const total = await db
    .selectFrom('transactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(total.n);
}

interface Checked {
  label: string;
  sql: string;
  plan: string[];
  medianMs: number;
}

/**
 * Runs `call` against a Kysely whose log keeps every statement it sends: the real repositories'
 * SQL, not a copy of it. Then each statement's plan, and its median time over RUNS runs.
 */
async function check(
  kind: Dialect,
  db: Kysely<Database>,
  captured: CompiledQuery[],
  raw: { sqlite?: SQLite.Database; pg?: pg.Pool },
  label: string,
  call: () => Promise<unknown>,
): Promise<Checked[]> {
  captured.length = 0;
  await call();
  const queries = [...captured];
  const out: Checked[] = [];
  for (const [i, query] of queries.entries()) {
    const params = query.parameters as unknown[];
    let plan: string[];
    const times: number[] = [];
    if (kind === 'sqlite') {
      const statement = raw.sqlite!.prepare(query.sql);
      plan = (
        raw.sqlite!.prepare(`explain query plan ${query.sql}`).all(...params) as { detail: string }[]
      ).map((r) => r.detail);
      for (let r = 0; r < RUNS; r++) {
        const started = process.hrtime.bigint();
        statement.all(...params);
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    } else {
      const result = await raw.pg!.query<{ 'QUERY PLAN': string }>(`explain ${query.sql}`, params);
      plan = result.rows.map((r) => r['QUERY PLAN']);
      for (let r = 0; r < RUNS; r++) {
        const started = process.hrtime.bigint();
        await raw.pg!.query(query.sql, params);
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    times.sort((a, b) => a - b);
    out.push({
      label: queries.length > 1 ? `${label} (${i + 1}/${queries.length})` : label,
      sql: query.sql,
      plan,
      medianMs: times[Math.floor(times.length / 2)]!,
    });
  }
  void db;
  return out;
}

async function measure(kind: Dialect, url: string): Promise<void> {
  log(`[${kind}] catalogue…`);
  const shape = await catalogue(url);
  const captured: CompiledQuery[] = [];
  const keep = (event: { level: string; query: CompiledQuery }) => {
    if (event.level === 'query') captured.push(event.query);
  };
  const raw: { sqlite?: SQLite.Database; pg?: pg.Pool } = {};
  let db: Kysely<Database>;
  if (kind === 'sqlite') {
    raw.sqlite = new SQLite(url.replace(/^file:/, ''));
    raw.sqlite.pragma('journal_mode = WAL');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw.sqlite }), log: keep });
  } else {
    raw.pg = new pg.Pool({ connectionString: url, max: 2 });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: raw.pg }), log: keep });
  }
  try {
    log(`[${kind}] filling…`);
    const started = Date.now();
    const rows = await fill(kind, db, shape);
    log(`[${kind}] ${rows} ledger rows in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    const chainId = shape.chainId;
    const ledger = new TransactionsRepository(db);
    const visits = new VisitsRepository(db);
    // A closed visit whose accrual was compensated (n mod 50 = 1, n mod 10 ≠ 0), and its card.
    const visitId = 50 * Math.floor(VISITS / 100) + 1;
    const cardId = ((visitId * 7919) % CARDS) + 1;
    const locationId = shape.locationIds[0]!;
    const clientId = LOCATIONS + 1; // lives at the first location
    const live = { chainId, liveOnly: true };
    const results: Checked[] = [];
    const add = async (label: string, call: () => Promise<unknown>) =>
      results.push(...(await check(kind, db, captured, raw, label, call)));
    await add('chain list, first page', () => ledger.list(live, 25, 0));
    await add('chain list, count', () => ledger.count(live));
    await add('chain list, visit_ids[] (3 visits)', () =>
      ledger.list({ ...live, visitIds: [visitId, visitId + 1, visitId + 2] }, 25, 0),
    );
    await add('chain list, visit_ids[], count', () =>
      ledger.count({ ...live, visitIds: [visitId, visitId + 1, visitId + 2] }),
    );
    await add('chain list, types[] = discount', () => ledger.list({ ...live, typeIds: [1] }, 25, 0));
    await add('chain list, types[] = discount, count', () => ledger.count({ ...live, typeIds: [1] }));
    await add('chain list, company_ids[] (one location)', () =>
      ledger.list({ ...live, locationIds: [locationId] }, 25, 0),
    );
    await add('chain list, one month', () =>
      ledger.list({ ...live, from: '2026-03-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z' }, 25, 0),
    );
    await add('card history, first page', () => ledger.list({ chainId, cardId }, 25, 0));
    await add('card history, count', () => ledger.count({ chainId, cardId }));
    await add("V11: a visit's live rows", () => visits.liveRows(visitId));
    await add('amount due of a visit (moneyOf)', () => visits.moneyOf([visitId]));
    await add('appointments by location and dates (one week)', () =>
      visits.records(
        { locationId, withDeleted: false, startDate: '2026-03-02', endDate: '2026-03-08' },
        25,
        0,
      ),
    );
    await add('appointments by location and dates, count', () =>
      visits.countRecords({ locationId, withDeleted: false, startDate: '2026-03-02', endDate: '2026-03-08' }),
    );
    await add('appointments by client', () =>
      visits.records({ locationId, withDeleted: false, clientId }, 25, 0),
    );
    await add('appointments by team member, one day', () =>
      visits.records(
        {
          locationId,
          withDeleted: false,
          staffId: shape.staffIds[0]!,
          startDate: '2026-03-02',
          endDate: '2026-03-02',
        },
        25,
        0,
      ),
    );
    await add('appointments by team member, all', () =>
      visits.records({ locationId, withDeleted: false, staffId: shape.staffIds[0]! }, 25, 0),
    );

    process.stdout.write(`\n## ${kind}: ${rows} ledger rows, ${CARDS} cards, ${VISITS} visits\n`);
    for (const r of results) {
      process.stdout.write(`\n### ${r.label}: ${r.medianMs.toFixed(2)} ms (median of ${RUNS})\n\n`);
      process.stdout.write(`    ${r.sql.replace(/\s+/g, ' ')}\n\n`);
      for (const line of r.plan) process.stdout.write(`    ${line}\n`);
    }
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  for (const kind of DIALECTS) {
    if (kind === 'sqlite') {
      const work = mkdtempSync(join(tmpdir(), 'loyalty-million-'));
      try {
        await measure(kind, `file:${join(work, 'million.sqlite')}`);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    } else {
      const cluster = await startPostgres();
      try {
        await measure(kind, cluster.url);
      } finally {
        cluster.stop();
      }
    }
  }
}

await main();
