import type { Db, Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { idsField } from '../../lib/fields.js';
import { requireChainMembers } from '../chains/chain-members.js';
import { ChainsRepository } from '../chains/chains.repository.js';
import { CardTypesRepository } from './card-types.repository.js';
import type { CardTypeDetailWire, CreateCardTypeInput, UpdateCardTypeInput } from './card-types.schemas.js';

/** A card type as the rules see it, whichever way it arrives (HTTP or the admin CLI). */
interface CardTypeDraft {
  chainId: number;
  title: string;
  locationIds: number[];
  programIds: number[];
}

/**
 * Card type management (our extension) and the card type creation the admin CLI uses. The
 * card operations read the same rows, so a change shows in them at once.
 */
export class CardTypesService {
  constructor(private readonly db: Db) {}

  async create(executor: Executor, chainId: number, input: CreateCardTypeInput): Promise<CardTypeDetailWire> {
    const typeId = await this.createFromDraft(executor, {
      chainId,
      title: input.title,
      locationIds: idsField(input.company_ids ?? [], 'company_ids'),
      programIds: idsField(input.loyalty_program_ids ?? [], 'loyalty_program_ids'),
    });
    return this.detail(executor, chainId, typeId);
  }

  async createFromDraft(executor: Executor, draft: CardTypeDraft, id?: number): Promise<number> {
    if (!(await new ChainsRepository(executor).byId(draft.chainId))) {
      throw AppError.notFound(`Chain ${draft.chainId}`);
    }
    const title = draft.title.trim();
    if (!title) throw AppError.field('title', 'must not be empty');
    await this.checkMembers(executor, draft.chainId, draft.locationIds, draft.programIds);
    const repo = new CardTypesRepository(executor);
    const typeId = await repo.insert(draft.chainId, title, id);
    await repo.replaceLocations(typeId, draft.locationIds);
    await repo.replacePrograms(typeId, draft.programIds);
    return typeId;
  }

  /** A card type of another chain does not exist here. */
  get(chainId: number, typeId: number): Promise<CardTypeDetailWire> {
    return this.detail(this.db, chainId, typeId);
  }

  /** Only what is sent changes; a list sent replaces the stored one. */
  async update(
    executor: Executor,
    chainId: number,
    typeId: number,
    input: UpdateCardTypeInput,
  ): Promise<CardTypeDetailWire> {
    const repo = new CardTypesRepository(executor);
    if (!(await repo.byId(chainId, typeId))) throw AppError.notFound('Card type');
    const locationIds = input.company_ids && idsField(input.company_ids, 'company_ids');
    const programIds =
      input.loyalty_program_ids && idsField(input.loyalty_program_ids, 'loyalty_program_ids');
    await this.checkMembers(executor, chainId, locationIds ?? [], programIds ?? []);
    if (input.title !== undefined) {
      const title = input.title.trim();
      if (!title) throw AppError.field('title', 'must not be empty');
      await repo.setTitle(typeId, title);
    }
    if (locationIds) await repo.replaceLocations(typeId, locationIds);
    if (programIds) await repo.replacePrograms(typeId, programIds);
    return this.detail(executor, chainId, typeId);
  }

  /**
   * The type can no longer be issued and leaves every card type list; cards already issued
   * keep it, with their balances and history.
   */
  async remove(executor: Executor, chainId: number, typeId: number): Promise<void> {
    const repo = new CardTypesRepository(executor);
    if (!(await repo.byId(chainId, typeId))) throw AppError.notFound('Card type');
    await repo.softDelete(typeId);
  }

  private async checkMembers(
    executor: Executor,
    chainId: number,
    locationIds: number[],
    programIds: number[],
  ) {
    await requireChainMembers(executor, 'locations', chainId, locationIds, 'company_ids');
    await requireChainMembers(executor, 'programs', chainId, programIds, 'loyalty_program_ids');
  }

  private async detail(executor: Executor, chainId: number, typeId: number): Promise<CardTypeDetailWire> {
    const repo = new CardTypesRepository(executor);
    const type = await repo.byId(chainId, typeId);
    if (!type) throw AppError.notFound('Card type');
    return {
      id: type.id,
      title: type.title,
      salon_group_id: type.chain_id,
      salon_group: { id: type.chain_id, title: type.chain_title },
      company_ids: await repo.locationIdsOf(typeId),
      loyalty_program_ids: await repo.programIdsOf(typeId),
    };
  }
}
