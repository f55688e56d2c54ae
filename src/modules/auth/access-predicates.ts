import type { Expression, ExpressionBuilder } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * The access rules of SPEC §2 as SQL conditions, shared by the access checks (auth.repository)
 * and the lists that show what a caller reaches (locations, chains). One definition each, so a
 * list never shows what the check would refuse.
 */

type OnLocation = ExpressionBuilder<Database & { l: Database['locations'] }, 'l'>;
type OnChain = ExpressionBuilder<Database & { c: Database['chains'] }, 'c'>;

/** Whether the partner is connected to location `l`. */
export const partnerConnected = (eb: OnLocation, partnerId: number | Expression<number>) =>
  eb.exists(
    eb
      .selectFrom('partner_locations as pl')
      .select('pl.location_id')
      .whereRef('pl.location_id', '=', 'l.id')
      .where('pl.partner_id', '=', partnerId),
  );

/** Whether the user is granted location `l`. */
export const userGranted = (eb: OnLocation, userId: number | Expression<number | null>) =>
  eb.exists(
    eb
      .selectFrom('user_locations as ul')
      .select('ul.location_id')
      .whereRef('ul.location_id', '=', 'l.id')
      .where('ul.user_id', '=', userId),
  );

/** Whether the partner reaches chain `c`: it is connected to a live location of it. */
export const partnerReachesChain = (eb: OnChain, partnerId: number) =>
  eb.exists(
    eb
      .selectFrom('partner_locations as pl')
      .innerJoin('locations as l', 'l.id', 'pl.location_id')
      .select('pl.location_id')
      .whereRef('l.chain_id', '=', 'c.id')
      .where('l.deleted_at', 'is', null)
      .where('pl.partner_id', '=', partnerId),
  );

/** Whether the user is granted chain `c`. */
export const userGrantedChain = (eb: OnChain, userId: number) =>
  eb.exists(
    eb
      .selectFrom('user_chains as uc')
      .select('uc.chain_id')
      .whereRef('uc.chain_id', '=', 'c.id')
      .where('uc.user_id', '=', userId),
  );
