import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';

describeEachDialect('card types (extension)', (ctx) => {
  const ids = (res: { json: () => any }) => res.json().data.map((x: { id: number }) => x.id);

  it('POST creates a card type with its locations and promotions; the card operations list it', async () => {
    const w = await ctx.factory.world({ programs: true });
    const res = await ctx.api('POST', `/chain/${w.chainId}/loyalty/card_types`, w.auth, {
      title: 'Gold',
      company_ids: [String(w.locationId)],
      loyalty_program_ids: [w.programId],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      success: true,
      data: {
        id: expect.any(Number),
        title: 'Gold',
        salon_group_id: w.chainId,
        salon_group: { id: w.chainId, title: 'Test chain' },
        company_ids: [w.locationId],
        loyalty_program_ids: [w.programId],
      },
      meta: [],
    });
    const id = res.json().data.id;
    expect(ids(await ctx.api('GET', `/chain/${w.chainId}/loyalty/card_types`, w.partnerAuth))).toEqual([
      w.cardTypeId,
      id,
    ]);
    expect(ids(await ctx.api('GET', `/loyalty/card_types/salon/${w.locationId}`, w.auth))).toEqual([
      w.cardTypeId,
      id,
    ]);
    const read = await ctx.api('GET', `/chain/${w.chainId}/loyalty/card_types/${id}`, w.auth);
    expect(read.json().data).toEqual(res.json().data);

    const issued = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: id,
      phone: uniquePhone(),
    });
    expect(issued.statusCode).toBe(200);
    expect(issued.json().data.programs.map((p: { id: number }) => p.id)).toEqual([w.programId]);
  });

  it('POST validation: fields named; ids must be live entities of this chain', async () => {
    const w = await ctx.factory.world();
    const other = await ctx.factory.world({ programs: true });
    const create = (payload: unknown) =>
      ctx.api('POST', `/chain/${w.chainId}/loyalty/card_types`, w.auth, payload);
    const missing = await create({});
    expect(missing.statusCode).toBe(422);
    expect(missing.json().meta.errors).toHaveProperty('title');
    const cases: [Record<string, unknown>, string][] = [
      [{ title: '' }, 'title'],
      [{ title: '   ' }, 'title'],
      [{ company_ids: [other.locationId] }, 'company_ids'],
      [{ company_ids: ['abc'] }, 'company_ids.0'],
      [{ company_ids: 5 }, 'company_ids'],
      [{ loyalty_program_ids: [other.programId] }, 'loyalty_program_ids'],
      [{ loyalty_program_ids: [18005] }, 'loyalty_program_ids'],
    ];
    for (const [fields, field] of cases) {
      const res = await create({ title: 'T', ...fields });
      expect(res.statusCode, field).toBe(422);
      expect(res.json().meta.errors, field).toHaveProperty([field]);
    }
  });

  it('PUT changes title, locations and promotions; the card operations follow at once', async () => {
    const w = await ctx.factory.world({ programs: true });
    const renamed = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/card_types/${w.cardTypeId}`, w.auth, {
      title: 'Renamed',
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().data).toMatchObject({
      title: 'Renamed',
      company_ids: [w.locationId],
      loyalty_program_ids: [w.programId],
    });

    const phone = uniquePhone();
    await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: w.cardTypeId,
      phone,
    });
    const unlinked = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/card_types/${w.cardTypeId}`, w.auth, {
      loyalty_program_ids: [],
    });
    expect(unlinked.json().data.loyalty_program_ids).toEqual([]);
    const cards = await ctx.api('GET', `/loyalty/cards/${phone}/${w.chainId}/${w.locationId}`, w.auth);
    expect(cards.json().data[0]).toMatchObject({ type: { title: 'Renamed' }, programs: [] });

    await ctx.api('PUT', `/chain/${w.chainId}/loyalty/card_types/${w.cardTypeId}`, w.auth, {
      company_ids: [],
    });
    expect(ids(await ctx.api('GET', `/loyalty/card_types/salon/${w.locationId}`, w.auth))).toEqual([]);
    const refused = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: w.cardTypeId,
      phone: uniquePhone(),
    });
    expect(refused.statusCode).toBe(422);

    const bad = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/card_types/${w.cardTypeId}`, w.auth, {
      company_ids: [DEMO.locationId],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().meta.errors).toHaveProperty('company_ids');
  });

  it('DELETE: 204; the type leaves every list, issued cards keep it', async () => {
    const w = await ctx.factory.world();
    const phone = uniquePhone();
    const card = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: w.cardTypeId,
      phone,
    });
    const res = await ctx.api('DELETE', `/chain/${w.chainId}/loyalty/card_types/${w.cardTypeId}`, w.auth);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(ids(await ctx.api('GET', `/chain/${w.chainId}/loyalty/card_types`, w.partnerAuth))).toEqual([]);
    expect(
      (await ctx.api('GET', `/chain/${w.chainId}/loyalty/card_types/${w.cardTypeId}`, w.auth)).statusCode,
    ).toBe(404);
    expect(
      (await ctx.api('DELETE', `/chain/${w.chainId}/loyalty/card_types/${w.cardTypeId}`, w.auth)).statusCode,
    ).toBe(404);
    const cards = await ctx.api('GET', `/loyalty/cards/${phone}/${w.chainId}/${w.locationId}`, w.auth);
    expect(ids(cards)).toEqual([card.json().data.id]);
  });

  it('another chain card type is 404; a chain not granted is 403', async () => {
    const w = await ctx.factory.world();
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await ctx.api(
        method,
        `/chain/${w.chainId}/loyalty/card_types/10992`,
        w.auth,
        method === 'PUT' ? { title: 'x' } : undefined,
      );
      expect(res.statusCode, method).toBe(404);
    }
    expect(
      (await ctx.api('POST', `/chain/${DEMO.chainId}/loyalty/card_types`, w.auth, { title: 'x' })).statusCode,
    ).toBe(403);
    expect(
      (await ctx.api('POST', `/chain/${DEMO.otherChainId}/loyalty/card_types`, DEMO_AUTH, { title: 'x' }))
        .statusCode,
    ).toBe(403);
  });
});
