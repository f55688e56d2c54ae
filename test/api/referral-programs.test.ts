import { execFileSync, spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';

const path = (chainId: number) => `/chain/${chainId}/loyalty/referral_program`;

const PROGRAM = {
  title: 'Bring a friend',
  invited: { value: 10, value_unit_id: 1 },
  referrer: { value: 100, value_unit_id: 2 },
};

describeEachDialect('the chain referral program (extension)', (ctx) => {
  /** The chain's stored programs, deleted ones too, as the database holds them. */
  const rowsOf = (chainId: number) =>
    ctx.database.db
      .selectFrom('referral_programs')
      .select([
        'id',
        'title',
        'invited_value_hundredths',
        'invited_value_unit_id',
        'referrer_value_hundredths',
        'referrer_value_unit_id',
        'deleted_at',
      ])
      .where('chain_id', '=', chainId)
      .orderBy('id')
      .execute()
      .then((rows) =>
        rows.map((r) => ({
          ...r,
          invited_value_hundredths: Number(r.invited_value_hundredths),
          referrer_value_hundredths: Number(r.referrer_value_hundredths),
        })),
      );

  it("the demo chain has SPEC §6.7's program: invited client 10 %, referrer 100 fixed", async () => {
    const res = await ctx.api('GET', path(DEMO.chainId), DEMO_AUTH);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      data: {
        id: expect.any(Number),
        title: 'Referral',
        salon_group_id: DEMO.chainId,
        invited: { value: 10, value_unit_id: 1 },
        referrer: { value: 100, value_unit_id: 2 },
      },
      meta: [],
    });
  });

  it('a chain without one: GET, PUT and DELETE are 404, and nothing is written', async () => {
    const w = await ctx.factory.world();
    for (const [method, body] of [['GET'], ['PUT', { title: 'New' }], ['DELETE']] as const) {
      const res = await ctx.api(method, path(w.chainId), w.auth, body);
      expect(res.statusCode, method).toBe(404);
      expect(res.json()).toEqual({
        success: false,
        data: null,
        meta: { message: 'Referral program not found.' },
      });
    }
    expect(await rowsOf(w.chainId)).toEqual([]);
  });

  it('POST creates it (201), GET reads it back, a second one is 422 and changes nothing', async () => {
    const w = await ctx.factory.world();
    const created = await ctx.api('POST', path(w.chainId), w.auth, {
      title: '  Bring a friend ',
      invited: { value: '12.5', value_unit_id: '1' },
      referrer: { value: 99.99, value_unit_id: 2 },
    });
    expect(created.statusCode).toBe(201);
    const program = created.json().data;
    expect(program).toEqual({
      id: expect.any(Number),
      title: 'Bring a friend',
      salon_group_id: w.chainId,
      invited: { value: 12.5, value_unit_id: 1 },
      referrer: { value: 99.99, value_unit_id: 2 },
    });
    expect((await ctx.api('GET', path(w.chainId), w.auth)).json().data).toEqual(program);
    const stored = [
      {
        id: program.id,
        title: 'Bring a friend',
        invited_value_hundredths: 1250,
        invited_value_unit_id: 1,
        referrer_value_hundredths: 9999,
        referrer_value_unit_id: 2,
        deleted_at: null,
      },
    ];
    expect(await rowsOf(w.chainId)).toEqual(stored);

    const second = await ctx.api('POST', path(w.chainId), w.auth, PROGRAM);
    expect(second.statusCode).toBe(422);
    expect(second.json()).toEqual({
      success: false,
      data: null,
      meta: {
        message:
          'The chain already has a referral program: change it with PUT, or delete it before making another.',
      },
    });
    expect(await rowsOf(w.chainId)).toEqual(stored);
  });

  it('a percent may be 100 and an amount 10^12; 0 is allowed', async () => {
    const w = await ctx.factory.world();
    const res = await ctx.api('POST', path(w.chainId), w.auth, {
      title: 'Bounds',
      invited: { value: '100.00', value_unit_id: 1 },
      referrer: { value: 1e12, value_unit_id: 2 },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toMatchObject({
      invited: { value: 100, value_unit_id: 1 },
      referrer: { value: 1e12, value_unit_id: 2 },
    });
    const zero = await ctx.api('PUT', path(w.chainId), w.auth, { invited: { value: 0 } });
    expect(zero.json().data.invited).toEqual({ value: 0, value_unit_id: 1 });
  });

  it('PUT changes only the fields sent, inside a part too', async () => {
    const w = await ctx.factory.world();
    const { id } = (await ctx.api('POST', path(w.chainId), w.auth, PROGRAM)).json().data;
    const get = async () => (await ctx.api('GET', path(w.chainId), w.auth)).json().data;

    const titled = await ctx.api('PUT', path(w.chainId), w.auth, { title: 'Renamed' });
    expect(titled.statusCode).toBe(200);
    expect(titled.json().data).toEqual({ ...PROGRAM, id, title: 'Renamed', salon_group_id: w.chainId });

    const value = await ctx.api('PUT', path(w.chainId), w.auth, { invited: { value: '15' } });
    expect(value.json().data.invited).toEqual({ value: 15, value_unit_id: 1 });
    expect(value.json().data.referrer).toEqual(PROGRAM.referrer);

    const unit = await ctx.api('PUT', path(w.chainId), w.auth, { referrer: { value_unit_id: 1, value: 5 } });
    expect(unit.json().data).toEqual({
      id,
      title: 'Renamed',
      salon_group_id: w.chainId,
      invited: { value: 15, value_unit_id: 1 },
      referrer: { value: 5, value_unit_id: 1 },
    });
    expect(await get()).toEqual(unit.json().data);

    // An empty body (or none) changes nothing.
    expect((await ctx.api('PUT', path(w.chainId), w.auth, {})).json().data).toEqual(unit.json().data);
    expect((await ctx.api('PUT', path(w.chainId), w.auth)).json().data).toEqual(unit.json().data);
    expect(await rowsOf(w.chainId)).toHaveLength(1);
  });

  it('PUT: the program after the change obeys the rules, whichever field breaks them', async () => {
    const w = await ctx.factory.world();
    await ctx.api('POST', path(w.chainId), w.auth, PROGRAM);
    const before = await rowsOf(w.chainId);

    // The stored unit is percent: a value over 100 alone is refused.
    const value = await ctx.api('PUT', path(w.chainId), w.auth, { title: 'X', invited: { value: 150 } });
    expect(value.statusCode).toBe(422);
    expect(value.json().meta.errors).toEqual({
      'invited.value': ['invited.value must be at most 100 for a percent.'],
    });
    // The stored value is 100 (fixed): 100 % is fine, but not after the value grew.
    await ctx.api('PUT', path(w.chainId), w.auth, { referrer: { value: 150 } });
    const unit = await ctx.api('PUT', path(w.chainId), w.auth, { referrer: { value_unit_id: 1 } });
    expect(unit.statusCode).toBe(422);
    expect(unit.json().meta.errors).toEqual({
      'referrer.value_unit_id': [
        'referrer.value_unit_id cannot be 1 (percent) with the stored value 150: a percent is at most 100, send the value too.',
      ],
    });
    expect(await rowsOf(w.chainId)).toEqual([{ ...before[0], referrer_value_hundredths: 15000 }]);
  });

  it('DELETE (204) removes it from reads and lets the chain make a new one; the old row stays', async () => {
    const w = await ctx.factory.world();
    const first = (await ctx.api('POST', path(w.chainId), w.auth, PROGRAM)).json().data;
    const removed = await ctx.api('DELETE', path(w.chainId), w.auth);
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe('');
    expect((await ctx.api('GET', path(w.chainId), w.auth)).statusCode).toBe(404);
    expect((await ctx.api('DELETE', path(w.chainId), w.auth)).statusCode).toBe(404);

    const again = await ctx.api('POST', path(w.chainId), w.auth, { ...PROGRAM, title: 'Second' });
    expect(again.statusCode).toBe(201);
    expect(again.json().data.id).not.toBe(first.id);
    const rows = await rowsOf(w.chainId);
    expect(rows.map((r) => [r.id, r.title, r.deleted_at === null])).toEqual([
      [first.id, 'Bring a friend', false],
      [again.json().data.id, 'Second', true],
    ]);
  });

  it('refuses bad input with 422 naming the field, and writes nothing', async () => {
    const w = await ctx.factory.world();
    const part = (changes: Record<string, unknown>) => ({ ...PROGRAM.invited, ...changes });
    const cases: [string, unknown, string][] = [
      ['no title', { invited: PROGRAM.invited, referrer: PROGRAM.referrer }, 'title'],
      ['blank title', { ...PROGRAM, title: '   ' }, 'title'],
      ['title not text', { ...PROGRAM, title: 5 }, 'title'],
      ['no invited part', { title: 'T', referrer: PROGRAM.referrer }, 'invited'],
      ['a part not an object', { ...PROGRAM, invited: 10 }, 'invited'],
      ['no value', { ...PROGRAM, invited: { value_unit_id: 1 } }, 'invited.value'],
      ['no unit', { ...PROGRAM, referrer: { value: 5 } }, 'referrer.value_unit_id'],
      ['value not a number', { ...PROGRAM, invited: part({ value: 'ten' }) }, 'invited.value'],
      ['value true', { ...PROGRAM, invited: part({ value: true }) }, 'invited.value'],
      ['unit 3', { ...PROGRAM, invited: part({ value_unit_id: 3 }) }, 'invited.value_unit_id'],
      [
        'unit "percent"',
        { ...PROGRAM, invited: part({ value_unit_id: 'percent' }) },
        'invited.value_unit_id',
      ],
      ['unit 1.5', { ...PROGRAM, invited: part({ value_unit_id: 1.5 }) }, 'invited.value_unit_id'],
      ['percent over 100', { ...PROGRAM, invited: part({ value: 100.01 }) }, 'invited.value'],
      ['percent "101" as text', { ...PROGRAM, invited: part({ value: '101' }) }, 'invited.value'],
      ['percent unit as text', { ...PROGRAM, invited: { value: 150, value_unit_id: '1' } }, 'invited.value'],
      ['3 decimals', { ...PROGRAM, referrer: { value: 1.005, value_unit_id: 2 } }, 'referrer.value'],
      [
        '3 decimals as text',
        { ...PROGRAM, referrer: { value: '1.005', value_unit_id: 2 } },
        'referrer.value',
      ],
      ['negative', { ...PROGRAM, referrer: { value: -1, value_unit_id: 2 } }, 'referrer.value'],
      ['negative as text', { ...PROGRAM, referrer: { value: '-1', value_unit_id: 2 } }, 'referrer.value'],
      ['beyond 10^12', { ...PROGRAM, referrer: { value: 1e12 + 1, value_unit_id: 2 } }, 'referrer.value'],
    ];
    for (const [label, body, field] of cases) {
      const res = await ctx.api('POST', path(w.chainId), w.auth, body);
      expect(res.statusCode, label).toBe(422);
      expect(res.json().success, label).toBe(false);
      expect(Object.keys(res.json().meta.errors), `${label}: ${res.body}`).toContain(field);
    }
    expect(await rowsOf(w.chainId)).toEqual([]);

    await ctx.api('POST', path(w.chainId), w.auth, PROGRAM);
    const before = await rowsOf(w.chainId);
    for (const [label, body, field] of [
      ['blank title', { title: '' }, 'title'],
      ['percent over 100', { invited: { value: 101 } }, 'invited.value'],
      ['percent over 100 with its unit', { referrer: { value: 101, value_unit_id: 1 } }, 'referrer.value'],
      ['negative', { referrer: { value: -5 } }, 'referrer.value'],
      ['3 decimals', { referrer: { value: '0.001' } }, 'referrer.value'],
      ['unit 0', { referrer: { value_unit_id: 0 } }, 'referrer.value_unit_id'],
    ] as const) {
      const res = await ctx.api('PUT', path(w.chainId), w.auth, body);
      expect(res.statusCode, label).toBe(422);
      expect(Object.keys(res.json().meta.errors), `${label}: ${res.body}`).toContain(field);
    }
    expect(await rowsOf(w.chainId)).toEqual(before);
  });

  it('an unknown or foreign chain is 403 on every operation, and nothing is written', async () => {
    const w = await ctx.factory.world();
    const other = await ctx.factory.world();
    const chains = [
      ['unknown', 2_147_483_000],
      ["another partner's", other.chainId],
      ['not granted to the user', DEMO.otherChainId],
    ] as const;
    for (const [label, chainId] of chains) {
      for (const [method, body] of [
        ['GET'],
        ['POST', PROGRAM],
        ['PUT', { title: 'X' }],
        ['DELETE'],
      ] as const) {
        const res = await ctx.api(method, path(chainId), w.auth, body);
        expect(res.statusCode, `${method} ${label}`).toBe(403);
        expect(res.json()).toEqual({ success: false, data: null, meta: { message: 'Access denied.' } });
      }
    }
    const res = await ctx.api('POST', path(DEMO.otherChainId), DEMO_AUTH, PROGRAM);
    expect(res.statusCode).toBe(403);
    expect(await rowsOf(other.chainId)).toEqual([]);
    expect(await rowsOf(DEMO.otherChainId)).toEqual([]);
    expect((await ctx.request({ method: 'GET', url: `/api/v1${path(w.chainId)}` })).statusCode).toBe(401);
  });

  it('Idempotency-Key: a repeated create replays the first answer instead of refusing it', async () => {
    const w = await ctx.factory.world();
    const send = () =>
      ctx.request({
        method: 'POST',
        url: `/api/v1${path(w.chainId)}`,
        headers: { authorization: w.auth, 'idempotency-key': 'referral-once' },
        payload: PROGRAM,
      });
    const first = await send();
    const again = await send();
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await rowsOf(w.chainId)).toHaveLength(1);
  });

  it('concurrent creates in one chain: exactly one is made, the others are 422, none fails', async () => {
    const w = await ctx.factory.world();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        ctx.api('POST', path(w.chainId), w.auth, { ...PROGRAM, title: `Racer ${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([201, 422, 422, 422, 422, 422, 422, 422]);
    const rows = await rowsOf(w.chainId);
    expect(rows).toHaveLength(1);
    const winner = answers.find((a) => a.statusCode === 201)!.json().data;
    expect(rows[0]!.id).toBe(winner.id);
  });
});

describeEachDialect('admin CLI: referral:create|show|update|remove', (ctx) => {
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

  it('makes, shows, changes and removes the program the HTTP operations see', async () => {
    const w = await ctx.factory.world();
    const chain = String(w.chainId);
    const created = run(
      'referral:create',
      '--chain',
      chain,
      '--title',
      'CLI referral',
      '--invited',
      '7.5%',
      '--referrer',
      '250',
    );
    expect(created).toEqual({
      id: expect.any(Number),
      title: 'CLI referral',
      salon_group_id: w.chainId,
      invited: { value: 7.5, value_unit_id: 1 },
      referrer: { value: 250, value_unit_id: 2 },
    });
    expect((await ctx.api('GET', path(w.chainId), w.auth)).json().data).toEqual(created);
    expect(run('referral:show', '--chain', chain)).toEqual(created);

    const changed = run('referral:update', '--chain', chain, '--referrer', '5%');
    expect(changed).toEqual({ ...created, referrer: { value: 5, value_unit_id: 1 } });
    expect((await ctx.api('GET', path(w.chainId), w.auth)).json().data).toEqual(changed);

    expect(run('referral:remove', '--chain', chain)).toEqual({ removed: true });
    expect((await ctx.api('GET', path(w.chainId), w.auth)).statusCode).toBe(404);
    const gone = admin('referral:show', '--chain', chain);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/Referral program not found/);
  });

  it('refuses bad arguments (exit 2) and refused operations (exit 1) with one line', async () => {
    const w = await ctx.factory.world();
    const chain = String(w.chainId);
    const args = ['--chain', chain, '--title', 'T', '--invited', '10%', '--referrer', '100'];

    const format = admin('referral:create', ...args.slice(0, 4), '--invited', '10.123%', '--referrer', '100');
    expect(format.status).toBe(2);
    expect(format.stderr).toMatch(/--invited must be a percent \(10%\) or an amount \(100\)/);
    const missing = admin('referral:create', '--chain', chain, '--title', 'T', '--invited', '10%');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--referrer is required/);
    const nothing = admin('referral:update', '--chain', chain);
    expect(nothing.status).toBe(2);

    const percent = admin('referral:create', ...args.slice(0, 4), '--invited', '101%', '--referrer', '100');
    expect(percent.status).toBe(1);
    expect(percent.stderr).toMatch(/invited.value must be at most 100 for a percent/);
    const unknown = admin('referral:create', '--chain', '999999', ...args.slice(2));
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Chain 999999 not found/);
    expect(
      await ctx.database.db
        .selectFrom('referral_programs')
        .select('id')
        .where('chain_id', '=', w.chainId)
        .execute(),
    ).toEqual([]);

    expect(admin('referral:create', ...args).status).toBe(0);
    const twice = admin('referral:create', ...args);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/already has a referral program/);
  });
});
