import { sql, type QueryCreator } from 'kysely';
import { postgresOf, type Executor } from '../../db/database.js';
import { prepared } from '../../db/prepared.js';
import type { CardRow, Database, TransactionRow } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

/** The card columns the answers show (a card read selects these and no others). */
const CARD_FIGURE_COLUMNS = [
  'id',
  'chain_id',
  'card_type_id',
  'number',
  'balance_minor',
  'points',
  'paid_minor',
  'sold_minor',
  'visits_count',
] as const satisfies readonly (keyof CardRow)[];

export type CardFigures = Pick<CardRow, (typeof CARD_FIGURE_COLUMNS)[number]>;

export interface CardWithRefs extends CardFigures {
  type_title: string;
  chain_title: string;
}

/**
 * Live cards with the titles of their type and chain: the columns the answers show, no others
 * (every column read is a value built per row, on the busiest read).
 */
const liveCards = (db: Executor) =>
  db
    .selectFrom('cards as c')
    .innerJoin('card_types as t', 't.id', 'c.card_type_id')
    .innerJoin('chains as ch', 'ch.id', 'c.chain_id')
    .select(CARD_FIGURE_COLUMNS.map((column) => `c.${column}` as const))
    .select(['t.title as type_title', 'ch.title as chain_title'])
    .where('c.removed_at', 'is', null);

// The card reads and the balance update behind the busiest operations (2 and 9), compiled once
// (see db/prepared.ts).
const liveCardsByPhone = prepared((db, p: { chainId: number; phone: string }) =>
  liveCards(db).where('c.chain_id', '=', p.chainId).where('c.phone', '=', p.phone).orderBy('c.id'),
);

/**
 * The balance change, guarded in its own statement: a card not live in the chain, or a
 * withdrawal that would take the balance below zero, matches no row. `removedToo` lets a removed
 * card's balance follow a compensating row (a visit reopened after the card was removed: its
 * balance must stay the sum of its rows); the floor at zero holds all the same.
 */
const guardedBalanceUpdate = (
  db: QueryCreator<Database>,
  p: { chainId: number; cardId: number; delta: number },
  options: { removedToo?: boolean } = {},
) =>
  db
    .updateTable('cards')
    .set({ balance_minor: sql<number>`balance_minor + ${p.delta}` })
    .where('id', '=', p.cardId)
    .where('chain_id', '=', p.chainId)
    .$if(!options.removedToo, (qb) => qb.where('removed_at', 'is', null))
    .where(sql<boolean>`balance_minor + ${p.delta} >= 0`)
    .returning(CARD_FIGURE_COLUMNS);

const applyDelta = prepared((db, p: { chainId: number; cardId: number; delta: number }) =>
  guardedBalanceUpdate(db, p),
);

/** A manual ledger row as the service hands it over (the time is added here). */
// A type alias, not an interface: prepared() needs it assignable to Record<string, unknown>.
type NewLedgerRow = {
  card_id: number;
  chain_id: number;
  location_id: number | null;
  type_id: number;
  amount_minor: number;
  title: string;
  partner_id: number;
  user_id: number | null;
};

/**
 * Any ledger row (SPEC §6.6) as the services hand it over: a visit's rows and compensations carry
 * their place in the visit and their balance effect, which may differ from the amount (0 for a
 * discount, −amount for a card withdrawal).
 */
export type LedgerRowValues = NewLedgerRow & Omit<TransactionRow, keyof NewLedgerRow | 'id' | 'created_at'>;

const insertTransaction = prepared((db, p: NewLedgerRow & { created_at: string }) =>
  db
    .insertInto('transactions')
    .values({
      card_id: p.card_id,
      chain_id: p.chain_id,
      location_id: p.location_id,
      type_id: p.type_id,
      amount_minor: p.amount_minor,
      // A manual row moves the balance by its (signed) amount.
      balance_effect_minor: p.amount_minor,
      title: p.title,
      partner_id: p.partner_id,
      user_id: p.user_id,
      created_at: p.created_at,
    })
    .returning('id'),
);

/** Every column of a ledger row, named one by one (a prepared builder sees placeholders only). */
const LEDGER_COLUMNS = [
  'card_id',
  'chain_id',
  'location_id',
  'type_id',
  'amount_minor',
  'balance_effect_minor',
  'title',
  'partner_id',
  'user_id',
  'program_id',
  'referral_program_id',
  'visit_id',
  'record_id',
  'item_id',
  'item_type_id',
  'is_discount',
  'is_loyalty_withdraw',
  'status_id',
  'cancels_id',
  'created_at',
] as const satisfies readonly (keyof TransactionRow)[];

/** A visit's ledger row (applyLedgerRow), compiled once: every close writes its accruals so. */
const insertLedgerRow = prepared((db, p: LedgerRowValues & { created_at: string }) => {
  const values = {} as Record<string, unknown>;
  for (const column of LEDGER_COLUMNS) values[column] = p[column];
  return db
    .insertInto('transactions')
    .values(values as LedgerRowValues & { created_at: string })
    .returning('id');
});

/** A live card's visit counters moved (moveCounters), compiled once: every close runs it. */
const moveLiveCounters = prepared(
  (db, p: { cardId: number; visits: number; sold_minor: number; paid_minor: number }) =>
    db
      .updateTable('cards')
      .set({
        visits_count: sql<number>`visits_count + ${p.visits}`,
        sold_minor: sql<number>`sold_minor + ${p.sold_minor}`,
        paid_minor: sql<number>`paid_minor + ${p.paid_minor}`,
      })
      .where('id', '=', p.cardId)
      .where('removed_at', 'is', null)
      .returning(CARD_FIGURE_COLUMNS),
);

/**
 * The balance update and its ledger row as one statement (PostgreSQL: a data-modifying WITH), so
 * the pair is atomic without a transaction around it. The ledger row takes the card's id and
 * chain from the updated row: no row updated, no row written.
 */
const applyManualTransaction = prepared((db, p: NewLedgerRow & { created_at: string }) =>
  db
    .with('card', (qb) =>
      guardedBalanceUpdate(qb, { chainId: p.chain_id, cardId: p.card_id, delta: p.amount_minor }),
    )
    .with('ledger', (qb) =>
      qb
        .insertInto('transactions')
        .columns([
          'card_id',
          'chain_id',
          'location_id',
          'type_id',
          'amount_minor',
          'balance_effect_minor',
          'title',
          'partner_id',
          'user_id',
          'created_at',
        ])
        .expression((eb) =>
          eb
            .selectFrom('card')
            .select([
              'card.id',
              'card.chain_id',
              sql<number | null>`cast(${p.location_id} as integer)`.as('location_id'),
              sql<number>`cast(${p.type_id} as integer)`.as('type_id'),
              sql<number>`cast(${p.amount_minor} as bigint)`.as('amount_minor'),
              sql<number>`cast(${p.amount_minor} as bigint)`.as('balance_effect_minor'),
              sql<string>`cast(${p.title} as text)`.as('title'),
              sql<number>`cast(${p.partner_id} as integer)`.as('partner_id'),
              sql<number | null>`cast(${p.user_id} as integer)`.as('user_id'),
              sql<string>`cast(${p.created_at} as text)`.as('created_at'),
            ]),
        ),
    )
    .selectFrom('card')
    .select(CARD_FIGURE_COLUMNS),
);

/** SQL for cards, card types and the manual-transaction ledger. No business rules here. */
export class CardsRepository {
  constructor(private readonly db: Executor) {}

  cardsByPhone(chainId: number, phone: string): Promise<readonly CardWithRefs[]> {
    return liveCardsByPhone(this.db, { chainId, phone });
  }

  cardById(chainId: number, cardId: number): Promise<CardWithRefs | undefined> {
    return liveCards(this.db).where('c.chain_id', '=', chainId).where('c.id', '=', cardId).executeTakeFirst();
  }

  /** The live card with these column values, if any. */
  private liveCard(match: {
    id?: number;
    chain_id?: number;
    card_type_id?: number;
    phone?: string;
    number?: string;
  }) {
    return this.db
      .selectFrom('cards')
      .select('id')
      .where((eb) => eb.and({ ...match, removed_at: null }))
      .executeTakeFirst();
  }

  liveCardExists(chainId: number, cardId: number) {
    return this.liveCard({ id: cardId, chain_id: chainId });
  }

  async typesHeldByPhone(chainId: number, phone: string): Promise<Set<number>> {
    const rows = await this.db
      .selectFrom('cards')
      .select('card_type_id')
      .where((eb) => eb.and({ chain_id: chainId, phone, removed_at: null }))
      .execute();
    return new Set(rows.map((r) => r.card_type_id));
  }

  liveCardOfType(typeId: number, phone: string) {
    return this.liveCard({ card_type_id: typeId, phone });
  }

  liveCardWithNumber(chainId: number, number: string) {
    return this.liveCard({ chain_id: chainId, number });
  }

  async insertCard(values: {
    chain_id: number;
    card_type_id: number;
    client_id: number;
    phone: string;
    number: string | null;
    issued_location_id: number;
  }): Promise<number> {
    const row = await this.db
      .insertInto('cards')
      .values({ ...values, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  setNumber(cardId: number, number: string) {
    return this.db.updateTable('cards').set({ number }).where('id', '=', cardId).execute();
  }

  async remove(chainId: number, cardId: number): Promise<boolean> {
    const result = await this.db
      .updateTable('cards')
      .set({ removed_at: nowIso() })
      .where('id', '=', cardId)
      .where('chain_id', '=', chainId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Ops 9 and 10: moves the card's balance by the row's amount, unless the card is not live in
   * the chain or the balance would go below zero, and writes the ledger row — both or neither.
   * The updated card, or undefined when nothing was written. The balance change is guarded in its
   * own statement (a withdrawal that would go below zero matches no row): no read-then-write, so
   * concurrent writers cannot lose an update. On PostgreSQL the pair is one statement, atomic
   * inside a transaction or not; on SQLite it is two, so the write runner (the `atomic` commit
   * mode, http/write.ts) always hands this a transaction there.
   */
  async applyManualTransaction(row: NewLedgerRow): Promise<CardFigures | undefined> {
    const values = Object.assign({ created_at: nowIso() }, row);
    if (postgresOf(this.db)) return (await applyManualTransaction(this.db, values))[0];
    if (!this.db.isTransaction) throw new Error('a manual transaction on SQLite needs a transaction');
    const [card] = await applyDelta(this.db, {
      chainId: row.chain_id,
      cardId: row.card_id,
      delta: row.amount_minor,
    });
    if (!card) return undefined;
    const [ledger] = await insertTransaction(this.db, values);
    if (!ledger) throw new Error('transaction insert returned no row');
    return card;
  }

  /**
   * A visit's ledger row (SPEC §6.6): the card's balance moves by the row's balance effect through
   * the same guarded update as a manual transaction, then the row is written; both run in the
   * caller's transaction (required on both dialects). Undefined, and nothing written, when the
   * card is not live in the chain (unless `removedToo`) or the balance would go below zero. The
   * row's id comes back with the card's figures.
   */
  async applyLedgerRow(
    row: LedgerRowValues,
    options: { removedToo?: boolean } = {},
  ): Promise<{ card: CardFigures; rowId: number } | undefined> {
    if (!this.db.isTransaction) throw new Error('a ledger row needs a transaction');
    const delta = { chainId: row.chain_id, cardId: row.card_id, delta: row.balance_effect_minor };
    const card = options.removedToo
      ? await guardedBalanceUpdate(this.db, delta, options).executeTakeFirst()
      : (await applyDelta(this.db, delta))[0];
    if (!card) return undefined;
    const [written] = await insertLedgerRow(this.db, { ...row, created_at: nowIso() });
    return { card, rowId: written!.id };
  }

  /**
   * Moves a card's visit counters (SPEC §6.3: a close adds, a reopen takes back) and answers its
   * figures after the change; undefined when the card is not live (unless `removedToo`: a reopen
   * takes back from a card removed since the close what the close added).
   */
  moveCounters(
    cardId: number,
    delta: { visits: number; sold_minor: number; paid_minor: number },
    options: { removedToo?: boolean } = {},
  ): Promise<CardFigures | undefined> {
    if (!options.removedToo) {
      return moveLiveCounters(this.db, { cardId, ...delta }).then((rows) => rows[0]);
    }
    return this.db
      .updateTable('cards')
      .set({
        visits_count: sql<number>`visits_count + ${delta.visits}`,
        sold_minor: sql<number>`sold_minor + ${delta.sold_minor}`,
        paid_minor: sql<number>`paid_minor + ${delta.paid_minor}`,
      })
      .where('id', '=', cardId)
      .$if(!options.removedToo, (qb) => qb.where('removed_at', 'is', null))
      .returning(CARD_FIGURE_COLUMNS)
      .executeTakeFirst();
  }
}
