import type { Db, Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { AuthContext } from '../../http/access.js';
import { accessWire, toLocationWire } from '../locations/locations.mapper.js';
import { LocationsRepository } from '../locations/locations.repository.js';
import { ChainsRepository } from './chains.repository.js';
import type { ChainWire } from './chains.schemas.js';

/** The Chain Management operations (C-2; C-1 is the clients module's) and chain creation for the CLI. */
export class ChainsService {
  constructor(private readonly db: Db) {}

  async create(executor: Executor, title: string, id?: number): Promise<number> {
    if (!title.trim()) throw AppError.field('title', 'is required');
    return new ChainsRepository(executor).insert(title.trim(), id);
  }

  /**
   * C-2. The chains the partner reaches (through a live location it is connected to); with a
   * user token, only those the user is granted. Each lists the partner's locations in it.
   */
  async list(auth: AuthContext): Promise<ChainWire[]> {
    const chains = await new ChainsRepository(this.db).reachable(auth.partnerId, auth.user?.id ?? null);
    const { rows } = await new LocationsRepository(this.db).list({
      partnerId: auth.partnerId,
      chainIds: chains.map((c) => c.id),
    });
    const access = accessWire(auth.user !== null);
    return chains.map((chain) => ({
      id: chain.id,
      title: chain.title,
      access,
      companies: rows.filter((row) => row.chain_id === chain.id).map((row) => toLocationWire(row)),
    }));
  }
}
