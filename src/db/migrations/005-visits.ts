import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { DatabaseKind } from '../../config.js';

type Table = CreateTableBuilder<string, never>;

/**
 * SPEC §6: the visit engine's tables, and the ledger columns a visit's loyalty rows need.
 *
 * - `services`, `service_staff`, `staff`, `accounts`: a location's catalogue and checkouts (each
 *   location has one default account of each type: 0 cash, 1 non-cash).
 * - `visits`, `records`, `record_services`, `documents`: an appointment (record) is its own visit
 *   (SPEC §6.1 Decision: one appointment, one visit) with its service lines and its visit document.
 * - `payments`: money paid into a location account for a visit (soft-deleted while the visit is
 *   open: a money payment is not a card balance, the ledger rule does not apply to it).
 * - `visit_closings`: what one close added to one card's counters, so a reopen takes back exactly
 *   that, whatever happened to the client's cards since.
 * - `transactions` (the ledger) gains what SPEC §6.6 asks of a row: its balance effect (0 for a
 *   discount; −amount for a card withdrawal), the row it compensates (`cancels_id`, unique: a row
 *   is compensated at most once), its place in a visit (record, item, item type), the discount and
 *   withdrawal flags, and a nullable card (the invited client's referral discount has none).
 *   Rows stay immutable; existing rows get `balance_effect_minor = amount_minor` (manual rows).
 */
export function visits(kind: DatabaseKind) {
  const postgres = kind === 'postgres';
  const id = (t: Table): Table =>
    postgres
      ? t.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const text = (t: Table, name: string, fallback = ''): Table =>
    t.addColumn(name, 'text', (c) => c.notNull().defaultTo(fallback));
  const int = (t: Table, name: string, fallback = 0): Table =>
    t.addColumn(name, 'integer', (c) => c.notNull().defaultTo(fallback));
  const money = (t: Table, name: string): Table =>
    t.addColumn(name, 'bigint', (c) => c.notNull().defaultTo(0));
  const stamps = (t: Table): Table =>
    t
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text');

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      let services = id(db.schema.createTable('services'))
        .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
        .addColumn('title', 'text', (c) => c.notNull());
      services = text(services, 'booking_title');
      services = int(services, 'category_id');
      services = money(services, 'price_min_minor');
      services = money(services, 'price_max_minor');
      // A percent with two decimals, in hundredths (12.5 % is 1250), like program rule values.
      services = int(services, 'discount_hundredths');
      services = int(services, 'duration', 3600);
      services = int(services, 'active', 1);
      services = text(services, 'api_id');
      services = text(services, 'comment');
      services = int(services, 'weight');
      await stamps(services.addColumn('technical_break_duration', 'integer')).execute();
      await db.schema.createIndex('services_location').on('services').column('location_id').execute();

      let staff = id(db.schema.createTable('staff'))
        .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
        .addColumn('name', 'text', (c) => c.notNull());
      for (const field of ['specialization', 'information', 'api_id', 'avatar', 'avatar_big']) {
        staff = text(staff, field);
      }
      for (const field of ['phone_number', 'user_email', 'user_phone']) staff = text(staff, field);
      for (const field of ['weight', 'fired', 'hidden', 'is_paid_staff', 'is_included_in_payment_policy']) {
        staff = int(staff, field);
      }
      staff = int(staff, 'has_access_timetable', 1);
      await stamps(
        staff
          .addColumn('position_id', 'integer')
          .addColumn('user_id', 'integer', (c) => c.references('users.id')),
      ).execute();
      await db.schema.createIndex('staff_location').on('staff').column('location_id').execute();

      await db.schema
        .createTable('service_staff')
        .addColumn('service_id', 'integer', (c) => c.notNull().references('services.id').onDelete('cascade'))
        .addColumn('staff_id', 'integer', (c) => c.notNull().references('staff.id').onDelete('cascade'))
        .addColumn('seance_length', 'integer', (c) => c.notNull().defaultTo(3600))
        .addPrimaryKeyConstraint('service_staff_pk', ['service_id', 'staff_id'] as never)
        .execute();

      let accounts = id(db.schema.createTable('accounts'))
        .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('type', 'integer', (c) => c.notNull().check(sql`type in (0, 1)`));
      accounts = text(accounts, 'comment');
      accounts = int(accounts, 'is_default');
      await stamps(accounts).execute();
      await db.schema.createIndex('accounts_location').on('accounts').column('location_id').execute();
      await db.schema
        .createIndex('accounts_one_default')
        .on('accounts')
        .columns(['location_id', 'type'])
        .unique()
        .where(sql.ref('is_default'), '=', 1)
        .execute();

      let visitsTable = id(db.schema.createTable('visits'))
        .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
        .addColumn('chain_id', 'integer', (c) => c.notNull().references('chains.id'))
        .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id'));
      // 2 confirmed, 1 arrived, 0 waiting, −1 no-show.
      visitsTable = visitsTable.addColumn('attendance', 'integer', (c) =>
        c
          .notNull()
          .defaultTo(0)
          .check(sql`attendance between -1 and 2`),
      );
      visitsTable = text(visitsTable, 'comment');
      visitsTable = visitsTable.addColumn('state', 'text', (c) =>
        c
          .notNull()
          .defaultTo('open')
          .check(sql`state in ('open', 'closed')`),
      );
      // How many times the visit was closed (a reopen and a new close count again).
      visitsTable = int(visitsTable, 'closes');
      await stamps(visitsTable.addColumn('closed_at', 'text')).execute();
      await db.schema.createIndex('visits_client').on('visits').column('client_id').execute();
      await db.schema.createIndex('visits_location').on('visits').column('location_id').execute();

      let records = id(db.schema.createTable('records'))
        .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
        .addColumn('visit_id', 'integer', (c) => c.notNull().unique().references('visits.id'))
        .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id'))
        .addColumn('staff_id', 'integer', (c) => c.notNull().references('staff.id'))
        // As given (ISO 8601 with its offset), and the same instant in UTC for ordering.
        .addColumn('datetime', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        // The appointment's own calendar day (in the offset it was given with), for date filters.
        .addColumn('local_date', 'text', (c) => c.notNull());
      records = int(records, 'seance_length');
      records = records.addColumn('technical_break_duration', 'integer');
      records = text(records, 'comment');
      records = text(records, 'api_id');
      records = int(records, 'save_if_busy');
      records = int(records, 'send_sms');
      records = records.addColumn('sms_remain_hours', 'integer').addColumn('email_remain_hours', 'integer');
      records = text(records, 'custom_color');
      records = text(records, 'record_labels', '[]');
      records = text(records, 'custom_fields', '{}');
      records = records
        .addColumn('partner_id', 'integer', (c) => c.references('partners.id'))
        .addColumn('created_user_id', 'integer', (c) => c.references('users.id'));
      await stamps(records).execute();
      await db.schema
        .createIndex('records_location_start')
        .on('records')
        .columns(['location_id', 'starts_at'])
        .execute();
      await db.schema.createIndex('records_client').on('records').column('client_id').execute();
      await db.schema.createIndex('records_staff').on('records').column('staff_id').execute();

      let lines = id(db.schema.createTable('record_services'))
        .addColumn('record_id', 'integer', (c) => c.notNull().references('records.id').onDelete('cascade'))
        .addColumn('service_id', 'integer', (c) => c.notNull().references('services.id'));
      lines = int(lines, 'position');
      lines = int(lines, 'amount', 1);
      lines = money(lines, 'first_cost_minor');
      lines = int(lines, 'discount_hundredths');
      lines = money(lines, 'cost_minor');
      await lines.execute();
      await db.schema
        .createIndex('record_services_record')
        .on('record_services')
        .column('record_id')
        .execute();

      // The visit document (type 7 "Visit") Altegio shows in an appointment's `documents[]`.
      let documents = id(db.schema.createTable('documents'))
        .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
        .addColumn('type_id', 'integer', (c) => c.notNull())
        .addColumn('visit_id', 'integer', (c) => c.references('visits.id'))
        .addColumn('record_id', 'integer', (c) => c.references('records.id'))
        .addColumn('user_id', 'integer', (c) => c.references('users.id'));
      documents = text(documents, 'comment');
      await documents.addColumn('created_at', 'text', (c) => c.notNull()).execute();
      await db.schema.createIndex('documents_visit').on('documents').column('visit_id').execute();

      let payments = id(db.schema.createTable('payments'))
        .addColumn('visit_id', 'integer', (c) => c.notNull().references('visits.id'))
        .addColumn('record_id', 'integer', (c) => c.notNull().references('records.id'))
        .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
        .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
        .addColumn('document_id', 'integer', (c) => c.references('documents.id'))
        .addColumn('client_id', 'integer', (c) => c.references('clients.id'))
        .addColumn('staff_id', 'integer', (c) => c.references('staff.id'))
        .addColumn('amount_minor', 'bigint', (c) => c.notNull().check(sql`amount_minor > 0`))
        .addColumn('partner_id', 'integer', (c) => c.references('partners.id'))
        .addColumn('user_id', 'integer', (c) => c.references('users.id'));
      payments = text(payments, 'comment');
      await payments
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema.createIndex('payments_visit').on('payments').column('visit_id').execute();

      await id(db.schema.createTable('visit_closings'))
        .addColumn('visit_id', 'integer', (c) => c.notNull().references('visits.id'))
        .addColumn('card_id', 'integer', (c) => c.notNull().references('cards.id'))
        .addColumn('visits', 'integer', (c) => c.notNull())
        .addColumn('sold_minor', 'bigint', (c) => c.notNull())
        .addColumn('paid_minor', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('reversed_at', 'text')
        .execute();
      await db.schema.createIndex('visit_closings_visit').on('visit_closings').column('visit_id').execute();

      await (postgres ? ledgerOnPostgres(db) : ledgerOnSqlite(db));
      await db.schema
        .createIndex('transactions_visit')
        .on('transactions')
        .columns(['visit_id', 'id'])
        .where(sql.ref('visit_id'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('transactions_cancels')
        .on('transactions')
        .column('cancels_id')
        .unique()
        .where(sql.ref('cancels_id'), 'is not', null)
        .execute();

      // Every existing location gets its two default accounts (new ones get them when created).
      const now = new Date().toISOString();
      for (const [type, title] of [
        [0, 'Cash'],
        [1, 'Non-cash'],
      ] as const) {
        await sql`insert into accounts (location_id, title, type, comment, is_default, created_at, updated_at)
          select id, ${title}, ${type}, '', 1, ${now}, ${now} from locations`.execute(db);
      }
    },
  };
}

/** The columns the ledger gains, with their SQL types and defaults (both dialects). */
const LEDGER_COLUMNS = `
  record_id integer,
  item_id integer not null default 0,
  item_type_id integer not null default 0,
  is_discount integer not null default 0,
  is_loyalty_withdraw integer not null default 0,
  referral_program_id integer,
  cancels_id integer references transactions(id),
  balance_effect_minor bigint not null`;

/**
 * PostgreSQL alters the table in place. The immutability trigger is disabled for the one backfill
 * of the new balance-effect column (inside the migration's transaction), then enabled again.
 */
async function ledgerOnPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`alter table transactions alter column card_id drop not null`.execute(db);
  for (const column of LEDGER_COLUMNS.split(',\n')) {
    const definition = column.trim().replace(' not null', '');
    await sql.raw(`alter table transactions add column ${definition}`).execute(db);
  }
  await sql`alter table transactions disable trigger transactions_no_update`.execute(db);
  await sql`update transactions set balance_effect_minor = amount_minor`.execute(db);
  await sql`alter table transactions enable trigger transactions_no_update`.execute(db);
  for (const column of [
    'item_id',
    'item_type_id',
    'is_discount',
    'is_loyalty_withdraw',
    'balance_effect_minor',
  ]) {
    await sql`alter table transactions alter column ${sql.ref(column)} set not null`.execute(db);
  }
}

/**
 * SQLite cannot drop a NOT NULL, so the ledger is rebuilt: a new table with every column, the rows
 * copied (balance effect = amount for the existing, manual rows), then the old table dropped and
 * the new one renamed, with its indexes and immutability triggers made again.
 */
async function ledgerOnSqlite(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `create table transactions_new (
        id integer primary key autoincrement,
        card_id integer references cards(id),
        chain_id integer not null references chains(id),
        location_id integer references locations(id),
        type_id integer not null check (type_id between 1 and 11),
        amount_minor bigint not null,
        title text not null default '',
        partner_id integer references partners(id),
        user_id integer references users(id),
        program_id integer,
        visit_id integer,
        status_id integer not null default 1,
        created_at text not null,
        ${LEDGER_COLUMNS.replace('references transactions(id)', 'references transactions_new(id)')}
      )`,
    )
    .execute(db);
  const kept =
    'id, card_id, chain_id, location_id, type_id, amount_minor, title, partner_id, user_id, program_id, visit_id, status_id, created_at';
  await sql
    .raw(
      `insert into transactions_new (${kept}, balance_effect_minor) select ${kept}, amount_minor from transactions`,
    )
    .execute(db);
  await sql`drop table transactions`.execute(db);
  await sql`alter table transactions_new rename to transactions`.execute(db);
  await sql`create index transactions_card on transactions (card_id, id)`.execute(db);
  await sql`create index transactions_chain_created on transactions (chain_id, created_at)`.execute(db);
  await sql`create trigger transactions_no_update before update on transactions
    begin select raise(abort, 'loyalty transactions are immutable'); end`.execute(db);
  await sql`create trigger transactions_no_delete before delete on transactions
    begin select raise(abort, 'loyalty transactions are immutable'); end`.execute(db);
}
