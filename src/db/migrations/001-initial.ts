import { sql, type Kysely, type CreateTableBuilder } from 'kysely';
import type { DatabaseKind } from '../../config.js';

type Table = CreateTableBuilder<string, never>;

/**
 * The whole domain of SPEC §2. Constraints live in the database too: foreign keys, one live
 * card number per chain, one live card per phone per type, integer money, balance ≥ 0, and
 * transaction rows that cannot be updated or deleted.
 */
export function initial(kind: DatabaseKind) {
  const id = (t: Table): Table =>
    kind === 'postgres'
      ? t.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const text = (t: Table, name: string): Table => t.addColumn(name, 'text', (c) => c.notNull().defaultTo(''));
  const int = (t: Table, name: string, def = 0): Table =>
    t.addColumn(name, 'integer', (c) => c.notNull().defaultTo(def));
  const created = (t: Table): Table => t.addColumn('created_at', 'text', (c) => c.notNull());

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await id(db.schema.createTable('chains'))
        .addColumn('title', 'text', (c) => c.notNull())
        .$call(created)
        .execute();

      let locations = id(db.schema.createTable('locations'))
        .addColumn('chain_id', 'integer', (c) => c.notNull().references('chains.id'))
        .addColumn('title', 'text', (c) => c.notNull());
      for (const f of [
        'public_title',
        'short_descr',
        'description',
        'address',
        'city',
        'country',
        'site',
        'phone',
        'email',
        'zip',
      ])
        locations = text(locations, f);
      await locations
        .addColumn('timezone_name', 'text', (c) => c.notNull().defaultTo('UTC'))
        .$call((t) => int(t, 'city_id'))
        .$call((t) => int(t, 'country_id'))
        .$call((t) => int(t, 'business_type_id'))
        .addColumn('coordinate_lat', 'real', (c) => c.notNull().defaultTo(0))
        .addColumn('coordinate_lon', 'real', (c) => c.notNull().defaultTo(0))
        .$call((t) => int(t, 'active', 1))
        .$call(created)
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema.createIndex('locations_chain').on('locations').column('chain_id').execute();

      let clients = id(db.schema.createTable('clients'))
        .addColumn('location_id', 'integer', (c) => c.notNull().references('locations.id'))
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull());
      for (const f of ['surname', 'patronymic', 'email', 'birth_date', 'comment']) clients = text(clients, f);
      for (const f of ['sex_id', 'importance_id', 'discount', 'sms_check', 'sms_not'])
        clients = int(clients, f);
      await clients
        .$call(created)
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema
        .createIndex('clients_location_phone')
        .on('clients')
        .columns(['location_id', 'phone'])
        .execute();
      await db.schema.createIndex('clients_phone').on('clients').column('phone').execute();

      await id(db.schema.createTable('partners'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .$call(created)
        .execute();
      await db.schema
        .createTable('partner_locations')
        .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id').onDelete('cascade'))
        .addColumn('location_id', 'integer', (c) =>
          c.notNull().references('locations.id').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('partner_locations_pk', ['partner_id', 'location_id'])
        .execute();

      let users = id(db.schema.createTable('users')).addColumn('login', 'text', (c) => c.notNull().unique());
      for (const f of ['name', 'phone', 'email', 'avatar']) users = text(users, f);
      await users
        .$call((t) => int(t, 'is_approved', 1))
        .$call((t) => int(t, 'is_email_confirmed', 1))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .$call(created)
        .execute();
      await id(db.schema.createTable('user_tokens'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .$call(created)
        .execute();
      await db.schema
        .createTable('user_locations')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('location_id', 'integer', (c) =>
          c.notNull().references('locations.id').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('user_locations_pk', ['user_id', 'location_id'])
        .execute();
      await db.schema
        .createTable('user_chains')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('chain_id', 'integer', (c) => c.notNull().references('chains.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('user_chains_pk', ['user_id', 'chain_id'])
        .execute();
      await id(db.schema.createTable('login_failures'))
        .addColumn('login', 'text', (c) => c.notNull())
        .$call(created)
        .execute();
      await db.schema
        .createIndex('login_failures_login')
        .on('login_failures')
        .columns(['login', 'created_at'])
        .execute();

      await id(db.schema.createTable('card_types'))
        .addColumn('chain_id', 'integer', (c) => c.notNull().references('chains.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .$call(created)
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema.createIndex('card_types_chain').on('card_types').column('chain_id').execute();

      let programs = id(db.schema.createTable('programs'))
        .addColumn('chain_id', 'integer', (c) => c.notNull().references('chains.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('loyalty_type_id', 'integer', (c) =>
          c.notNull().check(sql`loyalty_type_id between 1 and 13`),
        )
        .addColumn('value_unit_id', 'integer', (c) => c.notNull().check(sql`value_unit_id in (1, 2)`));
      for (const f of ['item_type_id', 'value', 'expiration_timeout', 'expiration_notification_timeout']) {
        programs = int(programs, f);
      }
      for (const f of ['sold_items_multiplicity', 'usage_limit', 'visit_multiplicity'])
        programs = int(programs, f);
      programs = programs
        .addColumn('service_item_type', 'text', (c) => c.notNull().defaultTo('any_allowed'))
        .addColumn('good_item_type', 'text', (c) => c.notNull().defaultTo('any_allowed'))
        .addColumn('expiration_timeout_unit', 'text', (c) => c.notNull().defaultTo('day'))
        .addColumn('params_source_type', 'text', (c) => c.notNull().defaultTo('loyalty_card'));
      await text(programs, 'history_start_date').$call(created).addColumn('deleted_at', 'text').execute();
      await db.schema.createIndex('programs_chain').on('programs').column('chain_id').execute();

      await id(db.schema.createTable('program_rules'))
        .addColumn('program_id', 'integer', (c) => c.notNull().references('programs.id').onDelete('cascade'))
        .$call((t) => int(t, 'parameter'))
        .addColumn('value_hundredths', 'bigint', (c) => c.notNull().defaultTo(0))
        .$call((t) => int(t, 'service_id'))
        .execute();
      await db.schema.createIndex('program_rules_program').on('program_rules').column('program_id').execute();
      await db.schema
        .createTable('program_locations')
        .addColumn('program_id', 'integer', (c) => c.notNull().references('programs.id').onDelete('cascade'))
        .addColumn('location_id', 'integer', (c) =>
          c.notNull().references('locations.id').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('program_locations_pk', ['program_id', 'location_id'])
        .execute();
      await db.schema
        .createTable('card_type_locations')
        .addColumn('card_type_id', 'integer', (c) =>
          c.notNull().references('card_types.id').onDelete('cascade'),
        )
        .addColumn('location_id', 'integer', (c) =>
          c.notNull().references('locations.id').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('card_type_locations_pk', ['card_type_id', 'location_id'])
        .execute();
      await db.schema
        .createTable('card_type_programs')
        .addColumn('card_type_id', 'integer', (c) =>
          c.notNull().references('card_types.id').onDelete('cascade'),
        )
        .addColumn('program_id', 'integer', (c) => c.notNull().references('programs.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('card_type_programs_pk', ['card_type_id', 'program_id'])
        .execute();

      await id(db.schema.createTable('cards'))
        .addColumn('chain_id', 'integer', (c) => c.notNull().references('chains.id'))
        .addColumn('card_type_id', 'integer', (c) => c.notNull().references('card_types.id'))
        .addColumn('client_id', 'integer', (c) => c.references('clients.id'))
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('number', 'text')
        .addColumn('balance_minor', 'bigint', (c) =>
          c
            .notNull()
            .defaultTo(0)
            .check(sql`balance_minor >= 0`),
        )
        .$call((t) => int(t, 'points'))
        .addColumn('paid_minor', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('sold_minor', 'bigint', (c) => c.notNull().defaultTo(0))
        .$call((t) => int(t, 'visits_count'))
        .addColumn('issued_location_id', 'integer', (c) => c.references('locations.id'))
        .$call(created)
        .addColumn('removed_at', 'text')
        .execute();
      await db.schema
        .createIndex('cards_live_number')
        .on('cards')
        .columns(['chain_id', 'number'])
        .unique()
        .where(sql.ref('removed_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('cards_live_phone_type')
        .on('cards')
        .columns(['card_type_id', 'phone'])
        .unique()
        .where(sql.ref('removed_at'), 'is', null)
        .execute();
      await db.schema.createIndex('cards_chain_phone').on('cards').columns(['chain_id', 'phone']).execute();
      await db.schema.createIndex('cards_client').on('cards').column('client_id').execute();

      await id(db.schema.createTable('transactions'))
        .addColumn('card_id', 'integer', (c) => c.notNull().references('cards.id'))
        .addColumn('chain_id', 'integer', (c) => c.notNull().references('chains.id'))
        .addColumn('location_id', 'integer', (c) => c.references('locations.id'))
        .addColumn('type_id', 'integer', (c) => c.notNull().check(sql`type_id between 1 and 11`))
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .$call((t) => text(t, 'title'))
        .addColumn('partner_id', 'integer', (c) => c.references('partners.id'))
        .addColumn('user_id', 'integer', (c) => c.references('users.id'))
        .addColumn('program_id', 'integer')
        .addColumn('visit_id', 'integer')
        .$call((t) => int(t, 'status_id', 1))
        .$call(created)
        .execute();
      await db.schema
        .createIndex('transactions_card')
        .on('transactions')
        .columns(['card_id', 'id'])
        .execute();
      await db.schema
        .createIndex('transactions_chain_created')
        .on('transactions')
        .columns(['chain_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('partner_id', 'integer', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('body', 'text')
        .addColumn('locked_until', 'text', (c) => c.notNull())
        .$call(created)
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['partner_id', 'key'] as never)
        .execute();
      await db.schema
        .createIndex('idempotency_keys_expiry')
        .on('idempotency_keys')
        .column('expires_at')
        .execute();

      // Transaction rows are immutable: the ledger is appended to, never rewritten.
      if (kind === 'postgres') {
        await sql`create function transactions_immutable() returns trigger language plpgsql as $$
          begin raise exception 'loyalty transactions are immutable'; end $$`.execute(db);
        await sql`create trigger transactions_no_update before update or delete on transactions
          for each row execute function transactions_immutable()`.execute(db);
      } else {
        await sql`create trigger transactions_no_update before update on transactions
          begin select raise(abort, 'loyalty transactions are immutable'); end`.execute(db);
        await sql`create trigger transactions_no_delete before delete on transactions
          begin select raise(abort, 'loyalty transactions are immutable'); end`.execute(db);
      }
    },
  };
}
