import type { Db, Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { isUniqueViolation } from '../../db/errors.js';
import { idField, moneyField, phoneField } from '../../lib/fields.js';
import { phoneDigits } from '../../lib/phone.js';
import type { AuthContext } from '../../http/access.js';
import { CardTypesRepository } from '../card-types/card-types.repository.js';
import { ClientsRepository } from '../clients/clients.repository.js';
import { ProgramsRepository } from '../programs/programs.repository.js';
import { toBalanceWire, toCardTypeWire, toCardWire } from './cards.mapper.js';
import { CardsRepository, type CardWithRefs } from './cards.repository.js';
import type {
  CardBalanceWire,
  CardTypeWire,
  IssueCardInput,
  LoyaltyCardWire,
  ManualTransactionInput,
} from './cards.schemas.js';

const MANUAL_TOP_UP = 5;
const MANUAL_WITHDRAWAL = 6;

const CARD_NUMBER = /^[A-Za-z0-9-]{1,32}$/;

/** Where a manual transaction happens: at a location, or at chain level (no location). */
interface TransactionPlace {
  chainId: number;
  locationId: number | null;
}

/** The loyalty card operations of SPEC §3. Access to the location/chain is checked by the route. */
export class CardsService {
  constructor(private readonly db: Db) {}

  private async withPrograms(
    executor: Executor,
    cards: readonly CardWithRefs[],
    locationId: number | null,
  ): Promise<LoyaltyCardWire[]> {
    const programs = await new ProgramsRepository(executor).forCardTypes(
      [...new Set(cards.map((c) => c.card_type_id))],
      locationId,
    );
    return cards.map((card) => toCardWire(card, programs.get(card.card_type_id) ?? []));
  }

  /** Op 1. A client's cards are the live cards of the client's phone in the client's chain. */
  async cardsOfClient(auth: AuthContext, clientId: number, access: ClientLocationAccess) {
    const client = await new ClientsRepository(this.db).anywhere(clientId);
    // A client the caller may not act on is answered exactly as one that does not exist, whether
    // the partner is not connected to its location or the user is not granted it: a 403 for the
    // one and a 404 for the other would tell existing clients from missing ones.
    if (!client || !(await access.grantsLocation(auth, client.location_id))) {
      throw AppError.notFound('Client');
    }
    const cards = await new CardsRepository(this.db).cardsByPhone(client.chain_id, client.phone);
    return this.withPrograms(this.db, cards, client.location_id);
  }

  /** Op 2. `chainId` 0 means the location's chain; any other chain than the location's is 404. */
  async cardsByPhone(location: { id: number; chain_id: number }, chainId: number, rawPhone: string) {
    if (chainId !== 0 && chainId !== location.chain_id) throw AppError.notFound('Chain');
    const phone = phoneField(rawPhone);
    const cards = await new CardsRepository(this.db).cardsByPhone(location.chain_id, phone);
    return this.withPrograms(this.db, cards, location.id);
  }

  /** Op 3. The authorised user's own cards in the chain, found by the user's phone. */
  async cardsOfUser(auth: AuthContext, chainId: number): Promise<LoyaltyCardWire[]> {
    const phone = auth.user ? phoneDigits(auth.user.phone) : '';
    if (!phone) return [];
    const cards = await new CardsRepository(this.db).cardsByPhone(chainId, phone);
    return this.withPrograms(this.db, cards, null);
  }

  /** Op 4 (and 5 with a phone): card types issuable at the location. */
  async issuableTypes(
    location: { id: number; chain_id: number },
    rawPhone?: string,
  ): Promise<CardTypeWire[]> {
    const types = await new CardTypesRepository(this.db).ofChain(location.chain_id, location.id);
    if (rawPhone === undefined) return types.map(toCardTypeWire);
    const held = await new CardsRepository(this.db).typesHeldByPhone(location.chain_id, phoneField(rawPhone));
    return types.filter((t) => !held.has(t.id)).map(toCardTypeWire);
  }

  /** Op 6. */
  async chainTypes(chainId: number): Promise<CardTypeWire[]> {
    const types = await new CardTypesRepository(this.db).ofChain(chainId, null);
    return types.map(toCardTypeWire);
  }

  /** Op 7. */
  async issue(
    executor: Executor,
    location: { id: number; chain_id: number },
    input: IssueCardInput,
  ): Promise<LoyaltyCardWire> {
    const typeId = idField(input.loyalty_card_type_id, 'loyalty_card_type_id');
    const phone = phoneField(input.phone);
    let number: string | null = null;
    if (input.loyalty_card_number !== undefined) {
      number = String(input.loyalty_card_number).trim();
      if (!CARD_NUMBER.test(number)) {
        throw AppError.field('loyalty_card_number', 'must be 1 to 32 letters, digits or dashes');
      }
    }
    const repo = new CardsRepository(executor);
    const issuable = await new CardTypesRepository(executor).ofChain(location.chain_id, location.id);
    if (!issuable.some((t) => t.id === typeId)) {
      throw AppError.field('loyalty_card_type_id', 'is not a card type that can be issued at this location');
    }
    if (await repo.liveCardOfType(typeId, phone)) {
      throw AppError.field('phone', 'already holds a card of this type');
    }
    if (number !== null && (await repo.liveCardWithNumber(location.chain_id, number))) {
      throw AppError.field('loyalty_card_number', 'is already used by another card in this chain');
    }
    const clients = new ClientsRepository(executor);
    const clientId =
      (await clients.byPhone(location.id, phone))?.id ??
      (await clients.insert(location.id, { phone, name: '' }));
    let cardId: number;
    try {
      cardId = await repo.insertCard({
        chain_id: location.chain_id,
        card_type_id: typeId,
        client_id: clientId,
        phone,
        number,
        issued_location_id: location.id,
      });
      // SPEC §3: a generated number is the chain id followed by the card id padded to 8 digits.
      if (number === null)
        await repo.setNumber(cardId, `${location.chain_id}${String(cardId).padStart(8, '0')}`);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw AppError.invalid('The card number or the phone and card type are already taken in this chain.');
      }
      throw error;
    }
    const card = await repo.cardById(location.chain_id, cardId);
    if (!card) throw new Error('issued card vanished');
    const [wire] = await this.withPrograms(executor, [card], location.id);
    return wire as LoyaltyCardWire;
  }

  /** Op 8. Removal keeps the card row and its transactions; it only leaves every list. */
  async remove(executor: Executor, chainId: number, cardId: number): Promise<void> {
    if (!(await new CardsRepository(executor).remove(chainId, cardId)))
      throw AppError.notFound('Loyalty card');
  }

  /** Ops 9 and 10. */
  async manualTransaction(
    executor: Executor,
    auth: AuthContext,
    place: TransactionPlace,
    cardId: number,
    input: ManualTransactionInput,
  ): Promise<CardBalanceWire> {
    const delta = moneyField(input.amount, 'amount');
    if (delta === 0) throw AppError.field('amount', 'must not be 0');
    const repo = new CardsRepository(executor);
    const card = await repo.applyManualTransaction({
      card_id: cardId,
      chain_id: place.chainId,
      location_id: place.locationId,
      type_id: delta > 0 ? MANUAL_TOP_UP : MANUAL_WITHDRAWAL,
      amount_minor: delta,
      title: input.title ?? '',
      partner_id: auth.partnerId,
      user_id: auth.user?.id ?? null,
    });
    if (!card) {
      if (!(await repo.liveCardExists(place.chainId, cardId))) throw AppError.notFound('Loyalty card');
      throw AppError.field('amount', 'exceeds the card balance');
    }
    const programs = await new ProgramsRepository(executor).forCardTypes(
      [card.card_type_id],
      place.locationId,
    );
    return toBalanceWire(card, programs.get(card.card_type_id) ?? []);
  }
}

/** What op 1 needs from the access rules (AuthService), resolved by the client's own location. */
export interface ClientLocationAccess {
  /** The partner is connected to the location and the user granted it. */
  grantsLocation(auth: AuthContext, locationId: number): Promise<boolean>;
}
