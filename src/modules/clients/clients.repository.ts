import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../../db/database.js';
import { LocationRows, type LocationRowValues } from '../../db/location-rows.js';
import { prepared } from '../../db/prepared.js';
import type { ClientRow, Database } from '../../db/schema.js';
import { phoneDigits } from '../../lib/phone.js';

export type ClientValues = LocationRowValues<'clients'>;

/** One condition of a client list or search; the service builds them from the wire. */
export type ClientCondition =
  /** Part of the name, surname, patronymic or email, or (digits) of the phone. */
  | { kind: 'text'; value: string }
  | { kind: 'name'; value: string }
  | { kind: 'email'; value: string }
  | { kind: 'phone'; digits: string; exact: boolean }
  | { kind: 'ids'; ids: number[] }
  | { kind: 'sex'; values: number[] }
  | { kind: 'importance'; values: number[] }
  /** Part of the number of a live loyalty card of the client's phone in this chain. */
  | { kind: 'card'; value: string; chainId: number }
  | { kind: 'changed'; after?: string; before?: string };

export type ClientOrderColumn = 'id' | 'name' | 'phone' | 'email' | 'discount' | 'spent_minor';

type ClientExpressions = ExpressionBuilder<Database, 'clients'>;

/** `%text%` for LIKE, with LIKE's own wildcards taken literally. */
function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function like(column: string, text: string): Expression<SqlBool> {
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${containing(text)} escape '\\'`;
}

/** The appointment's client found by phone (every appointment creation), compiled once. */
const clientByPhone = prepared((db, p: { locationId: number; phone: string }) =>
  db
    .selectFrom('clients')
    .select('id')
    .where('location_id', '=', p.locationId)
    .where('phone', '=', p.phone)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    // A literal: SQLite re-prepared the statement on every run with a bound LIMIT (7× its cost).
    .limit(sql.lit(1)),
);

/**
 * SQL for clients. No business rules here. A client is live until it is deleted; the lookups by
 * id, the insert, update and soft delete are the shared ones of `LocationRows`.
 */
export class ClientsRepository extends LocationRows<'clients'> {
  constructor(db: Executor) {
    super(db, 'clients');
  }

  /** The live client of this phone at the location (the one the card operations find), if any. */
  byPhone(locationId: number, phone: string) {
    return clientByPhone(this.db, { locationId, phone }).then((rows) => rows[0]);
  }

  private condition(eb: ClientExpressions, c: ClientCondition): Expression<SqlBool> {
    switch (c.kind) {
      case 'text':
        return eb.or([
          like('clients.name', c.value),
          like('clients.surname', c.value),
          like('clients.patronymic', c.value),
          like('clients.email', c.value),
          ...(/^[\d\s+().-]*\d[\d\s+().-]*$/.test(c.value)
            ? [like('clients.phone', phoneDigits(c.value))]
            : []),
        ]);
      case 'name':
        return eb.or([
          like('clients.name', c.value),
          like('clients.surname', c.value),
          like('clients.patronymic', c.value),
        ]);
      case 'email':
        return like('clients.email', c.value);
      case 'phone':
        return c.exact ? eb('clients.phone', '=', c.digits) : like('clients.phone', c.digits);
      case 'ids':
        return c.ids.length ? eb('clients.id', 'in', c.ids) : eb.lit(false);
      case 'sex':
        return c.values.length ? eb('clients.sex_id', 'in', c.values) : eb.lit(false);
      case 'importance':
        return c.values.length ? eb('clients.importance_id', 'in', c.values) : eb.lit(false);
      case 'card':
        return eb.exists(
          eb
            .selectFrom('cards')
            .select('cards.id')
            .whereRef('cards.phone', '=', 'clients.phone')
            .where('cards.chain_id', '=', c.chainId)
            .where('cards.removed_at', 'is', null)
            .where(like('cards.number', c.value)),
        );
      case 'changed':
        return eb.and([
          ...(c.after ? [eb('clients.updated_at', '>=', c.after)] : []),
          ...(c.before ? [eb('clients.updated_at', '<=', c.before)] : []),
        ]);
    }
  }

  /** Live clients of the location matching all (or any) of the conditions, one page of them. */
  async search(
    locationId: number,
    conditions: ClientCondition[],
    options: {
      combine: 'AND' | 'OR';
      orderBy: ClientOrderColumn;
      direction: 'asc' | 'desc';
      limit: number;
      offset: number;
    },
  ): Promise<{ rows: ClientRow[]; total: number }> {
    let base = this.db
      .selectFrom('clients')
      .where('clients.location_id', '=', locationId)
      .where('clients.deleted_at', 'is', null);
    if (conditions.length > 0) {
      base = base.where((eb) => {
        const parts = conditions.map((c) => this.condition(eb, c));
        return options.combine === 'OR' ? eb.or(parts) : eb.and(parts);
      });
    }
    const { total } = await base
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    let rows = base.selectAll('clients').orderBy(`clients.${options.orderBy}`, options.direction);
    if (options.orderBy !== 'id') rows = rows.orderBy('clients.id', options.direction);
    return {
      rows: await rows.limit(options.limit).offset(options.offset).execute(),
      total: Number(total),
    };
  }

  /** Clients with their location's chain. */
  private withChain() {
    return this.db.selectFrom('clients as cl').innerJoin('locations as l', 'l.id', 'cl.location_id');
  }

  /** A live client anywhere, with its location's chain (op 1 finds the client's cards by it). */
  anywhere(clientId: number) {
    return this.withChain()
      .select(['cl.id', 'cl.phone', 'cl.location_id', 'l.chain_id'])
      .where('cl.id', '=', clientId)
      .where('cl.deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Live clients with this phone at the chain's live locations (C-1). */
  inChainByPhone(chainId: number, phone: string) {
    return this.withChain()
      .select(['cl.id', 'cl.location_id', 'cl.name', 'cl.email'])
      .where('l.chain_id', '=', chainId)
      .where('l.deleted_at', 'is', null)
      .where('cl.phone', '=', phone)
      .where('cl.deleted_at', 'is', null)
      .orderBy('cl.id')
      .execute();
  }
}
