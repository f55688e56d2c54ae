import type { Updateable } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { ProgramRow, ProgramTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { LOYALTY_TYPES, loyaltyTypeByCode, loyaltyTypeById, VALUE_UNITS } from '../../lib/loyalty-types.js';
import { idsField, intField, moneyField } from '../../lib/fields.js';
import { requireChainMembers } from '../chains/chain-members.js';
import { LocationsRepository } from '../locations/locations.repository.js';
import { toLocationProgramWire, toProgramDetailWire } from './programs.mapper.js';
import { ProgramsRepository, type ProgramItems, type RuleValues } from './programs.repository.js';
import {
  FIXED_FIELDS,
  INCLUDES,
  type CreateProgramInput,
  type Include,
  type IncludeInput,
  type ItemRule,
  type LocationProgramsInput,
  type LocationProgramWire,
  type ParamsSource,
  type ProgramDetailWire,
  type RuleInputWire,
  type TimeoutUnit,
  type UpdateProgramInput,
} from './programs.schemas.js';

/** A promotion as the rules see it, whichever way it arrives (HTTP or the admin CLI). */
interface ProgramDraft {
  chainId: number;
  title: string;
  loyaltyTypeId: number;
  valueUnitId: number;
  serviceItemType: ItemRule;
  goodItemType: ItemRule;
  /** Derived from the service and product rules when not given. */
  itemTypeId?: number;
  value?: number;
  rules: RuleValues[];
  locationIds: number[];
  cardTypeIds: number[];
  items: ProgramItems;
  expirationTimeout: number;
  expirationTimeoutUnit: TimeoutUnit;
  expirationNotificationTimeout: number;
  historyStartDate: string;
  paramsSource: ParamsSource;
  soldItemsMultiplicity: number;
  usageLimit: number;
  visitMultiplicity: number;
}

/** What the admin CLI and the demo dataset give (SetupService.createProgram). */
export interface ProgramInput {
  id?: number;
  chainId: number;
  title: string;
  loyaltyTypeId: number;
  valueUnitId?: number;
  itemTypeId?: number;
  value?: number;
  /** Rules as {parameter, value}; value in currency units or percent (2 decimals at most). */
  rules?: { id?: number; parameter: number; value: number }[];
  locationIds?: number[];
  cardTypeIds?: number[];
}

const NO_ITEMS: ProgramItems = { services: [], goods: [], goodCategories: [] };

/**
 * `item_type_id` as Altegio's item-type enum reads: 0 all services and products, 1 any
 * services, 2 any products, 3 specific services only, 4 specific services and any products.
 */
function itemTypeOf(services: ItemRule, goods: ItemRule): number {
  const goodsAllowed = goods !== 'not_allowed';
  if (services === 'any_allowed') return goodsAllowed ? 0 : 1;
  if (services === 'not_allowed') return 2;
  return goodsAllowed ? 4 : 3;
}

/** `include=a,b`, `include=a&include=b` and `include[]=a` alike; unknown names are 422. */
function includesOf<T extends string>(
  query: { include?: string[]; 'include[]'?: string[] },
  allowed: readonly T[],
): Set<T> {
  const names = [...(query.include ?? []), ...(query['include[]'] ?? [])]
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(allowed as readonly string[]).includes(n));
  if (unknown.length > 0) throw AppError.field('include', `must be among: ${allowed.join(', ')}`);
  return new Set(names as T[]);
}

function count(value: unknown, field: string): number | undefined {
  return value === undefined ? undefined : intField(value, field);
}

function rulesOf(rules: RuleInputWire[]): RuleValues[] {
  return rules.map((rule, i) => ({
    parameter: intField(rule.parameter ?? 0, `rules.${i}.parameter`),
    service_id: intField(rule.service_id ?? 0, `rules.${i}.service_id`),
    value_hundredths: moneyField(rule.value, `rules.${i}.value`),
  }));
}

function itemsOf(input: UpdateProgramInput, current: ProgramItems): ProgramItems {
  return {
    services: input.allowed_service_ids
      ? idsField(input.allowed_service_ids, 'allowed_service_ids')
      : current.services,
    goods: input.allowed_good_ids ? idsField(input.allowed_good_ids, 'allowed_good_ids') : current.goods,
    goodCategories: input.allowed_good_category_ids
      ? idsField(input.allowed_good_category_ids, 'allowed_good_category_ids')
      : current.goodCategories,
  };
}

function draftOf(chainId: number, input: CreateProgramInput): ProgramDraft {
  return {
    chainId,
    title: input.title.trim(),
    loyaltyTypeId: loyaltyTypeByCode(input.type)!.id,
    valueUnitId: input.value_unit === 'percent' ? 1 : 2,
    serviceItemType: input.service_item_type,
    goodItemType: input.good_item_type,
    rules: rulesOf(input.rules),
    locationIds: idsField(input.company_ids, 'company_ids'),
    cardTypeIds: idsField(input.loyalty_card_type_ids ?? [], 'loyalty_card_type_ids'),
    items: itemsOf(input, NO_ITEMS),
    expirationTimeout: count(input.expiration_timeout, 'expiration_timeout') ?? 0,
    expirationTimeoutUnit: input.expiration_timeout_unit ?? 'day',
    expirationNotificationTimeout:
      count(input.expiration_notification_timeout, 'expiration_notification_timeout') ?? 0,
    historyStartDate: input.history_start_date ?? '',
    paramsSource: input.params_source_type ?? 'loyalty_card',
    soldItemsMultiplicity: count(input.sold_items_multiplicity, 'sold_items_multiplicity') ?? 0,
    usageLimit: count(input.usage_limit, 'usage_limit') ?? 0,
    visitMultiplicity: count(input.visit_multiplicity, 'visit_multiplicity') ?? 0,
  };
}

/** The stored program and its parts, back as a draft, so an edit is checked like a creation. */
function draftFromRow(
  program: ProgramRow,
  parts: Pick<ProgramDraft, 'rules' | 'locationIds' | 'cardTypeIds' | 'items'>,
) {
  return {
    chainId: program.chain_id,
    title: program.title,
    loyaltyTypeId: program.loyalty_type_id,
    valueUnitId: program.value_unit_id,
    serviceItemType: program.service_item_type as ItemRule,
    goodItemType: program.good_item_type as ItemRule,
    itemTypeId: program.item_type_id,
    value: program.value,
    expirationTimeout: program.expiration_timeout,
    expirationTimeoutUnit: program.expiration_timeout_unit as TimeoutUnit,
    expirationNotificationTimeout: program.expiration_notification_timeout,
    historyStartDate: program.history_start_date,
    paramsSource: program.params_source_type as ParamsSource,
    soldItemsMultiplicity: program.sold_items_multiplicity,
    usageLimit: program.usage_limit,
    visitMultiplicity: program.visit_multiplicity,
    ...parts,
  } satisfies ProgramDraft;
}

/** The value a fixed field (not editable, L-21) has in the stored program, as the wire spells it. */
function storedFixed(program: ProgramRow): Record<(typeof FIXED_FIELDS)[number], string | number> {
  return {
    type: loyaltyTypeById(program.loyalty_type_id).code,
    value_unit: VALUE_UNITS[program.value_unit_id] ?? '',
    service_item_type: program.service_item_type,
    good_item_type: program.good_item_type,
    history_start_date: program.history_start_date,
    params_source_type: program.params_source_type,
    sold_items_multiplicity: program.sold_items_multiplicity,
    visit_multiplicity: program.visit_multiplicity,
  };
}

/** The chain promotion operations (L-19…L-22, L-24); the admin CLI creates programs through here too. */
export class ProgramsService {
  constructor(private readonly db: Db) {}

  /** L-24. */
  async activeAtLocation(
    location: { id: number; chain_id: number },
    query: LocationProgramsInput,
  ): Promise<LocationProgramWire[]> {
    const include = includesOf(query, ['first_transaction_date'] as const);
    const repo = new ProgramsRepository(this.db);
    const typeId = query.type === undefined ? undefined : loyaltyTypeByCode(query.type)!.id;
    const programs = await repo.activeAt(location.chain_id, location.id, typeId);
    if (!include.has('first_transaction_date')) return programs.map((p) => toLocationProgramWire(p));
    const first = await repo.firstTransactionDates(programs.map((p) => p.id));
    return programs.map((p) => toLocationProgramWire(p, first.get(p.id) ?? null));
  }

  /** L-19. */
  async create(
    executor: Executor,
    chainId: number,
    input: CreateProgramInput,
    query: IncludeInput,
  ): Promise<ProgramDetailWire> {
    const include = includesOf(query, INCLUDES);
    const programId = await this.createFromDraft(executor, draftOf(chainId, input));
    return this.detail(executor, chainId, programId, include);
  }

  /** The admin CLI and demo dataset path: same rules, explicit ids allowed. */
  async createFromInput(executor: Executor, input: ProgramInput): Promise<number> {
    const draft: ProgramDraft = {
      chainId: input.chainId,
      title: input.title.trim(),
      loyaltyTypeId: input.loyaltyTypeId,
      valueUnitId: input.valueUnitId ?? 1,
      serviceItemType: 'any_allowed',
      goodItemType: 'any_allowed',
      itemTypeId: input.itemTypeId,
      value: input.value,
      rules: (input.rules ?? []).map((rule, i) => ({
        id: rule.id,
        parameter: intField(rule.parameter, `rules.${i}.parameter`),
        service_id: 0,
        value_hundredths: moneyField(rule.value, `rules.${i}.value`),
      })),
      locationIds: input.locationIds ?? [],
      cardTypeIds: input.cardTypeIds ?? [],
      items: NO_ITEMS,
      expirationTimeout: 0,
      expirationTimeoutUnit: 'day',
      expirationNotificationTimeout: 0,
      historyStartDate: '',
      paramsSource: 'loyalty_card',
      soldItemsMultiplicity: 0,
      usageLimit: 0,
      visitMultiplicity: 0,
    };
    return this.createFromDraft(executor, draft, input.id);
  }

  private async createFromDraft(executor: Executor, draft: ProgramDraft, id?: number): Promise<number> {
    await this.check(executor, draft);
    const repo = new ProgramsRepository(executor);
    const programId = await repo.insert(
      {
        chain_id: draft.chainId,
        title: draft.title,
        loyalty_type_id: draft.loyaltyTypeId,
        value_unit_id: draft.valueUnitId,
        item_type_id: draft.itemTypeId ?? itemTypeOf(draft.serviceItemType, draft.goodItemType),
        value: draft.value ?? 0,
        service_item_type: draft.serviceItemType,
        good_item_type: draft.goodItemType,
        expiration_timeout: draft.expirationTimeout,
        expiration_timeout_unit: draft.expirationTimeoutUnit,
        expiration_notification_timeout: draft.expirationNotificationTimeout,
        history_start_date: draft.historyStartDate,
        params_source_type: draft.paramsSource,
        sold_items_multiplicity: draft.soldItemsMultiplicity,
        usage_limit: draft.usageLimit,
        visit_multiplicity: draft.visitMultiplicity,
      },
      id,
    );
    await repo.replaceRules(programId, draft.rules);
    await repo.replaceLocations(programId, draft.locationIds);
    await repo.replaceCardTypes(programId, draft.cardTypeIds);
    await repo.replaceItems(programId, draft.items);
    return programId;
  }

  /** L-20. A promotion of another chain does not exist here. */
  async get(chainId: number, programId: number, query: IncludeInput): Promise<ProgramDetailWire> {
    return this.detail(this.db, chainId, programId, includesOf(query, INCLUDES));
  }

  /**
   * L-21. Only the editable fields change; a fixed field sent with its current value is
   * accepted, with another value refused. Lists sent replace the stored ones.
   */
  async update(
    executor: Executor,
    chainId: number,
    programId: number,
    input: UpdateProgramInput,
    query: IncludeInput,
  ): Promise<ProgramDetailWire> {
    const include = includesOf(query, INCLUDES);
    const repo = new ProgramsRepository(executor);
    const program = await repo.byId(chainId, programId);
    if (!program) throw AppError.notFound('Loyalty program');
    const stored = storedFixed(program);
    for (const field of FIXED_FIELDS) {
      const sent =
        field === 'history_start_date' ? (input[field] === null ? '' : input[field]) : input[field];
      if (sent === undefined) continue;
      const same =
        typeof stored[field] === 'number' ? intField(sent, field) === stored[field] : sent === stored[field];
      if (!same) throw AppError.field(field, 'cannot be changed after creation');
    }
    const currentRules = (await repo.rulesOf([programId])).get(programId) ?? [];
    const draft: ProgramDraft = draftFromRow(program, {
      rules: input.rules ? rulesOf(input.rules) : currentRules,
      locationIds: input.company_ids
        ? idsField(input.company_ids, 'company_ids')
        : await repo.locationIdsOf(programId),
      cardTypeIds: input.loyalty_card_type_ids
        ? idsField(input.loyalty_card_type_ids, 'loyalty_card_type_ids')
        : (await repo.cardTypesOf(programId)).map((t) => t.id),
      items: itemsOf(input, await repo.itemsOf(programId)),
    });
    const changes: Updateable<ProgramTable> = {};
    if (input.title !== undefined) changes.title = draft.title = input.title.trim();
    const usageLimit = count(input.usage_limit, 'usage_limit');
    if (usageLimit !== undefined) changes.usage_limit = draft.usageLimit = usageLimit;
    const timeout = count(input.expiration_timeout, 'expiration_timeout');
    if (timeout !== undefined) changes.expiration_timeout = timeout;
    const notify = count(input.expiration_notification_timeout, 'expiration_notification_timeout');
    if (notify !== undefined) changes.expiration_notification_timeout = notify;
    if (input.expiration_timeout_unit) changes.expiration_timeout_unit = input.expiration_timeout_unit;
    await this.check(executor, draft);

    await repo.update(programId, changes);
    if (input.rules) await repo.replaceRules(programId, draft.rules);
    if (input.company_ids) await repo.replaceLocations(programId, draft.locationIds);
    if (input.loyalty_card_type_ids) await repo.replaceCardTypes(programId, draft.cardTypeIds);
    if (input.allowed_service_ids || input.allowed_good_ids || input.allowed_good_category_ids) {
      await repo.replaceItems(programId, draft.items);
    }
    return this.detail(executor, chainId, programId, include);
  }

  /** L-22. The promotion leaves every card at once; its past transactions keep their program id. */
  async remove(executor: Executor, chainId: number, programId: number): Promise<void> {
    const repo = new ProgramsRepository(executor);
    if (!(await repo.byId(chainId, programId))) throw AppError.notFound('Loyalty program');
    await repo.softDelete(programId);
  }

  /** The promotion rules of altegio-reference.md L-19, for every way a promotion is made or edited. */
  private async check(executor: Executor, draft: ProgramDraft): Promise<void> {
    if (!draft.title) throw AppError.field('title', 'must not be empty');
    const type = LOYALTY_TYPES.find((t) => t.id === draft.loyaltyTypeId);
    if (!type) throw AppError.field('type', `must be one of: ${LOYALTY_TYPES.map((t) => t.code).join(', ')}`);
    if (draft.valueUnitId !== 1 && draft.valueUnitId !== 2) {
      throw AppError.field('value_unit', 'must be one of: percent, amount');
    }
    if (type.is_static && draft.rules.length !== 1) {
      throw AppError.field('rules', 'must hold exactly one rule for a fixed promotion');
    }
    if (draft.rules.length === 0) throw AppError.field('rules', 'must hold at least one rule');
    draft.rules.forEach((rule, i) => {
      if (rule.value_hundredths < 0) throw AppError.field(`rules.${i}.value`, 'must not be negative');
      if (draft.valueUnitId === 1 && rule.value_hundredths > 100_00) {
        throw AppError.field(`rules.${i}.value`, 'must be at most 100 for a percent promotion');
      }
    });
    if (draft.serviceItemType === 'not_allowed' && draft.goodItemType === 'not_allowed') {
      throw AppError.field('service_item_type', 'and good_item_type must not both be not_allowed');
    }
    if (draft.serviceItemType === 'custom_allowed' && draft.items.services.length === 0) {
      throw AppError.field(
        'allowed_service_ids',
        'must name services when service_item_type is custom_allowed',
      );
    }
    if (
      draft.goodItemType === 'custom_allowed' &&
      draft.items.goods.length + draft.items.goodCategories.length === 0
    ) {
      throw AppError.field(
        'allowed_good_ids',
        'must name products or categories when good_item_type is custom_allowed',
      );
    }
    if (!type.is_cashback) {
      if (draft.usageLimit !== 0) throw AppError.field('usage_limit', 'applies to cashback promotions only');
      if (draft.visitMultiplicity !== 0) {
        throw AppError.field('visit_multiplicity', 'applies to cashback promotions only');
      }
    }
    await requireChainMembers(executor, 'locations', draft.chainId, draft.locationIds, 'company_ids');
    await requireChainMembers(
      executor,
      'card_types',
      draft.chainId,
      draft.cardTypeIds,
      'loyalty_card_type_ids',
    );
  }

  private async detail(
    executor: Executor,
    chainId: number,
    programId: number,
    include: Set<Include>,
  ): Promise<ProgramDetailWire> {
    const repo = new ProgramsRepository(executor);
    const program = await repo.byId(chainId, programId);
    if (!program) throw AppError.notFound('Loyalty program');
    return toProgramDetailWire(program, {
      rules: include.has('rules') ? ((await repo.rulesOf([programId])).get(programId) ?? []) : undefined,
      companies: include.has('companies')
        ? await new LocationsRepository(executor).byIds(await repo.locationIdsOf(programId))
        : undefined,
      cardTypes: include.has('loyalty_card_types') ? await repo.cardTypesOf(programId) : undefined,
      items: include.has('applicable_items') ? await repo.itemsOf(programId) : undefined,
      changedTemplate: include.has('on_changed_notification_template'),
      expirationTemplate: include.has('on_expiration_notification_template'),
    });
  }
}
