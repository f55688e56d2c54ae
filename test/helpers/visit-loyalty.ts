import type { TestContext } from './app.js';

/** The four V8/V9 operations (SPEC §6.2), by what they do. */
export type LoyaltyOperation = 'applyDiscount' | 'cancelDiscount' | 'applyWithdrawal' | 'cancelWithdrawal';

/** The path of a `/visit/loyalty/*` write: discounts name the card and the program, withdrawals the card. */
export function loyaltyPath(
  operation: LoyaltyOperation,
  locationId: number,
  cardId: number,
  programId?: number,
): string {
  switch (operation) {
    case 'applyDiscount':
      return `/visit/loyalty/apply_discount_program/${locationId}/${cardId}/${programId}`;
    case 'cancelDiscount':
      return `/visit/loyalty/cancel_discount_program/${locationId}/${cardId}/${programId}`;
    case 'applyWithdrawal':
      return `/visit/loyalty/apply_card_withdrawal/${locationId}/${cardId}`;
    case 'cancelWithdrawal':
      return `/visit/loyalty/cancel_card_withdrawal/${locationId}/${cardId}`;
  }
}

/** A `/visit/loyalty/*` write through `ctx.request` (checked against the document), optionally keyed. */
export function visitLoyalty(
  ctx: TestContext,
  auth: string,
  path: string,
  body: Record<string, unknown>,
  key?: string,
) {
  return ctx.request({
    method: 'POST',
    url: `/api/v1${path}`,
    headers: { authorization: auth, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: body as never,
  });
}

/** The body every `/visit/loyalty/*` write names its visit with. */
export const visitTarget = (appointment: { id: number; visit_id: number }) => ({
  record_id: appointment.id,
  visit_id: appointment.visit_id,
});
