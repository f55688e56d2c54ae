import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/app.js';

describeEachDialect('health', (ctx) => {
  it('checks the database', async () => {
    const res = await ctx.request({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, data: { status: 'ok', database: ctx.kind }, meta: [] });
  });
});

describeEachDialect('metrics', (ctx) => {
  it('counts answered requests by route and status in the Prometheus format', async () => {
    await ctx.request({ method: 'GET', url: '/health' });
    await ctx.request({ method: 'GET', url: '/api/v1/loyalty/card_types/salon/12345' });
    const res = await ctx.request({ method: 'GET', url: '/metrics', headers: { accept: 'text/plain' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} [1-9]/);
    expect(res.body).toMatch(
      /http_requests_total\{method="GET",route="\/api\/v1\/loyalty\/card_types\/salon\/:location_id",status="401"\} 1/,
    );
    expect(res.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health"\} [1-9]/);
  });
});
