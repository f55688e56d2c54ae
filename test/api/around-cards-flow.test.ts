import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';

/**
 * A sandbox set up over HTTP only (no CLI beyond the chain, partner and user): a location, a
 * client, a promotion and a card type, then a card issued to the client showing the promotion.
 */
describeEachDialect('around the cards: the whole flow over HTTP', (ctx) => {
  it('location → client → promotion → card type → card with the promotion', async () => {
    const w = await ctx.factory.world();

    const location = await ctx.api('POST', '/companies', w.auth, {
      title: 'Flow location',
      group_id: w.chainId,
    });
    expect(location.statusCode).toBe(201);
    const locationId: number = location.json().data.id;

    const phone = uniquePhone();
    const client = await ctx.api('POST', `/clients/${locationId}`, w.auth, {
      name: 'Flow client',
      phone: `+${phone}`,
    });
    expect(client.statusCode).toBe(201);
    const clientId: number = client.json().data.id;

    const promotion = await ctx.api('POST', `/chain/${w.chainId}/loyalty/programs`, w.auth, {
      title: 'Visits discount',
      type: 'discount_accumulative_visits',
      value_unit: 'percent',
      service_item_type: 'any_allowed',
      good_item_type: 'any_allowed',
      company_ids: [locationId],
      rules: [
        { parameter: 0, value: 5 },
        { parameter: 5, value: 7.5 },
      ],
    });
    expect(promotion.statusCode).toBe(200);
    const programId: number = promotion.json().data.id;

    const cardType = await ctx.api('POST', `/chain/${w.chainId}/loyalty/card_types`, w.auth, {
      title: 'Flow card',
      company_ids: [locationId],
      loyalty_program_ids: [programId],
    });
    expect(cardType.statusCode).toBe(201);
    const cardTypeId: number = cardType.json().data.id;

    const issued = await ctx.api('POST', `/loyalty/cards/${locationId}`, w.auth, {
      loyalty_card_type_id: cardTypeId,
      phone,
    });
    expect(issued.statusCode).toBe(200);
    const card = issued.json().data;
    expect(card).toMatchObject({
      type_id: cardTypeId,
      salon_group_id: w.chainId,
      type: { id: cardTypeId, title: 'Flow card', salon_group_id: w.chainId },
      programs: [
        {
          id: programId,
          title: 'Visits discount',
          loyalty_type_id: 2,
          value_unit_id: 1,
          group_id: w.chainId,
          loyalty_type: { id: 2, is_discount: true, is_accumulative: true },
          rules: [
            { loyalty_program_id: programId, parameter: 0, value: 5 },
            { loyalty_program_id: programId, parameter: 5, value: 7.5 },
          ],
        },
      ],
    });

    // The card belongs to the client added over HTTP, and the client's cards show the promotion.
    const ofClient = await ctx.api('GET', `/loyalty/client_cards/${clientId}`, w.auth);
    expect(ofClient.statusCode).toBe(200);
    expect(ofClient.json().data).toMatchObject([{ id: card.id, programs: [{ id: programId }] }]);
    const chainClients = await ctx.api('GET', `/group/${w.chainId}/clients?phone=${phone}`, w.auth);
    expect(chainClients.json().data.clients).toEqual([
      { id: clientId, company_id: locationId, name: 'Flow client', email: '' },
    ]);
    const active = await ctx.api('GET', `/company/${locationId}/loyalty/programs/search`, w.auth);
    expect(active.json().data.map((p: { id: number }) => p.id)).toEqual([programId]);
  });
});
