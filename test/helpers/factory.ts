import { randomInt } from 'node:crypto';
import type { DatabaseHandle } from '../../src/db/database.js';
import { SetupService } from '../../src/modules/setup/setup.service.js';

let counter = 0;
/** A phone no other test uses. */
export function uniquePhone(): string {
  counter += 1;
  return `1${String(randomInt(100, 999))}${String(Date.now() % 1e5).padStart(5, '0')}${String(counter).padStart(3, '0')}`.slice(
    0,
    15,
  );
}

/**
 * Arranges data for tests through the same setup service the CLI uses. `world()` builds a
 * chain with a location, a partner connected to it, a user granted both, a card type and a
 * client, and hands back their ids and tokens.
 */
export class Factory {
  readonly setup: SetupService;

  constructor(private readonly database: DatabaseHandle) {
    this.setup = new SetupService(database.db);
  }

  async world(options: { programs?: boolean } = {}) {
    const s = this.setup;
    const chainId = await s.createChain('Test chain');
    const locationId = await s.createLocation(chainId, 'Test location');
    const partner = await s.createPartner('Test partner');
    await s.connectPartner(partner.id, locationId);
    const phone = uniquePhone();
    const user = await s.createUser({
      login: `user${uniquePhone()}@example.com`,
      password: 'secret-password',
      name: 'Tester',
      phone,
      locationIds: [locationId],
      chainIds: [chainId],
    });
    let programId: number | undefined;
    if (options.programs) {
      programId = await s.createProgram({
        chainId,
        title: 'Cumulative 5/10',
        loyaltyTypeId: 2,
        valueUnitId: 1,
        rules: [
          { parameter: 0, value: 5 },
          { parameter: 3, value: 10 },
        ],
        locationIds: [locationId],
      });
    }
    const cardTypeId = await s.createCardType({
      chainId,
      title: 'Test card',
      locationIds: [locationId],
      programIds: programId ? [programId] : [],
    });
    return {
      chainId,
      locationId,
      partner,
      user,
      phone,
      cardTypeId,
      programId,
      auth: `Bearer ${partner.token}, User ${user.token}`,
      partnerAuth: `Bearer ${partner.token}`,
    };
  }

  async balanceOf(cardId: number): Promise<{ balance: number; ledger: number; rows: number }> {
    const card = await this.database.db
      .selectFrom('cards')
      .select('balance_minor')
      .where('id', '=', cardId)
      .executeTakeFirstOrThrow();
    const sum = await this.database.db
      .selectFrom('transactions')
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('balance_effect_minor'), eb.lit(0)).as('total'),
        eb.fn.countAll<number>().as('rows'),
      ])
      .where('card_id', '=', cardId)
      .executeTakeFirstOrThrow();
    return { balance: card.balance_minor, ledger: Number(sum.total), rows: Number(sum.rows) };
  }
}
