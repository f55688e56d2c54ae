import type { FastifyPluginAsync } from 'fastify';
import { IN_CHAIN, mount, route } from '../../http/route.js';
import { ChainParams } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import {
  CreateReferralProgramBody,
  ReferralProgramSchema,
  UpdateReferralProgramBody,
} from './referral-programs.schemas.js';
import type { ReferralProgramsService } from './referral-programs.service.js';

const TAG = 'Chain Loyalty Programs';
const URL = '/chain/:chain_id/loyalty/referral_program';
const PROGRAM = { status: 200, envelope: 'single', schema: ReferralProgramSchema } as const;
const EXTENSION =
  'Extension (SPEC §6.5): Altegio sets a referral up as two chain promotions; here a chain has at most one ' +
  'referral program, with two parts: `invited`, the discount of a client who names a referrer, on their ' +
  "first visit at a location, and `referrer`, the accrual to the referrer's card in the chain when that " +
  "visit closes (a percent of the visit's paid amount, or a fixed amount). Needs the user granted the chain. ";
const VALUES =
  'Each part is `{value, value_unit_id}`: `value_unit_id` 1 percent (the value 0–100) or 2 fixed amount ' +
  '(currency units); a value has at most 2 decimals and is not negative (422 otherwise).';

/** The chain's referral program over HTTP (ours; applying it in a visit is V10). */
export const referralProgramsRoutes: FastifyPluginAsync<{
  referralPrograms: ReferralProgramsService;
  writes: WriteRunner;
}> = async (app, { referralPrograms, writes }) => {
  mount(app, writes, [
    route({
      method: 'GET',
      url: URL,
      operationId: 'get_chain_loyalty_referral_program',
      summary: "Get the chain's referral program",
      description: `${EXTENSION}A chain without one (or whose program was deleted) is 404.`,
      tag: TAG,
      ...IN_CHAIN,
      extension: true,
      params: ChainParams,
      answer: PROGRAM,
      handler: ({ scope }) => referralPrograms.get(scope.chain.id),
    }),

    route({
      method: 'POST',
      url: URL,
      operationId: 'create_chain_loyalty_referral_program',
      summary: 'Create the chain referral program',
      description:
        `${EXTENSION}Answers 201 with the program. A chain that already has one is 422 (change it with PUT, ` +
        `or delete it first). ${VALUES}`,
      tag: TAG,
      ...IN_CHAIN,
      extension: true,
      params: ChainParams,
      body: CreateReferralProgramBody,
      answer: { ...PROGRAM, status: 201 },
      handler: ({ scope, body }, trx) => referralPrograms.create(trx, scope.chain.id, body),
    }),

    route({
      method: 'PUT',
      url: URL,
      operationId: 'update_chain_loyalty_referral_program',
      summary: "Edit the chain's referral program",
      description:
        `${EXTENSION}Only the fields sent change, inside a part too (\`{"invited": {"value": 15}}\` keeps ` +
        `its unit); the result must obey the same rules as a new program. 404 when the chain has none. A visit ` +
        `the program was already applied to keeps the referrer part it was applied with. ${VALUES}`,
      tag: TAG,
      ...IN_CHAIN,
      extension: true,
      params: ChainParams,
      body: UpdateReferralProgramBody,
      answer: PROGRAM,
      handler: ({ scope, body }, trx) => referralPrograms.update(trx, scope.chain.id, body ?? {}),
    }),

    route({
      method: 'DELETE',
      url: URL,
      operationId: 'delete_chain_loyalty_referral_program',
      summary: "Delete the chain's referral program",
      description:
        `${EXTENSION}Answers 204 with no content; 404 when the chain has none. It can no longer be applied; ` +
        'visits that applied it keep their rows (and still earn their referrer when they close), and the chain ' +
        'may create a new one.',
      tag: TAG,
      ...IN_CHAIN,
      extension: true,
      params: ChainParams,
      answer: { status: 204 },
      handler: ({ scope }, trx) => referralPrograms.remove(trx, scope.chain.id),
    }),
  ]);
};
