import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { writeTransaction } from '../../src/db/group-commit.js';
import { ProgramsRepository } from '../../src/modules/programs/programs.repository.js';
import { createServices, type Services } from '../../src/services.js';
import { describeEachDialect, type TestContext } from '../helpers/app.js';
import { openMigrated } from '../helpers/databases.js';

/**
 * The setup data (tenancy, access, card types, programs, rules) is kept in memory
 * (db/setup-cache.ts), verified against the trigger-moved `setup_version` row: on SQLite once
 * per read snapshot, on PostgreSQL once per epoch. These tests assert observable behaviour only:
 * every change, by this process or by another one, shows on the next request.
 *
 * "Another process" is a second database handle on the same database, with its own services
 * (on SQLite: its own writer and reader connections, its own setup cache). No test waits for a
 * new event-loop turn after a change: a request must see it whenever it arrives.
 */

type World = Awaited<ReturnType<TestContext['factory']['world']>>;

/** Lets the current event-loop turn end. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describeEachDialect('setup data cache', (ctx) => {
  let other: DatabaseHandle;
  let otherServices: Services;

  beforeAll(async () => {
    other = await openMigrated(ctx.url);
    otherServices = createServices(other);
  });
  afterAll(async () => {
    await other?.close();
  });

  /** Op 2 for the world's phone at its location (chain 0: the location's chain). */
  const cards = (w: World, authorization = w.auth) =>
    ctx.api('GET', `/loyalty/cards/${w.phone}/0/${w.locationId}`, authorization);

  /** A world with one program and a card of its type held by the world's phone. */
  async function worldWithCard(): Promise<World & { programId: number }> {
    const w = await ctx.factory.world({ programs: true });
    const issued = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: w.cardTypeId,
      phone: w.phone,
    });
    expect(issued.statusCode).toBe(200);
    return { ...w, programId: w.programId! };
  }

  /** The one card of op 2, after checking the answer (twice: the second may come from memory). */
  async function theCard(w: World) {
    let card: any;
    for (let i = 0; i < 2; i++) {
      const res = await cards(w);
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toHaveLength(1);
      card = res.json().data[0];
    }
    return card;
  }

  const programsOf = (card: any) =>
    card.programs.map((p: any) => ({ title: p.title, values: p.rules.map((r: any) => r.value) }));

  it('a user token revoked by another process is refused on the next request; the new one works', async () => {
    const w = await ctx.factory.world();
    expect((await cards(w)).statusCode).toBe(200);
    expect((await cards(w)).statusCode).toBe(200);

    const token = await otherServices.auth.rotateUserToken(w.user.id);
    expect((await cards(w)).statusCode).toBe(401);
    const renewed = `Bearer ${w.partner.token}, User ${token}`;
    expect((await cards(w, renewed)).statusCode).toBe(200);
    expect((await cards(w, renewed)).statusCode).toBe(200);

    // A plain DELETE by another process (a SQL console, the admin CLI) counts as well.
    await other.db.deleteFrom('user_tokens').where('user_id', '=', w.user.id).execute();
    expect((await cards(w, renewed)).statusCode).toBe(401);
    // A refusal is not kept either: a token issued afterwards works at once.
    const issued = await otherServices.auth.issueUserToken(w.user.id);
    expect((await cards(w, `Bearer ${w.partner.token}, User ${issued}`)).statusCode).toBe(200);
  });

  it('a read snapshot opened outside a request does not serve a request that arrives later', async () => {
    const w = await ctx.factory.world();
    expect((await cards(w)).statusCode).toBe(200);
    // A check-phase callback (as a group commit is) reads, which on SQLite opens a snapshot that
    // the end of the turn would only close after the next poll phase; the token changes meanwhile.
    const status = await new Promise<number>((resolve, reject) => {
      setImmediate(() => {
        ctx.services.auth
          .authorize(
            w.auth,
            'partnerUser',
            { location: 'location_id' },
            { location_id: String(w.locationId) },
          )
          .then(() => otherServices.auth.rotateUserToken(w.user.id))
          // A timer of the next iteration runs before its poll phase: the snapshot is still open.
          .then(() => setTimeout(() => void cards(w).then((res) => resolve(res.statusCode), reject), 0))
          .catch(reject);
      });
    });
    expect(status).toBe(401);
  });

  it('a partner token rotated by another process is refused on the next request', async () => {
    const w = await ctx.factory.world();
    expect((await cards(w)).statusCode).toBe(200);
    const token = await otherServices.setup.rotatePartnerToken(w.partner.id);
    expect((await cards(w)).statusCode).toBe(401);
    expect((await cards(w, `Bearer ${token}, User ${w.user.token}`)).statusCode).toBe(200);
  });

  it('a location grant removed by another process is refused (403) on the next request; given back, 200', async () => {
    const w = await ctx.factory.world();
    expect((await cards(w)).statusCode).toBe(200);
    expect((await cards(w)).statusCode).toBe(200);

    await other.db
      .deleteFrom('user_locations')
      .where('user_id', '=', w.user.id)
      .where('location_id', '=', w.locationId)
      .execute();
    expect((await cards(w)).statusCode).toBe(403);
    expect((await cards(w)).statusCode).toBe(403);

    await otherServices.setup.grantUser(w.user.id, { locationId: w.locationId });
    expect((await cards(w)).statusCode).toBe(200);

    // The partner's connection to the location counts the same way.
    await other.db
      .deleteFrom('partner_locations')
      .where('partner_id', '=', w.partner.id)
      .where('location_id', '=', w.locationId)
      .execute();
    expect((await cards(w)).statusCode).toBe(403);
  });

  it('a program title, a rule value and a card type title changed by another process show on the next card answer', async () => {
    const w = await worldWithCard();
    const card = await theCard(w);
    expect(card.type.title).toBe('Test card');
    expect(programsOf(card)).toEqual([{ title: 'Cumulative 5/10', values: [5, 10] }]);

    await other.db
      .updateTable('programs')
      .set({ title: 'Renamed elsewhere' })
      .where('id', '=', w.programId)
      .execute();
    expect(programsOf(await theCard(w))).toEqual([{ title: 'Renamed elsewhere', values: [5, 10] }]);

    await other.db
      .updateTable('program_rules')
      .set({ value_hundredths: 700 })
      .where('program_id', '=', w.programId)
      .where('parameter', '=', 0)
      .execute();
    expect(programsOf(await theCard(w))).toEqual([{ title: 'Renamed elsewhere', values: [7, 10] }]);

    await other.db
      .updateTable('card_types')
      .set({ title: 'Type renamed elsewhere' })
      .where('id', '=', w.cardTypeId)
      .execute();
    expect((await theCard(w)).type.title).toBe('Type renamed elsewhere');

    // The program no longer active at the location: gone from the card.
    await other.db.deleteFrom('program_locations').where('program_id', '=', w.programId).execute();
    expect(programsOf(await theCard(w))).toEqual([]);
  });

  it('changes made through this app (HTTP and its own services) show on the next request', async () => {
    const w = await worldWithCard();
    expect(programsOf(await theCard(w))).toEqual([{ title: 'Cumulative 5/10', values: [5, 10] }]);

    const put = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/programs/${w.programId}`, w.auth, {
      title: 'Renamed here',
    });
    expect(put.statusCode).toBe(200);
    expect(programsOf(await theCard(w))).toEqual([{ title: 'Renamed here', values: [5, 10] }]);

    const rules = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/programs/${w.programId}`, w.auth, {
      rules: [
        { value: 6, parameter: 0 },
        { value: 12, parameter: 3 },
      ],
    });
    expect(rules.statusCode).toBe(200);
    expect(programsOf(await theCard(w))).toEqual([{ title: 'Renamed here', values: [6, 12] }]);

    const type = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/card_types/${w.cardTypeId}`, w.auth, {
      title: 'Type renamed here',
    });
    expect(type.statusCode).toBe(200);
    expect((await theCard(w)).type.title).toBe('Type renamed here');

    // A plain query on this app's own database handle, outside any service.
    await ctx.database.db
      .updateTable('programs')
      .set({ title: 'Renamed by SQL' })
      .where('id', '=', w.programId)
      .execute();
    expect(programsOf(await theCard(w))).toEqual([{ title: 'Renamed by SQL', values: [6, 12] }]);

    // Access, through this app's services.
    const token = await ctx.services.auth.rotateUserToken(w.user.id);
    expect((await cards(w)).statusCode).toBe(401);
    const renewed = `Bearer ${w.partner.token}, User ${token}`;
    expect((await cards(w, renewed)).statusCode).toBe(200);
    await ctx.database.db
      .deleteFrom('user_locations')
      .where('user_id', '=', w.user.id)
      .where('location_id', '=', w.locationId)
      .execute();
    expect((await cards(w, renewed)).statusCode).toBe(403);
  });

  it('a write answer (op 9) already uses a rule value changed by another process', async () => {
    const w = await worldWithCard();
    const [{ id: cardId }] = (await cards(w)).json().data;
    const topUp = async () => {
      const res = await ctx.manualTransaction({ location: w.locationId }, cardId, w.auth, { amount: 1 });
      expect(res.statusCode).toBe(200);
      return res.json().data.max_discount_percent;
    };
    expect(await topUp()).toBe(5);
    expect(await topUp()).toBe(5);

    await other.db
      .updateTable('program_rules')
      .set({ value_hundredths: 700 })
      .where('program_id', '=', w.programId)
      .where('parameter', '=', 0)
      .execute();
    expect(await topUp()).toBe(7);
  });

  // Reads of the programs of card types inside and outside a transaction that changes them.
  const titles = (programs: ReadonlyMap<number, readonly { program: { title: string } }[]>, typeId: number) =>
    (programs.get(typeId) ?? []).map((p) => p.program.title);
  const values = (
    programs: ReadonlyMap<number, readonly { rules: readonly { value_hundredths: number }[] }[]>,
    typeId: number,
  ) => (programs.get(typeId) ?? []).flatMap((p) => p.rules.map((r) => r.value_hundredths));

  it('inside a transaction its own change is read; outside, the committed data until it commits', async () => {
    const w = await ctx.factory.world({ programs: true });
    const read = (executor: ConstructorParameters<typeof ProgramsRepository>[0]) =>
      new ProgramsRepository(executor).forCardTypes([w.cardTypeId], w.locationId);
    const outside = () => read(ctx.database.db);

    // Twice: the second read may be served from memory.
    expect(titles(await outside(), w.cardTypeId)).toEqual(['Cumulative 5/10']);
    expect(titles(await outside(), w.cardTypeId)).toEqual(['Cumulative 5/10']);

    await ctx.database.db.transaction().execute(async (trx) => {
      expect(titles(await read(trx), w.cardTypeId)).toEqual(['Cumulative 5/10']);
      await trx.updateTable('programs').set({ title: 'Inside' }).where('id', '=', w.programId!).execute();
      expect(titles(await read(trx), w.cardTypeId)).toEqual(['Inside']);
      expect(titles(await read(trx), w.cardTypeId)).toEqual(['Inside']);
      // On SQLite this read goes to the reader connection (it must not wait for the writer, which
      // this transaction holds); on PostgreSQL to another connection of the pool.
      expect(titles(await outside(), w.cardTypeId)).toEqual(['Cumulative 5/10']);
      await nextTurn();
      expect(titles(await outside(), w.cardTypeId)).toEqual(['Cumulative 5/10']);
      expect(titles(await read(trx), w.cardTypeId)).toEqual(['Inside']);
    });
    // Committed: the very next read, in the same turn, sees it.
    expect(titles(await outside(), w.cardTypeId)).toEqual(['Inside']);
    expect(titles(await outside(), w.cardTypeId)).toEqual(['Inside']);
  });

  it('a write of this process, even an unrelated one, lets the next read see setup changes made elsewhere', async () => {
    const w = await ctx.factory.world({ programs: true });
    const outside = async () =>
      titles(
        await new ProgramsRepository(ctx.database.db).forCardTypes([w.cardTypeId], w.locationId),
        w.cardTypeId,
      );
    expect(await outside()).toEqual(['Cumulative 5/10']);
    // No turn passes between these steps (on SQLite the reader's snapshot is open):
    // releasing this process's writer is what makes the next read take a new look.
    await other.db
      .updateTable('programs')
      .set({ title: 'Elsewhere' })
      .where('id', '=', w.programId!)
      .execute();
    await ctx.database.db
      .insertInto('login_failures')
      .values({ login: `nobody-${w.user.id}`, created_at: new Date().toISOString() })
      .execute();
    expect(await outside()).toEqual(['Elsewhere']);
  });

  it('a rolled-back change is never served, inside or outside', async () => {
    const w = await ctx.factory.world({ programs: true });
    const read = (executor: ConstructorParameters<typeof ProgramsRepository>[0]) =>
      new ProgramsRepository(executor).forCardTypes([w.cardTypeId], w.locationId);
    const outside = () => read(ctx.database.db);
    expect(titles(await outside(), w.cardTypeId)).toEqual(['Cumulative 5/10']);

    const failure = new Error('roll it back');
    await expect(
      ctx.database.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('programs')
          .set({ title: 'Rolled back' })
          .where('id', '=', w.programId!)
          .execute();
        expect(titles(await read(trx), w.cardTypeId)).toEqual(['Rolled back']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(titles(await outside(), w.cardTypeId)).toEqual(['Cumulative 5/10']);
    expect(titles(await outside(), w.cardTypeId)).toEqual(['Cumulative 5/10']);
    await ctx.database.db.transaction().execute(async (trx) => {
      expect(titles(await read(trx), w.cardTypeId)).toEqual(['Cumulative 5/10']);
    });
  });

  it('writeTransaction: the work reads its own rule change; others read it once it resolved', async () => {
    const w = await ctx.factory.world({ programs: true });
    const read = (executor: ConstructorParameters<typeof ProgramsRepository>[0]) =>
      new ProgramsRepository(executor).forCardTypes([w.cardTypeId], w.locationId);
    const outside = () => read(ctx.database.db);
    expect(values(await outside(), w.cardTypeId)).toEqual([500, 1000]);

    const result = await writeTransaction(ctx.database.db, async (trx) => {
      expect(values(await read(trx), w.cardTypeId)).toEqual([500, 1000]);
      await trx
        .updateTable('program_rules')
        .set({ value_hundredths: 800 })
        .where('program_id', '=', w.programId!)
        .where('parameter', '=', 0)
        .execute();
      expect(values(await read(trx), w.cardTypeId)).toEqual([800, 1000]);
      expect(values(await outside(), w.cardTypeId)).toEqual([500, 1000]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(values(await outside(), w.cardTypeId)).toEqual([800, 1000]);
  });

  it('kept answers are shared read-only: authorization results are frozen, reads stay equal', async () => {
    const w = await ctx.factory.world({ programs: true });
    const rule = { location: 'location_id' };
    const params = { location_id: String(w.locationId) };
    const first = await ctx.services.auth.authorize(w.auth, 'partnerUser', rule, params);
    const second = await ctx.services.auth.authorize(w.auth, 'partnerUser', rule, params);
    expect(second).toEqual(first);
    expect(first.auth.user?.id).toBe(w.user.id);
    // ESM test files are strict: assigning to a frozen object throws.
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first.auth as { partnerId: number }).partnerId = 0;
    }).toThrow(TypeError);
    expect(() => {
      (first.scope as { location?: unknown }).location = undefined;
    }).toThrow(TypeError);
    expect(() => {
      (first.auth.user as { phone: string }).phone = '';
    }).toThrow(TypeError);
    const third = await ctx.services.auth.authorize(w.auth, 'partnerUser', rule, params);
    expect(third.auth.partnerId).toBe(w.partner.id);
    expect(third.scope.location?.id).toBe(w.locationId);

    const read = () => new ProgramsRepository(ctx.database.db).forCardTypes([w.cardTypeId], w.locationId);
    const a = await read();
    const b = await read();
    expect(b).toEqual(a);
    const [entry] = a.get(w.cardTypeId)!;
    expect(entry!.program.title).toBe('Cumulative 5/10');
    expect(entry!.rules.map((r) => r.value_hundredths)).toEqual([500, 1000]);
    // Answers are frozen deeply on every dialect (kept on SQLite, built anew on PostgreSQL).
    expect(() => {
      (entry!.rules[0] as { value_hundredths: number }).value_hundredths = 1;
    }).toThrow(TypeError);
    expect(() => {
      (entry!.program as { title: string }).title = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (a.get(w.cardTypeId) as unknown[]).push(entry);
    }).toThrow(TypeError);
    expect(values(await read(), w.cardTypeId)).toEqual([500, 1000]);
  });
});
