import { maxDiscountValues } from '../../lib/loyalty-rules.js';
import { loyaltyTypeById } from '../../lib/loyalty-types.js';
import { toMajor } from '../../lib/money.js';
import type { ProgramWithRules } from '../programs/programs.repository.js';
import type { CardFigures, CardWithRefs } from './cards.repository.js';
import type { CardBalanceWire, CardTypeWire, LoyaltyCardWire, ProgramWire } from './cards.schemas.js';

/** The one place rows become wire objects for the card operations. */

/**
 * Per program object: the setup cache (db/setup-cache.ts) hands every request the same objects
 * while the setup data is unchanged, so each is converted once. Shared: never mutate.
 */
const programWires = new WeakMap<ProgramWithRules, ProgramWire>();

function toProgramWire(source: ProgramWithRules): ProgramWire {
  let wire = programWires.get(source);
  if (!wire) programWires.set(source, (wire = programWire(source)));
  return wire;
}

function programWire({ program, rules }: ProgramWithRules): ProgramWire {
  const { id, title, is_discount, is_cashback, is_static, is_accumulative } = loyaltyTypeById(
    program.loyalty_type_id,
  );
  return {
    id: program.id,
    title: program.title,
    value: program.value,
    loyalty_type_id: program.loyalty_type_id,
    item_type_id: program.item_type_id,
    value_unit_id: program.value_unit_id,
    group_id: program.chain_id,
    loyalty_type: { id, title, is_discount, is_cashback, is_static, is_accumulative },
    rules: rules.map((rule) => ({
      id: rule.id,
      loyalty_program_id: rule.program_id,
      loyalty_type_id: program.loyalty_type_id,
      value: rule.value_hundredths / 100,
      parameter: rule.parameter,
    })),
  };
}

/** The figures both card shapes share (the full LoyaltyCard and the manual-transaction answer). */
function cardFigures(card: CardFigures) {
  return {
    id: card.id,
    balance: toMajor(card.balance_minor),
    points: card.points,
    paid_amount: toMajor(card.paid_minor),
    sold_amount: toMajor(card.sold_minor),
    visits_count: card.visits_count,
    number: card.number ?? '',
    type_id: card.card_type_id,
    salon_group_id: card.chain_id,
  };
}

// Object.assign rather than spreading `cardFigures(…)`: V8 runs that spread on a slow path, about
// 2.5 µs a card against 0.1 µs (every card answer, see docs/performance.md, change 7).
export function toCardWire(card: CardWithRefs, programs: readonly ProgramWithRules[]): LoyaltyCardWire {
  return Object.assign(cardFigures(card), {
    type: { id: card.card_type_id, title: card.type_title, salon_group_id: card.chain_id },
    salon_group: { id: card.chain_id, title: card.chain_title },
    programs: programs.map(toProgramWire),
  });
}

export function toCardTypeWire(type: {
  id: number;
  title: string;
  chain_id: number;
  chain_title: string;
}): CardTypeWire {
  return {
    id: type.id,
    title: type.title,
    salon_group_id: type.chain_id,
    salon_group: { id: type.chain_id, title: type.chain_title },
  };
}

/**
 * SPEC §3: with the largest discount the card earns now from the discount programs (types 1–4) of
 * its type (lib/loyalty-rules.ts, the arithmetic cashback shares), in percent and currency units.
 */
export function toBalanceWire(card: CardFigures, programs: readonly ProgramWithRules[]): CardBalanceWire {
  const reached = maxDiscountValues(card, programs);
  return Object.assign(cardFigures(card), {
    max_discount_percent: reached.percent / 100,
    max_discount_amount: reached.amount / 100,
  });
}
