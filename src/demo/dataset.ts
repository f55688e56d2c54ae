import type { DatabaseHandle } from '../db/database.js';
import { nowIso } from '../lib/time.js';
import { ReferralProgramsService } from '../modules/referral-programs/referral-programs.service.js';
import { SetupService } from '../modules/setup/setup.service.js';

/** SPEC §5 and §6.7: the demo dataset, built from the docs' own examples. Fixed tokens exist only here. */
export const DEMO = {
  partnerToken: 'demo-partner-token',
  userToken: 'demo-user-token',
  login: 'testuser@alteg.io',
  password: 'demo-password',
  phone: '13155550175',
  chainId: 145071,
  locationId: 12345,
  clientId: 55555,
  cardId: 9210520,
  otherChainId: 200000,
  otherLocationId: 20001,
  otherClientId: 55556,
  otherCardId: 9300001,
  // SPEC §6.7: the visit engine's additions.
  haircutServiceId: 1001,
  coloringServiceId: 1002,
  staffId: 501,
  cashAccountId: 701,
  cardAccountId: 702,
  goldCardTypeId: 10993,
  cashbackProgramId: 18006,
  loyalDiscountProgramId: 18007,
  visitClientId: 55557,
  visitPhone: '13155550176',
  visitCardId: 9210521,
} as const;

/** A card type of the dataset: its id, chain and title, the location issuing it, its programs. */
type DemoCardType = [id: number, chainId: number, title: string, locationId: number, programIds?: number[]];

export async function loadDemo(database: DatabaseHandle): Promise<void> {
  const setup = new SetupService(database.db);
  const existing = await database.db
    .selectFrom('chains')
    .select('id')
    .where('id', '=', DEMO.chainId)
    .executeTakeFirst();
  if (existing) return;

  await setup.createChain('Dough chain1.', DEMO.chainId);
  await setup.createLocation(DEMO.chainId, 'Demo location', DEMO.locationId, [
    { type: 0, title: 'Cash', id: DEMO.cashAccountId },
    { type: 1, title: 'Card', id: DEMO.cardAccountId },
  ]);
  await setup.createChain('Other chain', DEMO.otherChainId);
  await setup.createLocation(DEMO.otherChainId, 'Other location', DEMO.otherLocationId);

  const partner = await setup.createPartner('Demo partner', { token: DEMO.partnerToken });
  await setup.connectPartner(partner.id, DEMO.locationId);
  await setup.connectPartner(partner.id, DEMO.otherLocationId);
  await setup.createUser({
    login: DEMO.login,
    password: DEMO.password,
    name: 'Test User',
    phone: DEMO.phone,
    email: DEMO.login,
    locationIds: [DEMO.locationId],
    chainIds: [DEMO.chainId],
    token: DEMO.userToken,
  });
  // SPEC §6.7: the chain's referral program, invited client 10 %, referrer 100 fixed.
  const referrals = new ReferralProgramsService(database.db);
  await referrals.inChain(DEMO.chainId, (trx) =>
    referrals.create(trx, DEMO.chainId, {
      title: 'Referral',
      invited: { value: 10, value_unit_id: 1 },
      referrer: { value: 100, value_unit_id: 2 },
    }),
  );

  await setup.createProgram({
    id: 18005,
    chainId: DEMO.chainId,
    title: '5+2',
    loyaltyTypeId: 13,
    itemTypeId: 3,
    valueUnitId: 1,
    value: 0,
    rules: [
      { id: 72803, parameter: 0, value: 20 },
      { id: 72804, parameter: 0, value: 10 },
      { id: 72805, parameter: 0, value: 100 },
    ],
    locationIds: [DEMO.locationId],
  });
  const cardTypes: DemoCardType[] = [
    [10992, DEMO.chainId, 'Cashback', DEMO.locationId, [18005]],
    [8230, DEMO.chainId, 'Referral program', DEMO.locationId],
    [30001, DEMO.otherChainId, 'Other card', DEMO.otherLocationId],
  ];
  for (const [id, chainId, title, locationId, programIds] of cardTypes) {
    await setup.createCardType({ id, chainId, title, locationIds: [locationId], programIds });
  }
  await setup.createClient(DEMO.locationId, DEMO.phone, 'Demo client', DEMO.clientId);
  const otherClient = await setup.createClient(
    DEMO.otherLocationId,
    DEMO.phone,
    'Demo client',
    DEMO.otherClientId,
  );

  // SPEC §6.7: a catalogue, a Gold card type with a cashback and a cumulative discount, and a
  // client whose card starts at zero, for the visit flow. The master provides both services.
  await setup.createStaff(DEMO.locationId, { name: 'Demo master' }, DEMO.staffId);
  for (const [id, title, price] of [
    [DEMO.haircutServiceId, 'Haircut', 1500],
    [DEMO.coloringServiceId, 'Coloring', 4000],
  ] as const) {
    await setup.createService(
      DEMO.locationId,
      { title, price_min: price, price_max: price, staff: [{ id: DEMO.staffId }] },
      id,
    );
  }
  await setup.createProgram({
    id: DEMO.cashbackProgramId,
    chainId: DEMO.chainId,
    title: 'Cashback 5%',
    loyaltyTypeId: 6,
    valueUnitId: 1,
    value: 5,
    rules: [{ id: 72806, parameter: 0, value: 5 }],
    locationIds: [DEMO.locationId],
  });
  await setup.createProgram({
    id: DEMO.loyalDiscountProgramId,
    chainId: DEMO.chainId,
    title: 'Loyal discount',
    loyaltyTypeId: 4,
    valueUnitId: 1,
    rules: [
      { id: 72807, parameter: 0, value: 5 },
      { id: 72808, parameter: 10000, value: 10 },
    ],
    locationIds: [DEMO.locationId],
  });
  await setup.createCardType({
    id: DEMO.goldCardTypeId,
    chainId: DEMO.chainId,
    title: 'Gold',
    locationIds: [DEMO.locationId],
    programIds: [DEMO.cashbackProgramId, DEMO.loyalDiscountProgramId],
  });
  await setup.createClient(DEMO.locationId, DEMO.visitPhone, 'Visit demo client', DEMO.visitClientId);

  // The demo card starts with balance 100 as an opening manual top-up, so the balance equals
  // the sum of its ledger rows like every other card.
  const now = nowIso();
  await database.db.transaction().execute(async (trx) => {
    // One insert per card: SQLite has no DEFAULT inside a multi-row VALUES list.
    await trx
      .insertInto('cards')
      .values({
        id: DEMO.cardId,
        chain_id: DEMO.chainId,
        card_type_id: 10992,
        client_id: DEMO.clientId,
        phone: DEMO.phone,
        number: '14507109210520',
        balance_minor: 10000,
        paid_minor: 100000,
        sold_minor: 100000,
        visits_count: 1,
        issued_location_id: DEMO.locationId,
        created_at: now,
      })
      .execute();
    await trx
      .insertInto('cards')
      .values({
        id: DEMO.otherCardId,
        chain_id: DEMO.otherChainId,
        card_type_id: 30001,
        client_id: otherClient,
        phone: DEMO.phone,
        number: '20000009300001',
        issued_location_id: DEMO.otherLocationId,
        created_at: now,
      })
      .execute();
    await trx
      .insertInto('cards')
      .values({
        id: DEMO.visitCardId,
        chain_id: DEMO.chainId,
        card_type_id: DEMO.goldCardTypeId,
        client_id: DEMO.visitClientId,
        phone: DEMO.visitPhone,
        number: '14507109210521',
        issued_location_id: DEMO.locationId,
        created_at: now,
      })
      .execute();
    await trx
      .insertInto('transactions')
      .values({
        card_id: DEMO.cardId,
        chain_id: DEMO.chainId,
        location_id: DEMO.locationId,
        type_id: 5,
        amount_minor: 10000,
        balance_effect_minor: 10000,
        title: 'Opening balance',
        created_at: now,
      })
      .execute();
  });
  await setup.resetSequences(database.kind);
}
