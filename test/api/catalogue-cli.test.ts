import { execFileSync, spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeEachDialect, type TestContext } from '../helpers/app.js';

/** Each test spawns the CLI several times (a TypeScript start each): slow on a busy 2-core machine. */
const CLI_TIMEOUT = 180_000;

describeEachDialect('admin CLI: services, team members, accounts', (ctx: TestContext) => {
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

  it(
    'location:create makes the default accounts; staff:create and service:create work over HTTP',
    async () => {
      const w = await ctx.factory.world();
      const location = run('location:create', '--chain', String(w.chainId), '--title', 'CLI location');
      expect(run('account:list', '--location', String(location.id))).toEqual([
        { id: expect.any(Number), location_id: location.id, title: 'Cash', type: 0, is_default: 1 },
        { id: expect.any(Number), location_id: location.id, title: 'Non-cash', type: 1, is_default: 1 },
      ]);

      const master = run(
        'staff:create',
        '--location',
        String(location.id),
        '--name',
        'CLI master',
        '--specialization',
        'Barber',
      );
      const service = run(
        'service:create',
        '--location',
        String(location.id),
        '--title',
        'CLI cut',
        '--price',
        '15.50',
        '--price-max',
        '20',
        '--duration',
        '1800',
        '--staff',
        String(master.id),
      );
      expect(run('staff:list', '--location', String(location.id))).toEqual([
        { id: master.id, location_id: location.id, name: 'CLI master', specialization: 'Barber', fired: 0 },
      ]);
      expect(run('service:list', '--location', String(location.id))).toEqual([
        {
          id: service.id,
          location_id: location.id,
          title: 'CLI cut',
          price_min_minor: 1550,
          price_max_minor: 2000,
          duration: 1800,
        },
      ]);
      // Every location's rows without --location.
      const all = run('account:list') as { location_id: number }[];
      expect(all.filter((a) => a.location_id === location.id)).toHaveLength(2);

      await ctx.factory.setup.grantUser(w.user.id, { locationId: location.id });
      await ctx.factory.setup.connectPartner(w.partner.id, location.id);
      const res = await ctx.api('GET', `/company/${location.id}/services/${service.id}`, w.auth);
      expect(res.json().data).toMatchObject({
        title: 'CLI cut',
        price_min: 15.5,
        price_max: 20,
        duration: 1800,
        staff: [{ id: master.id, seance_length: 1800 }],
      });
    },
    CLI_TIMEOUT,
  );

  it(
    'refuses bad arguments (exit 2) and broken rules (exit 1) with one line, writing nothing',
    async () => {
      const w = await ctx.factory.world();
      const before = run('service:list', '--location', String(w.locationId));
      const missing = admin('service:create', '--location', String(w.locationId));
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/--title is required/);
      const badId = admin('staff:list', '--location', 'x');
      expect(badId.status).toBe(2);
      expect(badId.stderr).toMatch(/--location must be a positive integer/);
      const price = admin(
        'service:create',
        '--location',
        String(w.locationId),
        '--title',
        'X',
        '--price',
        'lots',
      );
      expect(price.status).toBe(1);
      expect(price.stderr).toMatch(/price_min must be a number/);
      const order = admin(
        'service:create',
        '--location',
        String(w.locationId),
        '--title',
        'X',
        '--price',
        '20',
        '--price-max',
        '10',
      );
      expect(order.status).toBe(1);
      expect(order.stderr).toMatch(/price_max must not be below price_min/);
      const stranger = admin(
        'service:create',
        '--location',
        String(w.locationId),
        '--title',
        'X',
        '--staff',
        '2147483000',
      );
      expect(stranger.status).toBe(1);
      expect(stranger.stderr).toMatch(/staff\.0\.id must be a team member of this location/);
      const nowhere = admin('staff:create', '--location', '999999', '--name', 'X');
      expect(nowhere.status).toBe(1);
      expect(nowhere.stderr).toMatch(/Location 999999 not found/);
      expect(run('service:list', '--location', String(w.locationId))).toEqual(before);
    },
    CLI_TIMEOUT,
  );
});
