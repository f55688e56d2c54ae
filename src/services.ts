import type { DatabaseHandle } from './db/database.js';
import { WriteRunner } from './http/write.js';
import { AuthService } from './modules/auth/auth.service.js';
import { CardsService } from './modules/cards/cards.service.js';
import { IdempotencyService } from './modules/idempotency/idempotency.service.js';
import { SetupService } from './modules/setup/setup.service.js';

/** Every service, built once over one database; shared by the HTTP app and the admin CLI. */
export interface Services {
  database: DatabaseHandle;
  auth: AuthService;
  cards: CardsService;
  idempotency: IdempotencyService;
  setup: SetupService;
  writes: WriteRunner;
}

export function createServices(database: DatabaseHandle): Services {
  const { db } = database;
  const idempotency = new IdempotencyService(db);
  return {
    database,
    auth: new AuthService(db),
    cards: new CardsService(db),
    idempotency,
    setup: new SetupService(db),
    writes: new WriteRunner(db, idempotency),
  };
}
