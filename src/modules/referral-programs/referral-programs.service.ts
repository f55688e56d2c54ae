import { inTransaction, type Db, type Executor } from '../../db/database.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { ReferralProgramRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { intField, moneyField } from '../../lib/fields.js';
import { toMajor } from '../../lib/money.js';
import { ChainsRepository } from '../chains/chains.repository.js';
import { toReferralProgramWire } from './referral-programs.mapper.js';
import {
  ReferralProgramsRepository,
  type ReferralProgramChanges,
  type ReferralProgramValues,
} from './referral-programs.repository.js';
import type {
  CreateReferralProgramInput,
  ReferralProgramWire,
  UpdateReferralProgramInput,
} from './referral-programs.schemas.js';

type Who = 'invited' | 'referrer';

/** A part as sent (every field optional on an edit). */
interface PartInput {
  value?: number | string;
  value_unit_id?: number | string;
}

const PERCENT = 1;
const MAX_PERCENT = 100_00;

function titleOf(title: string): string {
  const trimmed = title.trim();
  if (!trimmed) throw AppError.field('title', 'must not be empty');
  return trimmed;
}

/** A part's stored columns, from what is sent and (on an edit) what is stored. */
function partOf(
  who: Who,
  sent: PartInput,
  stored?: { value: number; unit: number },
): Pick<ReferralProgramValues, `${Who}_value_hundredths` | `${Who}_value_unit_id`> {
  const value = sent.value === undefined ? stored?.value : moneyField(sent.value, `${who}.value`);
  if (value === undefined) throw AppError.field(`${who}.value`, 'is required');
  const unit =
    sent.value_unit_id === undefined
      ? stored?.unit
      : intField(sent.value_unit_id, `${who}.value_unit_id`, 1, 2);
  if (unit === undefined) throw AppError.field(`${who}.value_unit_id`, 'is required');
  if (value < 0) throw AppError.field(`${who}.value`, 'must not be negative');
  if (unit === PERCENT && value > MAX_PERCENT) {
    if (sent.value !== undefined) throw AppError.field(`${who}.value`, 'must be at most 100 for a percent');
    throw AppError.field(
      `${who}.value_unit_id`,
      `cannot be 1 (percent) with the stored value ${toMajor(value)}: a percent is at most 100, send the value too`,
    );
  }
  return { [`${who}_value_hundredths`]: value, [`${who}_value_unit_id`]: unit } as never;
}

function storedPart(row: ReferralProgramRow, who: Who) {
  return { value: row[`${who}_value_hundredths`], unit: row[`${who}_value_unit_id`] };
}

/**
 * The chain's referral program (SPEC §6.5): at most one live per chain, made, read, changed and
 * removed over HTTP (an extension) and by the admin CLI. Applying it in a visit (V10) reads the
 * live program through the repository.
 */
export class ReferralProgramsService {
  constructor(private readonly db: Db) {}

  /** The chain's live program; 404 when it has none. */
  async get(chainId: number, executor: Executor = this.db): Promise<ReferralProgramWire> {
    const row = await new ReferralProgramsRepository(executor).liveOf(chainId);
    if (!row) throw AppError.notFound('Referral program');
    return toReferralProgramWire(row);
  }

  /** A second live program in the chain is refused by the database itself, whatever the timing. */
  async create(
    executor: Executor,
    chainId: number,
    input: CreateReferralProgramInput,
  ): Promise<ReferralProgramWire> {
    const values: ReferralProgramValues = {
      title: titleOf(input.title),
      ...partOf('invited', input.invited),
      ...partOf('referrer', input.referrer),
    };
    try {
      return toReferralProgramWire(await new ReferralProgramsRepository(executor).insert(chainId, values));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw AppError.invalid(
          'The chain already has a referral program: change it with PUT, or delete it before making another.',
        );
      }
      throw error;
    }
  }

  /** Only the fields sent change; the result obeys the same rules as a new program. */
  async update(
    executor: Executor,
    chainId: number,
    input: UpdateReferralProgramInput,
  ): Promise<ReferralProgramWire> {
    const repo = new ReferralProgramsRepository(executor);
    const row = await repo.takeLive(chainId);
    if (!row) throw AppError.notFound('Referral program');
    const changes: ReferralProgramChanges = {
      ...(input.title === undefined ? {} : { title: titleOf(input.title) }),
      ...(input.invited ? partOf('invited', input.invited, storedPart(row, 'invited')) : {}),
      ...(input.referrer ? partOf('referrer', input.referrer, storedPart(row, 'referrer')) : {}),
    };
    await repo.update(row.id, changes);
    return toReferralProgramWire({ ...row, ...changes } as ReferralProgramRow);
  }

  /** A soft delete: visits that applied it keep their rows, and the chain may make a new one. */
  async remove(executor: Executor, chainId: number): Promise<void> {
    if (!(await new ReferralProgramsRepository(executor).removeLive(chainId))) {
      throw AppError.notFound('Referral program');
    }
  }

  /**
   * The admin CLI names a chain by id: `work` runs in one transaction once the chain is known to
   * exist (over HTTP the access rule has checked it).
   */
  inChain<T>(chainId: number, work: (executor: Executor) => Promise<T>): Promise<T> {
    return inTransaction(this.db, async (trx) => {
      if (!(await new ChainsRepository(trx).byId(chainId))) throw AppError.notFound(`Chain ${chainId}`);
      return work(trx);
    });
  }
}
