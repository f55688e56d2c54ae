import { execFileSync, spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, DEMO_PARTNER, describeEachDialect, type TestContext } from '../helpers/app.js';

const login = (ctx: { request: (o: any) => Promise<any> }, body: unknown, authorization = DEMO_PARTNER) =>
  ctx.request({ method: 'POST', url: '/api/v1/auth', headers: { authorization }, payload: body });

/** The login a user was created with (the factory's users log in by it). */
async function loginOf(ctx: { database: TestContext['database'] }, userId: number): Promise<string> {
  const row = await ctx.database.db
    .selectFrom('users')
    .select('login')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.login;
}

describeEachDialect('auth matrix', (ctx) => {
  const cardTypes = (authorization?: string, location: number = DEMO.locationId) =>
    ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/card_types/salon/${location}`,
      headers: authorization ? { authorization } : {},
    });

  it('no header, garbage header, unknown partner: 401', async () => {
    for (const header of [undefined, 'garbage', 'Bearer unknown-partner, User demo-user-token']) {
      const res = await cardTypes(header);
      expect(res.statusCode).toBe(401);
      expect(res.json().meta.message).toBe('Authentication needed.');
    }
  });

  it('partner-only on a partner+user route: 401', async () => {
    expect((await cardTypes(DEMO_PARTNER)).statusCode).toBe(401);
  });

  it('unknown user token: 401, even on a partner-only route', async () => {
    expect((await cardTypes(`Bearer ${DEMO.partnerToken}, User nope`)).statusCode).toBe(401);
    const res = await ctx.request({
      method: 'GET',
      url: `/api/v1/chain/${DEMO.chainId}/loyalty/card_types`,
      headers: { authorization: `Bearer ${DEMO.partnerToken}, User nope` },
    });
    expect(res.statusCode).toBe(401);
  });

  it('tolerates keyword case and spacing', async () => {
    for (const header of [
      `bearer ${DEMO.partnerToken},user ${DEMO.userToken}`,
      `BEARER ${DEMO.partnerToken} ,  USER ${DEMO.userToken}`,
    ]) {
      expect((await cardTypes(header)).statusCode).toBe(200);
    }
  });

  it('valid tokens without the location: 403; without the chain: 403', async () => {
    const location = await cardTypes(DEMO_AUTH, DEMO.otherLocationId);
    expect(location.statusCode).toBe(403);
    expect(location.json().meta.message).toBe('Access denied.');
    const chain = await ctx.manualTransaction({ chain: DEMO.otherChainId }, DEMO.otherCardId, DEMO_AUTH, {
      amount: 1,
    });
    expect(chain.statusCode).toBe(403);
  });

  it('a partner not connected to a location: 403, the same as a location that does not exist', async () => {
    const w = await ctx.factory.world();
    const foreign = await cardTypes(w.auth, DEMO.locationId);
    const missing = await cardTypes(w.auth, 987654);
    expect(foreign.statusCode).toBe(403);
    expect(missing.statusCode).toBe(403);
    expect(foreign.body).toBe(missing.body);
  });

  it("another chain's entity: 404, as if it did not exist", async () => {
    const at = { location: DEMO.locationId };
    const other = await ctx.manualTransaction(at, DEMO.otherCardId, DEMO_AUTH, { amount: 1 });
    const missing = await ctx.manualTransaction(at, 8888888, DEMO_AUTH, { amount: 1 });
    expect(other.statusCode).toBe(404);
    expect(other.body).toBe(missing.body);
  });

  it('tokens are stored only as hashes', async () => {
    const partners = await ctx.database.db.selectFrom('partners').select('token_hash').execute();
    const tokens = await ctx.database.db.selectFrom('user_tokens').select('token_hash').execute();
    const users = await ctx.database.db.selectFrom('users').select('password_hash').execute();
    const stored = JSON.stringify([partners, tokens, users]);
    expect(stored).not.toContain(DEMO.partnerToken);
    expect(stored).not.toContain(DEMO.userToken);
    expect(stored).not.toContain(DEMO.password);
    expect(users.every((u) => u.password_hash.startsWith('scrypt$'))).toBe(true);
  });
});

describeEachDialect('POST /auth', (ctx) => {
  it('201 with the user object and a working user token', async () => {
    const res = await login(ctx, { login: DEMO.login, password: DEMO.password });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.meta).toEqual([]);
    expect(body.data).toEqual({
      id: expect.any(Number),
      user_token: expect.stringMatching(/^[\w-]{43,}$/),
      name: 'Test User',
      phone: '+13155550175',
      login: DEMO.login,
      email: DEMO.login,
      avatar: '',
      is_approved: true,
      is_email_confirmed: true,
    });
    const cards = await ctx.request({
      method: 'GET',
      url: `/api/v1/user/loyalty_cards/${DEMO.chainId}`,
      headers: { authorization: `Bearer ${DEMO.partnerToken}, User ${body.data.user_token}` },
    });
    expect(cards.statusCode).toBe(200);
    expect(cards.json().data.map((c: { id: number }) => c.id)).toEqual([DEMO.cardId]);
  });

  it('logs in by phone as well', async () => {
    const res = await login(ctx, { login: '+13155550175', password: DEMO.password });
    expect(res.statusCode).toBe(201);
  });

  it('requires the partner token', async () => {
    const res = await login(ctx, { login: DEMO.login, password: DEMO.password }, '');
    expect(res.statusCode).toBe(401);
  });

  it('a wrong login and a wrong password get the same 401', async () => {
    const w = await ctx.factory.world();
    const wrongPassword = await login(ctx, { login: DEMO.login, password: 'nope' }, w.partnerAuth);
    const wrongLogin = await login(ctx, { login: 'nobody@example.com', password: 'nope' }, w.partnerAuth);
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongLogin.statusCode).toBe(401);
    expect(wrongPassword.body).toBe(wrongLogin.body);
  });

  it('422 on a missing field', async () => {
    const res = await login(ctx, { login: DEMO.login });
    expect(res.statusCode).toBe(422);
    expect(res.json().meta.errors.password).toEqual(['password is required.']);
  });

  it('throttles after 5 failures for one login within 15 minutes, with Retry-After', async () => {
    const w = await ctx.factory.world();
    const user = { login: await loginOf(ctx, w.user.id) };
    for (let i = 0; i < 5; i++) {
      expect((await login(ctx, { login: user.login, password: 'wrong' }, w.partnerAuth)).statusCode).toBe(
        401,
      );
    }
    const throttled = await login(ctx, { login: user.login, password: 'secret-password' }, w.partnerAuth);
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(800);
    expect(throttled.json().meta.message).toMatch(/Retry in \d+ seconds/);
    // The counter lives in the database: another app on the same database sees it too.
    const failures = await ctx.database.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('login', '=', user.login)
      .executeTakeFirstOrThrow();
    expect(Number(failures.n)).toBe(5);
    // Once the window has passed, logging in works again.
    await ctx.database.db
      .updateTable('login_failures')
      .set({ created_at: new Date(Date.now() - 16 * 60_000).toISOString() })
      .where('login', '=', user.login)
      .execute();
    expect(
      (await login(ctx, { login: user.login, password: 'secret-password' }, w.partnerAuth)).statusCode,
    ).toBe(201);
  });

  it('counts failures per user whatever the login form: 5 wrong by email lock the phone form too', async () => {
    const w = await ctx.factory.world();
    const user = await ctx.database.db
      .selectFrom('users')
      .select(['login', 'phone'])
      .where('id', '=', w.user.id)
      .executeTakeFirstOrThrow();
    for (let i = 0; i < 5; i++) {
      const form = i % 2 === 0 ? user.login : user.login.toUpperCase();
      expect((await login(ctx, { login: form, password: 'wrong' }, w.partnerAuth)).statusCode).toBe(401);
    }
    // The right password, by phone, and through another partner's token: still throttled.
    for (const [form, partner] of [
      [`+${user.phone}`, w.partnerAuth],
      [user.phone, DEMO_PARTNER],
    ] as const) {
      const res = await login(ctx, { login: form, password: 'secret-password' }, partner);
      expect(res.statusCode, form).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
    }
    // An unknown login is counted as typed, so it is answered exactly alike: existence does not show.
    for (let i = 0; i < 5; i++)
      await login(ctx, { login: 'nobody-here@example.com', password: 'x' }, w.partnerAuth);
    const unknown = await login(ctx, { login: 'nobody-here@example.com', password: 'x' }, w.partnerAuth);
    expect(unknown.statusCode).toBe(429);
  });

  it('counts failures per partner token: after 50 at any logins, that token is throttled, others are not', async () => {
    const w = await ctx.factory.world();
    const other = await ctx.factory.world();
    const user = { login: await loginOf(ctx, other.user.id) };
    // A spray: one guess at each of 50 logins, none of them 5 times.
    for (let i = 0; i < 50; i++) {
      const res = await login(ctx, { login: `spray-${i}@example.com`, password: 'guess' }, w.partnerAuth);
      expect(res.statusCode).toBe(401);
    }
    const stopped = await login(ctx, { login: user.login, password: 'secret-password' }, w.partnerAuth);
    expect(stopped.statusCode).toBe(429);
    expect(Number(stopped.headers['retry-after'])).toBeGreaterThan(800);
    // The users themselves are not locked: the same login through another partner works.
    const elsewhere = await login(ctx, { login: user.login, password: 'secret-password' }, other.partnerAuth);
    expect(elsewhere.statusCode).toBe(201);
  });

  it('concurrent guesses at one user: at most 5 reach the password check', async () => {
    const w = await ctx.factory.world();
    const user = { login: await loginOf(ctx, w.user.id) };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => login(ctx, { login: user.login, password: 'wrong' }, w.partnerAuth)),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    const failures = await ctx.database.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', w.user.id)
      .executeTakeFirstOrThrow();
    expect(Number(failures.n)).toBe(statuses.filter((s) => s === 401).length);
  });

  it('a locked user gets back in at once when an admin unlocks it or sets a new password', async () => {
    const w = await ctx.factory.world();
    const user = { login: await loginOf(ctx, w.user.id) };
    const lock = async () => {
      for (let i = 0; i < 5; i++) await login(ctx, { login: user.login, password: 'wrong' }, w.partnerAuth);
      expect(
        (await login(ctx, { login: user.login, password: 'secret-password' }, w.partnerAuth)).statusCode,
      ).toBe(429);
    };
    await lock();
    expect(await ctx.services.auth.unlockUser(w.user.id)).toBe(5);
    expect(
      (await login(ctx, { login: user.login, password: 'secret-password' }, w.partnerAuth)).statusCode,
    ).toBe(201);
    await lock();
    await ctx.services.auth.changePassword(w.user.id, 'brand-new-password');
    expect(
      (await login(ctx, { login: user.login, password: 'brand-new-password' }, w.partnerAuth)).statusCode,
    ).toBe(201);
  });

  it('changing the password rotates the user token: the old one stops working', async () => {
    const w = await ctx.factory.world();
    const ok = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/card_types/salon/${w.locationId}`,
      headers: { authorization: w.auth },
    });
    expect(ok.statusCode).toBe(200);
    const newToken = await ctx.services.auth.changePassword(w.user.id, 'another-password');
    const old = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/card_types/salon/${w.locationId}`,
      headers: { authorization: w.auth },
    });
    expect(old.statusCode).toBe(401);
    const fresh = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/card_types/salon/${w.locationId}`,
      headers: { authorization: `Bearer ${w.partner.token}, User ${newToken}` },
    });
    expect(fresh.statusCode).toBe(200);
  });
});

describeEachDialect('admin CLI round trip', (ctx) => {
  const admin = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
      env: { ...process.env, DATABASE_URL: ctx.url },
      encoding: 'utf8',
    });
  const run = (...args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
        env: { ...process.env, DATABASE_URL: ctx.url },
        encoding: 'utf8',
      }),
    );

  it('creates a chain-to-card-type setup that then works over HTTP', async () => {
    const chain = run('chain:create', '--title', 'CLI chain');
    const location = run('location:create', '--chain', String(chain.id), '--title', 'CLI location');
    const program = run(
      'program:create',
      '--chain',
      String(chain.id),
      '--title',
      'Fixed 7%',
      '--type',
      'discount_static',
      '--rule',
      '0:7',
      '--location',
      String(location.id),
    );
    const type = run(
      'card-type:create',
      '--chain',
      String(chain.id),
      '--title',
      'CLI card',
      '--location',
      String(location.id),
      '--program',
      String(program.id),
    );
    const partner = run('partner:create', '--name', 'CLI partner', '--location', String(location.id));
    const user = run(
      'user:create',
      '--login',
      'cli@example.com',
      '--password',
      'cli-password',
      '--phone',
      '+1 555 010 9999',
      '--location',
      String(location.id),
      '--chain',
      String(chain.id),
    );
    expect(partner.token).toMatch(/^[\w-]{43}$/);

    const authorization = `Bearer ${partner.token}, User ${user.token}`;
    const issued = await ctx.request({
      method: 'POST',
      url: `/api/v1/loyalty/cards/${location.id}`,
      headers: { authorization },
      payload: { loyalty_card_type_id: type.id, phone: '15550109999' },
    });
    expect(issued.statusCode).toBe(200);
    const card = issued.json().data;
    expect(card.programs.map((p: { id: number }) => p.id)).toEqual([program.id]);
    const topUp = await ctx.manualTransaction({ location: location.id }, card.id, authorization, {
      amount: 10,
    });
    expect(topUp.json().data).toMatchObject({ balance: 10, max_discount_percent: 7, max_discount_amount: 0 });

    const rotated = run('partner:rotate-token', '--partner', String(partner.id));
    const stale = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/card_types/salon/${location.id}`,
      headers: { authorization },
    });
    expect(stale.statusCode).toBe(401);
    const renewed = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/card_types/salon/${location.id}`,
      headers: { authorization: `Bearer ${rotated.token}, User ${user.token}` },
    });
    expect(renewed.statusCode).toBe(200);
  });

  it('user:unlock lets a throttled user log in at once', async () => {
    const w = await ctx.factory.world();
    const user = { login: await loginOf(ctx, w.user.id) };
    for (let i = 0; i < 5; i++) await login(ctx, { login: user.login, password: 'wrong' }, w.partnerAuth);
    expect(
      (await login(ctx, { login: user.login, password: 'secret-password' }, w.partnerAuth)).statusCode,
    ).toBe(429);
    expect(run('user:unlock', '--user', String(w.user.id))).toEqual({ cleared: 5 });
    expect(
      (await login(ctx, { login: user.login, password: 'secret-password' }, w.partnerAuth)).statusCode,
    ).toBe(201);
    expect(admin('user:unlock', '--user', '999999').status).toBe(1);
  });

  it('validates arguments with clear messages and a non-zero exit', () => {
    const missing = admin('chain:create');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--title is required/);
    const bad = admin('location:create', '--chain', 'x', '--title', 'y');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--chain must be a positive integer/);
    const unknown = admin('location:create', '--chain', '999999', '--title', 'y');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Chain 999999 not found/);
    expect(admin('no-such-command').status).toBe(2);
    // The round trip above created this login: a second user with it is refused, in any case.
    const duplicate = admin('user:create', '--login', 'CLI@example.com', '--password', 'another-password');
    expect(duplicate.status).toBe(1);
    expect(duplicate.stderr).toMatch(/login is already taken/);
  });
});
