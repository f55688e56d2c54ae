import { expect, it, vi } from 'vitest';
import type { Executor } from '../../src/db/database.js';
import { CardsRepository } from '../../src/modules/cards/cards.repository.js';
import { describeEachDialect, type TestContext } from '../helpers/app.js';
import { manualTransactionPath } from '../helpers/cards.js';
import { uniquePhone } from '../helpers/factory.js';
import { KEY_TTL_SECONDS } from '../../src/http/idempotency.js';
import { isoPlusSeconds } from '../../src/lib/time.js';

type World = Awaited<ReturnType<TestContext['factory']['world']>>;

async function worldWithCard(ctx: TestContext, openingAmount = 0) {
  const world = await ctx.factory.world();
  const cardId = await ctx.issueCard(world);
  if (openingAmount) await move(ctx, { ...world, cardId }, { amount: openingAmount });
  return { ...world, cardId };
}

type CardWorld = World & { cardId: number };

function move(ctx: TestContext, world: CardWorld, payload: unknown, key?: string, auth = world.auth) {
  return ctx.manualTransaction({ location: world.locationId }, world.cardId, auth, payload, key);
}

function keyRow(ctx: TestContext, partnerId: number, key: string) {
  return ctx.database.db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('key', '=', key)
    .executeTakeFirst();
}

const transient = (code: string) => Object.assign(new Error(`simulated ${code}`), { code });

describeEachDialect('Idempotency-Key', (ctx) => {
  it('replays the first answer, status and body, with Idempotency-Replayed: true and no new effect', async () => {
    const world = await worldWithCard(ctx);
    const first = await move(ctx, world, { amount: 12.5, title: 'once' }, 'k-replay');
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    expect(first.json().data.balance).toBe(12.5);

    const again = await move(ctx, world, { amount: 12.5, title: 'once' }, 'k-replay');
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(again.body).toBe(first.body);
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 1250, ledger: 1250, rows: 1 });

    // Key order and formatting of the JSON body do not make another request.
    const reordered = await ctx.request({
      method: 'POST',
      url: `/api/v1${manualTransactionPath({ location: world.locationId }, world.cardId)}`,
      headers: {
        authorization: world.auth,
        'idempotency-key': 'k-replay',
        'content-type': 'application/json',
      },
      payload: '{ "title": "once",\n  "amount": 12.5 }',
    });
    expect(reordered.statusCode).toBe(200);
    expect(reordered.headers['idempotency-replayed']).toBe('true');
    expect(reordered.body).toBe(first.body);

    const row = await keyRow(ctx, world.partner.id, 'k-replay');
    expect(row).toMatchObject({ state: 'done', status_code: 200, body: first.body });
    const ttl = (Date.parse(row!.expires_at) - Date.parse(row!.created_at)) / 1000;
    expect(ttl).toBe(KEY_TTL_SECONDS);
  });

  it('answers 422 when the key was used with a different request', async () => {
    const world = await worldWithCard(ctx);
    expect((await move(ctx, world, { amount: 5 }, 'k-diff')).statusCode).toBe(200);
    const cases = [
      () => move(ctx, world, { amount: 6 }, 'k-diff'),
      () => move(ctx, world, { amount: 5, title: 'other' }, 'k-diff'),
      () =>
        ctx.manualTransaction({ chain: world.chainId }, world.cardId, world.auth, { amount: 5 }, 'k-diff'),
      () =>
        ctx.request({
          method: 'DELETE',
          url: `/api/v1/loyalty/cards/${world.locationId}/${world.cardId}`,
          headers: { authorization: world.auth, 'idempotency-key': 'k-diff' },
        }),
    ];
    for (const send of cases) {
      const res = await send();
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual({
        success: false,
        data: null,
        meta: {
          message: 'Idempotency-Key was already used with a different request.',
          errors: { 'Idempotency-Key': ['Idempotency-Key was already used with a different request.'] },
        },
      });
    }
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 500, ledger: 500, rows: 1 });
  });

  it('answers 409 while the first request runs, and takes over a claim whose holder died', async () => {
    const world = await worldWithCard(ctx);
    // A request that is still running: its claim is stored, its answer is not yet.
    expect((await move(ctx, world, { amount: 1 }, 'k-running')).statusCode).toBe(200);
    await ctx.database.db
      .updateTable('idempotency_keys')
      .set({ state: 'running', status_code: null, body: null, locked_until: isoPlusSeconds(30) })
      .where('partner_id', '=', world.partner.id)
      .where('key', '=', 'k-running')
      .execute();
    const busy = await move(ctx, world, { amount: 1 }, 'k-running');
    expect(busy.statusCode).toBe(409);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json().meta.message).toBe('A request with this Idempotency-Key is still being processed.');
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 100, ledger: 100, rows: 1 });

    // A claim whose process died: its effect never committed (here: a refused withdrawal, then
    // the claim put back to "running" with its lease passed). A retry takes it over and runs.
    expect((await move(ctx, world, { amount: -5 }, 'k-orphan')).statusCode).toBe(422);
    await ctx.database.db
      .updateTable('idempotency_keys')
      .set({ state: 'running', status_code: null, body: null, locked_until: isoPlusSeconds(-1) })
      .where('partner_id', '=', world.partner.id)
      .where('key', '=', 'k-orphan')
      .execute();
    await move(ctx, world, { amount: 10 });
    const taken = await move(ctx, world, { amount: -5 }, 'k-orphan');
    expect(taken.statusCode).toBe(200);
    expect(taken.headers['idempotency-replayed']).toBeUndefined();
    expect(taken.json().data.balance).toBe(6);
    const replay = await move(ctx, world, { amount: -5 }, 'k-orphan');
    expect(replay.headers['idempotency-replayed']).toBe('true');
    expect(replay.body).toBe(taken.body);
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 600, ledger: 600, rows: 3 });
  });

  it('never commits the effect of a holder whose claim was taken over', async () => {
    const world = await worldWithCard(ctx);
    const cards = ctx.services.cards;
    const real = cards.manualTransaction;
    try {
      // While this request runs, a retry takes its claim over (as after the lease passed): the
      // claim now carries another lease, so this holder must roll back instead of committing.
      cards.manualTransaction = async function (this: typeof cards, executor, ...rest) {
        const result = await real.call(this, executor, ...rest);
        await executor
          .updateTable('idempotency_keys')
          .set({ locked_until: isoPlusSeconds(300) })
          .where('partner_id', '=', world.partner.id)
          .where('key', '=', 'k-fenced')
          .execute();
        return result;
      };
      const lost = await move(ctx, world, { amount: 8 }, 'k-fenced');
      expect(lost.statusCode).toBe(409);
      expect(lost.json().meta.message).toBe(
        'A retry with this Idempotency-Key took the request over; retry to get its answer.',
      );
    } finally {
      cards.manualTransaction = real;
    }
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 0, ledger: 0, rows: 0 });
    // The claim is left to its holder (here: still running until its lease passes).
    expect(await keyRow(ctx, world.partner.id, 'k-fenced')).toMatchObject({ state: 'running' });
  });

  it('scopes keys to the partner token', async () => {
    const one = await worldWithCard(ctx);
    const two = await worldWithCard(ctx);
    const a = await move(ctx, one, { amount: 3 }, 'shared-key');
    const b = await move(ctx, two, { amount: 3 }, 'shared-key');
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(b.headers['idempotency-replayed']).toBeUndefined();
    expect((await ctx.factory.balanceOf(one.cardId)).rows).toBe(1);
    expect((await ctx.factory.balanceOf(two.cardId)).rows).toBe(1);
  });

  it('treats another user of the same partner as a different request', async () => {
    const world = await worldWithCard(ctx);
    const colleague = await ctx.factory.setup.createUser({
      login: `colleague${uniquePhone()}@example.com`,
      password: 'secret-password',
      locationIds: [world.locationId],
    });
    expect((await move(ctx, world, { amount: 2 }, 'k-user')).statusCode).toBe(200);
    const other = await move(
      ctx,
      world,
      { amount: 2 },
      'k-user',
      `Bearer ${world.partner.token}, User ${colleague.token}`,
    );
    expect(other.statusCode).toBe(422);
  });

  it('replays a stored refusal (4xx) even once the request would succeed', async () => {
    const world = await worldWithCard(ctx);
    const refused = await move(ctx, world, { amount: -50 }, 'k-refused');
    expect(refused.statusCode).toBe(422);
    expect(refused.json().meta.message).toBe('amount exceeds the card balance.');
    await move(ctx, world, { amount: 100 });
    const again = await move(ctx, world, { amount: -50 }, 'k-refused');
    expect(again.statusCode).toBe(422);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.body).toBe(refused.body);
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 10000, ledger: 10000, rows: 1 });
  });

  it('retries contention inside the server, then answers 503 with Retry-After and stores nothing', async () => {
    const world = await worldWithCard(ctx);
    const cards = ctx.services.cards;
    const real = cards.manualTransaction;
    let calls = 0;
    try {
      // Two lock timeouts, then success: the client sees one 200 and one row.
      cards.manualTransaction = async function (this: typeof cards, ...args: Parameters<typeof real>) {
        calls++;
        if (calls <= 2) throw transient('55P03');
        return real.apply(this, args);
      };
      const retried = await move(ctx, world, { amount: 4 }, 'k-retried');
      expect(retried.statusCode).toBe(200);
      expect(calls).toBe(3);
      expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 400, ledger: 400, rows: 1 });

      // Always busy: bounded retries, then 503 — not a refusal, not a 500 — and the key is free.
      calls = 0;
      cards.manualTransaction = async () => {
        calls++;
        throw transient(ctx.kind === 'sqlite' ? 'SQLITE_BUSY' : '40001');
      };
      const busy = await move(ctx, world, { amount: -1 }, 'k-busy');
      expect(busy.statusCode).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.json()).toEqual({
        success: false,
        data: null,
        meta: { message: 'The server is busy, please retry.' },
      });
      expect(calls).toBe(6);
      expect(await keyRow(ctx, world.partner.id, 'k-busy')).toBeUndefined();
    } finally {
      cards.manualTransaction = real;
    }
    const retry = await move(ctx, world, { amount: -1 }, 'k-busy');
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotency-replayed']).toBeUndefined();
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 300, ledger: 300, rows: 2 });
  });

  it('answers 422 for an invalid key and changes nothing', async () => {
    const world = await worldWithCard(ctx);
    for (const key of ['', 'has space', 'x'.repeat(256), 'ключ']) {
      const res = await move(ctx, world, { amount: 1 }, key);
      expect(res.statusCode, JSON.stringify(key)).toBe(422);
      expect(Object.keys(res.json().meta.errors)).toEqual(['Idempotency-Key']);
    }
    expect((await move(ctx, world, { amount: 1 }, 'x'.repeat(255))).statusCode).toBe(200);
    expect((await ctx.factory.balanceOf(world.cardId)).rows).toBe(1);
  });

  it('changes nothing without the header: each request is a new one', async () => {
    const world = await worldWithCard(ctx);
    const a = await move(ctx, world, { amount: 1 });
    const b = await move(ctx, world, { amount: 1 });
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(b.headers['idempotency-replayed']).toBeUndefined();
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 200, ledger: 200, rows: 2 });
  });

  it('a manual transaction runs in a transaction only where it needs one', async () => {
    // Its balance update and ledger row are atomic on their own (one statement on PostgreSQL):
    // a transaction is opened around them to store a key's answer with them, and on a SQLite
    // file, where the group commit's shared transaction is the cheaper way to commit.
    const seen: boolean[] = [];
    const original = CardsRepository.prototype.applyManualTransaction;
    const spy = vi.spyOn(CardsRepository.prototype, 'applyManualTransaction').mockImplementation(function (
      this: CardsRepository,
      row,
    ) {
      seen.push((this as unknown as { db: Executor }).db.isTransaction);
      return original.call(this, row);
    });
    try {
      const world = await worldWithCard(ctx);
      expect((await move(ctx, world, { amount: 3 })).statusCode).toBe(200);
      expect((await move(ctx, world, { amount: -1 }, 'k-atomic')).statusCode).toBe(200);
      expect((await move(ctx, world, { amount: -5 })).statusCode).toBe(422);
      expect(seen).toEqual(ctx.kind === 'sqlite' ? [true, true, true] : [false, true, false]);
      expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 200, ledger: 200, rows: 2 });
    } finally {
      spy.mockRestore();
    }
  });

  it('does not honour a key on POST /auth: the answer holds a token, and tokens are never stored', async () => {
    const world = await ctx.factory.world();
    const user = await ctx.database.db
      .selectFrom('users')
      .select('login')
      .where('id', '=', world.user.id)
      .executeTakeFirstOrThrow();
    const login = () =>
      ctx.request({
        method: 'POST',
        url: '/api/v1/auth',
        headers: { authorization: world.partnerAuth, 'idempotency-key': 'login-1' },
        payload: { login: user.login, password: 'secret-password' },
      });
    const [first, second] = [await login(), await login()];
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(second.headers['idempotency-replayed']).toBeUndefined();
    expect(first.json().data.user_token).not.toBe(second.json().data.user_token);
    expect(await keyRow(ctx, world.partner.id, 'login-1')).toBeUndefined();
  });

  it('replays card issue and removal (POST and DELETE)', async () => {
    const world = await ctx.factory.world();
    const phone = uniquePhone();
    const issue = () =>
      ctx.request({
        method: 'POST',
        url: `/api/v1/loyalty/cards/${world.locationId}`,
        headers: { authorization: world.auth, 'idempotency-key': 'k-issue' },
        payload: { loyalty_card_type_id: world.cardTypeId, phone },
      });
    const first = await issue();
    const second = await issue();
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(second.headers['idempotency-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    const cards = await ctx.database.db.selectFrom('cards').select('id').where('phone', '=', phone).execute();
    expect(cards).toHaveLength(1);

    const remove = () =>
      ctx.request({
        method: 'DELETE',
        url: `/api/v1/loyalty/cards/${world.locationId}/${first.json().data.id}`,
        headers: { authorization: world.auth, 'idempotency-key': 'k-remove' },
      });
    const removed = await remove();
    const again = await remove();
    expect([removed.statusCode, again.statusCode]).toEqual([204, 204]);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.body).toBe('');
  });

  it('forgets keys after 24 hours: the purge removes them, an expired key runs anew', async () => {
    const world = await worldWithCard(ctx);
    expect((await move(ctx, world, { amount: 1 }, 'k-old')).statusCode).toBe(200);
    expect((await move(ctx, world, { amount: 1 }, 'k-stale')).statusCode).toBe(200);
    const expire = (key: string) =>
      ctx.database.db
        .updateTable('idempotency_keys')
        .set({ expires_at: isoPlusSeconds(-1) })
        .where('partner_id', '=', world.partner.id)
        .where('key', '=', key)
        .execute();
    await expire('k-old');
    await expire('k-stale');

    // Not yet purged, but expired: the same key is a new request.
    const fresh = await move(ctx, world, { amount: 1 }, 'k-stale');
    expect(fresh.statusCode).toBe(200);
    expect(fresh.headers['idempotency-replayed']).toBeUndefined();

    expect(await ctx.services.idempotency.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await keyRow(ctx, world.partner.id, 'k-old')).toBeUndefined();
    expect(await keyRow(ctx, world.partner.id, 'k-stale')).toMatchObject({ state: 'done' });
    expect(await ctx.factory.balanceOf(world.cardId)).toEqual({ balance: 300, ledger: 300, rows: 3 });
  });
});
