import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/app.js';

describeEachDialect('health', (ctx) => {
  it('checks the database', async () => {
    const res = await ctx.request({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, data: { status: 'ok', database: ctx.kind }, meta: [] });
  });
});
