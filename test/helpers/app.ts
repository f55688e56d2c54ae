import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { DatabaseKind } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DEMO, loadDemo } from '../../src/demo/dataset.js';
import { createServices, type Services } from '../../src/services.js';
import { checkInjected } from './contract.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from './databases.js';
import { manualTransactionPath, type TransactionAt } from './cards.js';
import { Factory, uniquePhone } from './factory.js';

export { DEMO };

export const DEMO_AUTH = `Bearer ${DEMO.partnerToken}, User ${DEMO.userToken}`;
export const DEMO_PARTNER = `Bearer ${DEMO.partnerToken}`;

export interface TestContext {
  kind: DatabaseKind;
  url: string;
  app: FastifyInstance;
  services: Services;
  database: DatabaseHandle;
  factory: Factory;
  /** `inject` with JSON parsing of the answer; fails when the answer breaks the OpenAPI document. */
  request(options: InjectOptions): Promise<LightMyRequestResponse & { body: string; json: () => any }>;
  /** Issues a card of the world's card type to a new phone over HTTP (op 7); its id. */
  issueCard(world: { locationId: number; cardTypeId: number; auth: string }): Promise<number>;
  /** `request` for an API path (`/api/v1` is prefixed) with an Authorization header and a JSON body. */
  api(
    method: string,
    path: string,
    authorization: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse & { body: string; json: () => any }>;
  /** Op 9 or op 10 on a card through `request`, with an Idempotency-Key when `key` is given. */
  manualTransaction(
    at: TransactionAt,
    cardId: number,
    authorization: string,
    payload: unknown,
    key?: string,
  ): Promise<LightMyRequestResponse & { body: string; json: () => any }>;
}

/**
 * Runs `suite` once per dialect against a real app (in-process, driven with `inject`) on a
 * fresh, migrated database loaded with the demo dataset.
 */
export function describeEachDialect(name: string, suite: (ctx: TestContext) => void): void {
  for (const kind of DIALECTS) {
    describe(`${name} [${kind}]`, () => {
      const ctx = {} as TestContext;
      let db: TestDatabase;
      beforeAll(async () => {
        db = await freshDatabase(kind);
        ctx.kind = kind;
        ctx.url = db.url;
        ctx.database = await openMigrated(db.url);
        await loadDemo(ctx.database);
        ctx.services = createServices(ctx.database);
        ctx.app = await buildApp({
          services: ctx.services,
          config: { bodyLimit: 65536, logLevel: 'silent' },
          logger: false,
        });
        await ctx.app.ready();
        ctx.factory = new Factory(ctx.database);
        ctx.request = async (options) => {
          const res = await ctx.app.inject(options);
          await checkInjected(ctx.app, res); // every answer must match the served OpenAPI document
          return res as never;
        };
        ctx.issueCard = async (world) => {
          const issued = await ctx.api('POST', `/loyalty/cards/${world.locationId}`, world.auth, {
            loyalty_card_type_id: world.cardTypeId,
            phone: uniquePhone(),
          });
          expect(issued.statusCode).toBe(200);
          return issued.json().data.id as number;
        };
        ctx.api = (method, path, authorization, payload) =>
          ctx.request({
            method: method as never,
            url: `/api/v1${path}`,
            headers: { authorization },
            ...(payload === undefined ? {} : { payload: payload as never }),
          });
        ctx.manualTransaction = (at, cardId, authorization, payload, key) =>
          ctx.request({
            method: 'POST',
            url: `/api/v1${manualTransactionPath(at, cardId)}`,
            headers: { authorization, ...(key === undefined ? {} : { 'idempotency-key': key }) },
            payload: payload as never,
          });
      });
      afterAll(async () => {
        await ctx.app?.close();
        await ctx.database?.close();
        await db?.drop();
      });
      suite(ctx);
    });
  }
}
