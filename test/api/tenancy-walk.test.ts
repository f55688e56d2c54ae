import { beforeAll, expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { HTTP_METHODS } from '../helpers/contract.js';
import { defaultAccounts, insertService, insertStaff } from '../helpers/visits.js';

type JsonObject = Record<string, any>;

/** The kinds of entity an id in a path or body names. */
type Kind =
  | 'chain'
  | 'location'
  | 'card'
  | 'client'
  | 'cardType'
  | 'program'
  | 'visit'
  | 'record'
  | 'staff'
  | 'service'
  | 'account';
type Ids = Record<Kind, number>;

/** Path parameters that name an entity; a new one must be added here (the walk fails on it). */
const KIND_OF_PARAM: Record<string, Kind> = {
  chain_id: 'chain',
  location_id: 'location',
  card_id: 'card',
  client_id: 'client',
  card_type_id: 'cardType',
  loyalty_program_id: 'program',
  program_id: 'program',
  service_id: 'service',
  staff_id: 'staff',
  visit_id: 'visit',
  record_id: 'record',
};
/** Path parameters that name no entity, and the value the walk sends. */
const PLAIN_PARAMS: Record<string, string> = { phone: DEMO.phone };

/** An id inside a body template, varied like a path id. */
const id = (kind: Kind) => ({ walkId: kind });
const isSlot = (value: unknown): value is { walkId: Kind } =>
  typeof value === 'object' && value !== null && 'walkId' in value;

/**
 * A valid body per write, so the walk reaches the service's checks rather than stopping at
 * validation. Ids the body names are varied too.
 */
const BODIES: Record<string, unknown> = {
  create_chain_loyalty_card_type: { title: 'Walk', company_ids: [id('location')] },
  update_chain_loyalty_card_type: { title: 'Walk', loyalty_program_ids: [id('program')] },
  create_chain_loyalty_card_transaction: { amount: 1 },
  create_loyalty_card_transaction: { amount: 1 },
  create_chain_loyalty_program: {
    title: 'Walk',
    type: 'discount_static',
    value_unit: 'percent',
    service_item_type: 'any_allowed',
    good_item_type: 'any_allowed',
    company_ids: [id('location')],
    loyalty_card_type_ids: [id('cardType')],
    rules: [{ value: 5 }],
  },
  update_chain_loyalty_program: { title: 'Walk', loyalty_card_type_ids: [id('cardType')] },
  create_chain_loyalty_referral_program: {
    title: 'Walk',
    invited: { value: 10, value_unit_id: 1 },
    referrer: { value: 100, value_unit_id: 2 },
  },
  update_chain_loyalty_referral_program: { title: 'Walk' },
  update_client: { name: 'Walk', phone: '+13155550175' },
  create_client: { name: 'Walk', phone: '+13155550199' },
  create_location: { title: 'Walk', group_id: id('chain') },
  update_location: { title: 'Walk' },
  get_client_list: { filters: [{ type: 'id', state: { value: [id('client')] } }] },
  issue_loyalty_card: { loyalty_card_type_id: id('cardType'), phone: '+13155550198' },
  authorize_user: { login: DEMO.login, password: DEMO.password },
  create_service: { title: 'Walk', staff: [{ id: id('staff') }] },
  deprecated_update_service_by_id: { title: 'Walk', staff: [{ id: id('staff') }] },
  patch_service: { price_min: 1, staff: [{ id: id('staff'), seance_length: 60 }] },
  create_team_member_quick: { name: 'Walk', specialization: '' },
  deprecated_create_team_member: { name: 'Walk' },
  update_team_member: { name: 'Walk' },
  create_appointment: appointment(),
  update_appointment: appointment(),
  update_visit: { attendance: 0, comment: '', new_transactions: [{ amount: 1, account_id: id('account') }] },
  apply_discount_promotion: { record_id: id('record'), visit_id: id('visit') },
  cancel_discount_promotion: { record_id: id('record'), visit_id: id('visit') },
  apply_loyalty_card_deduction: { amount: 1, record_id: id('record'), visit_id: id('visit') },
  cancel_loyalty_card_withdrawal: { record_id: id('record'), visit_id: id('visit') },
  apply_referral_program: { record_id: id('record'), visit_id: id('visit'), referrer_phone: DEMO.phone },
};

/** An appointment body naming a team member and a service (varied like the other ids). */
function appointment() {
  return {
    staff_id: id('staff'),
    services: [{ id: id('service') }],
    client: { phone: '+13155550197' },
    datetime: '2024-03-01T10:00:00+03:00',
    seance_length: 3600,
  };
}

/** Every slot (path parameter or body id) of an operation, and how to fill them. */
function slotsOf(path: string, body: unknown): { name: string; kind: Kind }[] {
  const slots: { name: string; kind: Kind }[] = [];
  for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
    const kind = KIND_OF_PARAM[name!];
    if (kind) slots.push({ name: `path:${name}`, kind });
    else
      expect(PLAIN_PARAMS, `path parameter ${name} of ${path}: add it to the walk`).toHaveProperty([name!]);
  }
  const visit = (value: unknown, at: string) => {
    if (isSlot(value)) slots.push({ name: `body:${at}`, kind: value.walkId });
    else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${at}.${i}`));
    else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) visit(v, at ? `${at}.${k}` : k);
  };
  visit(body, '');
  return slots;
}

/** The request with every slot filled from `own`, except `varied`, filled from `other`. */
function fill(path: string, body: unknown, own: Ids, varied: string, other: Ids) {
  const pick = (name: string, kind: Kind) => (name === varied ? other : own)[kind];
  const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const kind = KIND_OF_PARAM[name];
    return kind ? String(pick(`path:${name}`, kind)) : PLAIN_PARAMS[name]!;
  });
  const build = (value: unknown, at: string): unknown => {
    if (isSlot(value)) return pick(`body:${at}`, value.walkId);
    if (Array.isArray(value)) return value.map((v, i) => build(v, `${at}.${i}`));
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, build(v, at ? `${at}.${k}` : k)]));
    return value;
  };
  return { url, body: build(body, '') };
}

/** Required query parameters (the chain transaction period, a phone), from the document's examples. */
function requiredQuery(operation: JsonObject): string {
  const parts: string[] = [];
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in !== 'query' || !parameter.required) continue;
    const example = parameter.schema?.examples?.[0] ?? parameter.example;
    expect(
      example,
      `required query parameter ${parameter.name}: the document gives no example`,
    ).toBeDefined();
    parts.push(`${encodeURIComponent(parameter.name)}=${encodeURIComponent(String(example))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * SPEC §1: "an entity of another chain is answered exactly like one that does not exist". Every
 * operation of the served document is called with each of its ids (path and body) replaced by
 * the id of another tenant's entity, and by an id that exists nowhere; the two answers must be
 * identical, status and body. The rest of each request is the demo caller's own data.
 */
describeEachDialect('tenancy: foreign ids are answered like missing ones, on every route', (ctx) => {
  const MISSING = 2_147_483_000;
  const missing: Ids = {
    chain: MISSING,
    location: MISSING,
    card: MISSING,
    client: MISSING,
    cardType: MISSING,
    program: MISSING,
    visit: MISSING,
    record: MISSING,
    staff: MISSING,
    service: MISSING,
    account: MISSING,
  };
  let own: Ids;
  /** Another partner's chain: the demo partner reaches none of it. */
  let otherPartner: Ids;
  /** The demo's second chain: the demo partner is connected to its location, the user granted nothing. */
  let otherChain: Ids;
  let operations: { method: string; path: string; operation: JsonObject }[];

  /**
   * A location's catalogue (a service, a team member, its accounts) and an open appointment there,
   * made by a user granted the location (the demo partner's token, or the world's).
   */
  async function visitAt(locationId: number, partnerToken: string, userToken: string) {
    const service = await insertService(ctx.database, locationId, 'Walk service', 100_000);
    const staff = await insertStaff(ctx.database, locationId, 'Walk master');
    const { cash: account } = await defaultAccounts(ctx.database, locationId);
    const res = await ctx.api('POST', `/records/${locationId}`, `Bearer ${partnerToken}, User ${userToken}`, {
      staff_id: staff,
      services: [{ id: service }],
      client: { phone: '+13155550196' },
      datetime: '2024-03-01T10:00:00+03:00',
      seance_length: 3600,
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id: record, visit_id: visit } = res.json().data;
    return { visit, record, staff, service, account };
  }

  beforeAll(async () => {
    own = {
      chain: DEMO.chainId,
      location: DEMO.locationId,
      card: DEMO.cardId,
      client: DEMO.clientId,
      cardType: 10992,
      program: 18005,
      ...(await visitAt(DEMO.locationId, DEMO.partnerToken, DEMO.userToken)),
    };
    const w = await ctx.factory.world({ programs: true });
    const card = await ctx.issueCard(w);
    const client = await ctx.database.db
      .selectFrom('clients')
      .select('id')
      .where('location_id', '=', w.locationId)
      .executeTakeFirstOrThrow();
    otherPartner = {
      chain: w.chainId,
      location: w.locationId,
      card,
      client: client.id,
      cardType: w.cardTypeId,
      program: w.programId!,
      ...(await visitAt(w.locationId, w.partner.token, w.user.token)),
    };
    const otherClient = await ctx.database.db
      .selectFrom('clients')
      .select('id')
      .where('location_id', '=', DEMO.otherLocationId)
      .executeTakeFirstOrThrow();
    // The demo user is not granted the other chain: its appointment is made by a user who is.
    const otherUser = await ctx.factory.setup.createUser({
      login: `walk${Date.now()}@example.com`,
      password: 'secret-password',
      locationIds: [DEMO.otherLocationId],
      chainIds: [DEMO.otherChainId],
    });
    const otherProgram = await ctx.factory.setup.createProgram({
      chainId: DEMO.otherChainId,
      title: 'Other program',
      loyaltyTypeId: 1,
      valueUnitId: 1,
      rules: [{ parameter: 0, value: 5 }],
      locationIds: [DEMO.otherLocationId],
    });
    otherChain = {
      chain: DEMO.otherChainId,
      location: DEMO.otherLocationId,
      card: DEMO.otherCardId,
      client: otherClient.id,
      cardType: 30001,
      program: otherProgram,
      ...(await visitAt(DEMO.otherLocationId, DEMO.partnerToken, otherUser.token)),
    };
    const document = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    operations = Object.entries<JsonObject>(document.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((m) => item[m]).map((method) => ({ method, path, operation: item[method] })),
    );
  });

  it('every write the document has gets a body here, and the walk covers every operation', () => {
    expect(operations.length).toBeGreaterThan(30);
    for (const { method, operation } of operations) {
      if (operation.requestBody?.required) {
        expect(BODIES, `${method} ${operation.operationId}: add a valid body to the walk`).toHaveProperty([
          operation.operationId,
        ]);
      }
    }
  });

  for (const [label, foreign] of [
    ["another partner's chain", () => otherPartner],
    ['a chain whose location the partner is connected to, the user not granted', () => otherChain],
  ] as const) {
    it(`ids of ${label}: the same answer as missing ids`, async () => {
      const walked: string[] = [];
      const differences: string[] = [];
      for (const { method, path, operation } of operations) {
        const template = BODIES[operation.operationId];
        const query = requiredQuery(operation);
        for (const { name, kind } of slotsOf(path, template)) {
          /** The answer, with the varied id itself written as `<id>` (an error may echo it). */
          const call = async (other: Ids) => {
            const { url, body } = fill(path, template, own, name, other);
            const sent = String(other[kind]);
            const res = await ctx.request({
              method: method.toUpperCase() as never,
              url: `/api/v1${url}${query}`,
              headers: { authorization: DEMO_AUTH },
              ...(body === undefined ? {} : { payload: body as never }),
            });
            return {
              status: res.statusCode,
              body: res.body.replace(new RegExp(`\\b${sent}\\b`, 'g'), '<id>'),
            };
          };
          const absent = await call(missing);
          const theirs = await call(foreign());
          walked.push(`${method} ${path} ${name}`);
          // The partner reaches the second chain's location, so a partner-level read of it is
          // rightly answered (SPEC op 3, op 6, a location read); anything refused must be refused
          // exactly as for a missing id.
          const entitled = foreign() === otherChain && method === 'get' && theirs.status === 200;
          if (entitled) continue;
          if (theirs.status !== absent.status || theirs.body !== absent.body) {
            differences.push(
              `${method.toUpperCase()} ${path} (${name}): foreign ${theirs.status} ${theirs.body} ≠ missing ${absent.status} ${absent.body}`,
            );
          }
        }
      }
      expect(differences).toEqual([]);
      // Not vacuous: every kind of id, in paths and bodies, was varied.
      expect(walked.length).toBeGreaterThan(40);
      for (const param of Object.keys(KIND_OF_PARAM)) {
        expect(
          walked.some((w) => w.includes(`path:${param}`)),
          param,
        ).toBe(true);
      }
      expect(walked.some((w) => w.includes('body:'))).toBe(true);
    });
  }
});
