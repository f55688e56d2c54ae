import { postgresOf, type Executor } from '../../db/database.js';
import type { VisitReferralRow } from '../../db/schema.js';
import { prepared } from '../../db/prepared.js';
import { nowIso } from '../../lib/time.js';

/** What applying the referral program in a visit records (migration 006 `visit_referrals`). */
export type VisitReferralValues = Omit<VisitReferralRow, 'id' | 'created_at'>;

/** The invited client's discount row: a type-1 ledger row of no card (SPEC §6.5), bound to an item. */
export interface InvitedRowValues {
  chain_id: number;
  location_id: number;
  amount_minor: number;
  partner_id: number;
  user_id: number | null;
  referral_program_id: number;
  visit_id: number;
  record_id: number;
  item_id: number;
}

/** What the close reads of every visit (accrueToReferrer), compiled once. */
const referralOfVisit = prepared((db, p: { visitId: number }) =>
  db.selectFrom('visit_referrals').selectAll().where('visit_id', '=', p.visitId),
);

/**
 * SQL for the referral program applied in a visit (V10): the `visit_referrals` row the close
 * reads, the invited client's discount rows, and what the "first visit at the location" rule
 * looks at. No business rules here.
 */
export class VisitReferralsRepository {
  constructor(private readonly db: Executor) {}

  /** What was applied in this visit, if anything (one per visit: `visit_id` is unique). */
  ofVisit(visitId: number) {
    return referralOfVisit(this.db, { visitId }).then((rows) => rows[0]);
  }

  async insert(values: VisitReferralValues): Promise<void> {
    await this.db
      .insertInto('visit_referrals')
      .values({ ...values, created_at: nowIso() })
      .execute();
  }

  /**
   * The invited client's discount row. It has no card, so it moves no balance (its balance effect
   * is 0): it is written as it is, not through the cards' guarded balance update.
   */
  async insertInvitedRow(values: InvitedRowValues): Promise<number> {
    const row = await this.db
      .insertInto('transactions')
      .values({
        ...values,
        card_id: null,
        type_id: 1,
        balance_effect_minor: 0,
        title: '',
        program_id: null,
        item_type_id: 1,
        is_discount: 1,
        is_loyalty_withdraw: 0,
        status_id: 1,
        cancels_id: null,
        created_at: nowIso(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * Takes the client's row for the rest of the transaction on PostgreSQL (`FOR UPDATE`): two
   * applies for visits of one client run one after the other, so the second sees the first's
   * `visit_referrals` row. SQLite runs one write transaction at a time anyway.
   */
  async lockClient(clientId: number): Promise<void> {
    const query = this.db.selectFrom('clients').select('id').where('id', '=', clientId);
    await (postgresOf(this.db) ? query.forUpdate() : query).execute();
  }

  /**
   * Another live visit at the location of a client with this phone that is closed, or that the
   * referral program was applied to; the lowest id first. Undefined when there is none.
   */
  otherVisitOfPhone(locationId: number, phone: string, visitId: number) {
    return this.db
      .selectFrom('visits as v')
      .innerJoin('clients as c', 'c.id', 'v.client_id')
      .select((eb) => [
        'v.id',
        'v.state',
        eb
          .exists(eb.selectFrom('visit_referrals as vr').select('vr.id').whereRef('vr.visit_id', '=', 'v.id'))
          .as('referred'),
      ])
      .where('v.location_id', '=', locationId)
      .where('c.phone', '=', phone)
      .where('v.id', '<>', visitId)
      .where('v.deleted_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('v.state', '=', 'closed'),
          eb.exists(
            eb.selectFrom('visit_referrals as vr').select('vr.id').whereRef('vr.visit_id', '=', 'v.id'),
          ),
        ]),
      )
      .orderBy('v.id')
      .limit(1)
      .executeTakeFirst();
  }
}
