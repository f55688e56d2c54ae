import type { DatabaseHandle } from './db/database.js';
import { WriteRunner } from './http/write.js';
import { AccountsService } from './modules/accounts/accounts.service.js';
import { CardTypesService } from './modules/card-types/card-types.service.js';
import { ChainsService } from './modules/chains/chains.service.js';
import { ClientsService } from './modules/clients/clients.service.js';
import { LocationsService } from './modules/locations/locations.service.js';
import { ProgramsService } from './modules/programs/programs.service.js';
import { ReferralProgramsService } from './modules/referral-programs/referral-programs.service.js';
import { AuthService } from './modules/auth/auth.service.js';
import { CardsService } from './modules/cards/cards.service.js';
import { IdempotencyRepository } from './modules/idempotency/idempotency.repository.js';
import { LedgerService } from './modules/ledger/ledger.service.js';
import { ServicesService } from './modules/services/services.service.js';
import { SetupService } from './modules/setup/setup.service.js';
import { StaffService } from './modules/staff/staff.service.js';
import { TransactionsService } from './modules/transactions/transactions.service.js';
import { RecordsService } from './modules/records/records.service.js';
import { VisitsService } from './modules/visits/visits.service.js';
import { VisitLoyaltyService } from './modules/visit-loyalty/visit-loyalty.service.js';
import { VisitReferralService } from './modules/visit-loyalty/referral.service.js';

/** Every service, built once over one database; shared by the HTTP app and the admin CLI. */
export interface Services {
  database: DatabaseHandle;
  auth: AuthService;
  cards: CardsService;
  locations: LocationsService;
  chains: ChainsService;
  clients: ClientsService;
  programs: ProgramsService;
  referralPrograms: ReferralProgramsService;
  cardTypes: CardTypesService;
  /** The Idempotency-Key store (the write runner's; the server and the CLI purge it). */
  idempotency: IdempotencyRepository;
  ledger: LedgerService;
  setup: SetupService;
  transactions: TransactionsService;
  /** The location's service catalogue (V1). */
  catalog: ServicesService;
  staff: StaffService;
  accounts: AccountsService;
  visits: VisitsService;
  records: RecordsService;
  /** Loyalty inside an open visit (V8, V9). */
  visitLoyalty: VisitLoyaltyService;
  /** The referral program applied in a visit (V10). */
  visitReferrals: VisitReferralService;
  writes: WriteRunner;
}

export function createServices(database: DatabaseHandle): Services {
  const { db } = database;
  const idempotency = new IdempotencyRepository(db);
  const visits = new VisitsService(db);
  return {
    database,
    auth: new AuthService(db),
    cards: new CardsService(db),
    locations: new LocationsService(db),
    chains: new ChainsService(db),
    clients: new ClientsService(db),
    programs: new ProgramsService(db),
    referralPrograms: new ReferralProgramsService(db),
    cardTypes: new CardTypesService(db),
    idempotency,
    ledger: new LedgerService(db),
    setup: new SetupService(db),
    transactions: new TransactionsService(db),
    catalog: new ServicesService(db),
    staff: new StaffService(db),
    accounts: new AccountsService(db),
    visits,
    records: new RecordsService(db, visits),
    visitLoyalty: new VisitLoyaltyService(visits),
    visitReferrals: new VisitReferralService(visits),
    writes: new WriteRunner(db, idempotency),
  };
}
