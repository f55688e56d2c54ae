import { loyaltyTypeById } from './loyalty-types.js';
import type { Minor } from './money.js';

/**
 * The arithmetic of loyalty programs (SPEC §3 `max_discount_*`, §6.3 cashback), pure and in one
 * place: which value a card has reached under a program, and what a closed visit earns. Values
 * are in hundredths (a percent or an amount ×100, as program rules store them), money in minor
 * units; rounding is half-up, done on integers (BigInt where a product could pass 2^53).
 */

/** What the rules read of a program (a program row fits). */
export interface ProgramTerms {
  loyalty_type_id: number;
  /** 1 percent, 2 fixed amount. */
  value_unit_id: number;
  /** The program's own value, a whole percent or currency units (used when it has no rule). */
  value: number;
  visit_multiplicity: number;
}

/** What the rules read of a rule (a rule row fits). */
export interface RuleTerms {
  /** Threshold: visits, or whole currency units of the sold/paid amount; N for "every Nth visit". */
  parameter: number;
  value_hundredths: number;
}

/** A card's cumulative figures (a card row fits). */
export interface CardTotals {
  visits_count: number;
  sold_minor: Minor;
  paid_minor: Minor;
}

/** What a visit adds: the sold amount (Σ first_cost) and the paid amount (Σ money payments). */
export interface VisitTotals {
  sold_minor: Minor;
  paid_minor: Minor;
}

/** Which amount of the visit a cashback type (5–12) is a percent of. */
const CASHBACK_BASE: Readonly<Record<number, 'sold' | 'paid'>> = {
  5: 'sold',
  6: 'paid',
  7: 'paid',
  8: 'sold',
  9: 'paid',
  10: 'sold',
  11: 'sold',
  12: 'paid',
};

export function isCashbackType(loyaltyTypeId: number): boolean {
  return CASHBACK_BASE[loyaltyTypeId] !== undefined;
}

/** `numerator / denominator` rounded half-up, for non-negative integers, exactly. */
export function divideHalfUp(numerator: bigint, denominator: bigint): number {
  return Number((numerator * 2n + denominator) / (denominator * 2n));
}

/** `percentHundredths` % of `minor` (12.5 % is 1250), rounded half-up to the minor unit. */
export function percentOf(minor: Minor, percentHundredths: number): Minor {
  return divideHalfUp(BigInt(minor) * BigInt(percentHundredths), 10_000n);
}

/** A line's cost: `first_cost × (1 − discount/100)`, rounded half-up to the minor unit (SPEC §6.2 V4). */
export function discountedCost(firstCost: Minor, discountHundredths: number): Minor {
  return percentOf(firstCost, 10_000 - discountHundredths);
}

/**
 * The value (hundredths) a static or cumulative program gives a card with these figures: a static
 * one its first rule's value (its own `value` when it has no rule); a cumulative one the highest
 * value among the rules whose `parameter` the card has reached — visits, or the sold / paid amount
 * in whole currency units. `null` when no rule is reached, or for a type that is neither (11–13).
 */
export function reachedValue(
  program: ProgramTerms,
  rules: readonly RuleTerms[],
  card: CardTotals,
): number | null {
  const type = loyaltyTypeById(program.loyalty_type_id);
  if (type.is_static) return rules[0] ? rules[0].value_hundredths : program.value * 100;
  if (!type.is_accumulative) return null;
  const reached =
    type.basis === 'visits'
      ? card.visits_count
      : Math.floor((type.basis === 'sold' ? card.sold_minor : card.paid_minor) / 100);
  let best: number | null = null;
  for (const rule of rules) {
    if (rule.parameter <= reached && (best === null || rule.value_hundredths > best))
      best = rule.value_hundredths;
  }
  return best;
}

/**
 * "Every Nth visit" (types 11, 12): the highest value among the rules whose N divides the card's
 * new visit count. N is the rule's `parameter` when above 0, else the program's
 * `visit_multiplicity` when above 0, else 1. A program without rules is one rule of its own value.
 */
function everyNthValue(
  program: ProgramTerms,
  rules: readonly RuleTerms[],
  visitsAfter: number,
): number | null {
  const candidates = rules.length > 0 ? rules : [{ parameter: 0, value_hundredths: program.value * 100 }];
  let best: number | null = null;
  for (const rule of candidates) {
    const n =
      rule.parameter > 0 ? rule.parameter : program.visit_multiplicity > 0 ? program.visit_multiplicity : 1;
    if (visitsAfter % n === 0 && (best === null || rule.value_hundredths > best))
      best = rule.value_hundredths;
  }
  return best;
}

/**
 * SPEC §6.3: what closing a visit earns a card under a cashback program (types 5–12), in minor
 * units; 0 for any other type or when nothing is reached. `before` is the card's figures before
 * this visit (what cumulative rules read); `visit` is what the visit adds. A percent program gives
 * that percent of the visit's paid (types 6, 7, 9, 12) or sold (5, 8, 10, 11) amount, rounded
 * half-up; a fixed one gives its value whatever the amounts.
 */
export function cashbackAccrual(
  program: ProgramTerms,
  rules: readonly RuleTerms[],
  before: CardTotals,
  visit: VisitTotals,
): Minor {
  const base = CASHBACK_BASE[program.loyalty_type_id];
  if (base === undefined) return 0;
  const value =
    program.loyalty_type_id >= 11
      ? everyNthValue(program, rules, before.visits_count + 1)
      : reachedValue(program, rules, before);
  if (value === null || value <= 0) return 0;
  if (program.value_unit_id !== 1) return value;
  return percentOf(base === 'sold' ? visit.sold_minor : visit.paid_minor, value);
}

/**
 * SPEC §3: the largest discount the card earns now from discount programs (types 1–4): percent
 * programs feed the first figure, fixed amounts the second (hundredths; 0 when none).
 */
export function maxDiscountValues(
  card: CardTotals,
  programs: readonly { program: ProgramTerms; rules: readonly RuleTerms[] }[],
): { percent: number; amount: number } {
  let percent = 0;
  let amount = 0;
  for (const { program, rules } of programs) {
    if (program.loyalty_type_id < 1 || program.loyalty_type_id > 4) continue;
    const value = reachedValue(program, rules, card) ?? 0;
    if (program.value_unit_id === 1) percent = Math.max(percent, value);
    else amount = Math.max(amount, value);
  }
  return { percent, amount };
}
