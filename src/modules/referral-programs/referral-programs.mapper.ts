import type { ReferralProgramRow } from '../../db/schema.js';
import { toMajor } from '../../lib/money.js';
import type { ReferralProgramWire } from './referral-programs.schemas.js';

/** The one place a referral program row becomes its wire object. */
export function toReferralProgramWire(row: ReferralProgramRow): ReferralProgramWire {
  return {
    id: row.id,
    title: row.title,
    salon_group_id: row.chain_id,
    invited: { value: toMajor(row.invited_value_hundredths), value_unit_id: row.invited_value_unit_id },
    referrer: { value: toMajor(row.referrer_value_hundredths), value_unit_id: row.referrer_value_unit_id },
  };
}
