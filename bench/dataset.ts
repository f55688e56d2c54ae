import { sql } from 'kysely';
import { createDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import { SetupService } from '../src/modules/setup/setup.service.js';

/** What the load scenarios need to know about the generated data. */
export interface BenchDataset {
  chainId: number;
  locationIds: number[];
  /** `Bearer <partner>, User <user>`, for a user granted every location and the chain. */
  authorization: string;
  /** Card i belongs to client i: its id, phone and the client's location. */
  cards: { id: number; phone: string; locationId: number }[];
  /** Every card starts with this balance (minor units), backed by one opening ledger row. */
  openingBalanceMinor: number;
  /** What scenario V's checkouts need: see `generateDataset`. */
  checkout: {
    /** Per location: the team member and the service an appointment books. */
    locations: { locationId: number; staffId: number; serviceId: number }[];
    /** Clients of their own, each holding one "Bench Gold" card at zero. */
    clients: { phone: string; locationId: number; cardId: number }[];
    /** What one checkout costs (minor units): the service's price. */
    priceMinor: number;
  };
}

export interface DatasetOptions {
  locations: number;
  clients: number;
  /** Scenario V's own clients (default: a tenth of `clients`, at least 100). */
  checkoutClients?: number;
}

const BATCH = 1000;
const OPENING_BALANCE_MINOR = 100_000;
const OPENING_TOP_UP = 5;
const CHECKOUT_PRICE = 1500;

/**
 * Builds the benchmark dataset on a brand-new database, before the server starts: 1 chain, N
 * locations, one card type with a discount program active everywhere, and M clients spread over
 * the locations, each holding one card with an opening balance. The tenancy and catalogue go
 * through SetupService (tokens hashed like the real thing); the bulk rows are multi-row inserts
 * in one transaction, each row giving the same columns (SQLite has no DEFAULT in multi-row VALUES).
 *
 * Scenario V (checkouts) gets what a visit needs, apart from what R, W and H read so their
 * answers stay as they were: per location a team member and a 1500.00 service, and clients of its
 * own (other phones), each holding a card of a "Bench Gold" type whose "Cashback 5%" program (type
 * 6, percent of the paid amount) is active everywhere, so every close earns 75.00.
 */
export async function generateDataset(url: string, options: DatasetOptions): Promise<BenchDataset> {
  const database = createDatabase(url, { poolSize: 2 });
  try {
    await migrate(database.db, database.kind);
    const setup = new SetupService(database.db);
    const chainId = await setup.createChain('Bench chain');
    const locationIds: number[] = [];
    for (let i = 1; i <= options.locations; i++) {
      locationIds.push(await setup.createLocation(chainId, `Bench location ${i}`));
    }
    const partner = await setup.createPartner('Bench partner');
    for (const id of locationIds) await setup.connectPartner(partner.id, id);
    const user = await setup.createUser({
      login: 'bench@example.com',
      password: 'bench-password',
      name: 'Bench user',
      phone: '15550000000',
      locationIds,
      chainIds: [chainId],
    });
    const programId = await setup.createProgram({
      chainId,
      title: 'Paid-amount discount',
      loyaltyTypeId: 4,
      valueUnitId: 1,
      rules: [
        { parameter: 0, value: 5 },
        { parameter: 1000, value: 10 },
      ],
      locationIds,
    });
    const cardTypeId = await setup.createCardType({
      chainId,
      title: 'Bench card',
      locationIds,
      programIds: [programId],
    });

    const checkoutLocations: BenchDataset['checkout']['locations'] = [];
    for (const locationId of locationIds) {
      const staffId = await setup.createStaff(locationId, { name: 'Bench master' });
      const serviceId = await setup.createService(locationId, {
        title: 'Haircut',
        price_min: CHECKOUT_PRICE,
        price_max: CHECKOUT_PRICE,
        staff: [{ id: staffId }],
      });
      checkoutLocations.push({ locationId, staffId, serviceId });
    }
    const cashbackId = await setup.createProgram({
      chainId,
      title: 'Cashback 5%',
      loyaltyTypeId: 6,
      valueUnitId: 1,
      rules: [{ parameter: 0, value: 5 }],
      locationIds,
    });
    const goldTypeId = await setup.createCardType({
      chainId,
      title: 'Bench Gold',
      locationIds,
      programIds: [cashbackId],
    });
    const checkoutCount = options.checkoutClients ?? Math.max(100, Math.floor(options.clients / 10));

    const now = new Date().toISOString();
    const cards: BenchDataset['cards'] = [];
    const checkoutClients: BenchDataset['checkout']['clients'] = [];
    await database.db.transaction().execute(async (trx) => {
      for (let start = 0; start < options.clients; start += BATCH) {
        const clients = [];
        const cardRows = [];
        const ledger = [];
        for (let i = start; i < Math.min(start + BATCH, options.clients); i++) {
          const id = i + 1;
          const phone = String(79_000_000_000 + id);
          const locationId = locationIds[i % locationIds.length]!;
          clients.push({
            id,
            location_id: locationId,
            phone,
            name: `Client ${id}`,
            created_at: now,
            updated_at: now,
          });
          cardRows.push({
            id,
            chain_id: chainId,
            card_type_id: cardTypeId,
            client_id: id,
            phone,
            number: `${chainId}${String(id).padStart(8, '0')}`,
            balance_minor: OPENING_BALANCE_MINOR,
            issued_location_id: locationId,
            created_at: now,
          });
          ledger.push({
            id,
            card_id: id,
            chain_id: chainId,
            location_id: locationId,
            type_id: OPENING_TOP_UP,
            amount_minor: OPENING_BALANCE_MINOR,
            balance_effect_minor: OPENING_BALANCE_MINOR,
            title: 'Opening balance',
            partner_id: partner.id,
            user_id: null,
            created_at: now,
          });
          cards.push({ id, phone, locationId });
        }
        await trx.insertInto('clients').values(clients).execute();
        await trx.insertInto('cards').values(cardRows).execute();
        await trx.insertInto('transactions').values(ledger).execute();
      }
      // V's clients: ids after the others', phones of their own, cards at zero (no ledger row).
      for (let start = 0; start < checkoutCount; start += BATCH) {
        const clients = [];
        const cardRows = [];
        for (let i = start; i < Math.min(start + BATCH, checkoutCount); i++) {
          const id = options.clients + i + 1;
          const phone = String(78_000_000_000 + i + 1);
          const locationId = locationIds[i % locationIds.length]!;
          clients.push({
            id,
            location_id: locationId,
            phone,
            name: `Checkout client ${i + 1}`,
            created_at: now,
            updated_at: now,
          });
          cardRows.push({
            id,
            chain_id: chainId,
            card_type_id: goldTypeId,
            client_id: id,
            phone,
            number: `${chainId}${String(id).padStart(8, '0')}`,
            balance_minor: 0,
            issued_location_id: locationId,
            created_at: now,
          });
          checkoutClients.push({ phone, locationId, cardId: id });
        }
        await trx.insertInto('clients').values(clients).execute();
        await trx.insertInto('cards').values(cardRows).execute();
      }
    });
    await setup.resetSequences(database.kind);
    // Fresh bulk-loaded tables have no statistics yet; autovacuum would gather them later.
    if (database.kind === 'postgres') await sql`analyze`.execute(database.db);

    return {
      chainId,
      locationIds,
      authorization: `Bearer ${partner.token}, User ${user.token}`,
      cards,
      openingBalanceMinor: OPENING_BALANCE_MINOR,
      checkout: { locations: checkoutLocations, clients: checkoutClients, priceMinor: CHECKOUT_PRICE * 100 },
    };
  } finally {
    await database.close();
  }
}
