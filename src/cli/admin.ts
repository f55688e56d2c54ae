#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { createDatabase, type DatabaseHandle, type Executor } from '../db/database.js';
import { migrate } from '../db/migrator.js';
import { AppError } from '../errors.js';
import { LOYALTY_TYPE_CODES, loyaltyTypeByCode } from '../lib/loyalty-types.js';
import { PhoneFormatError } from '../lib/phone.js';
import type { LocationEntity, SetupEntity } from '../modules/setup/setup.repository.js';
import { createServices, type Services } from '../services.js';

/**
 * `npm run admin -- <command> [--option value …]`: sets up tenancy and catalogue on the
 * configured database (SQLite or PostgreSQL) through the same services the HTTP API uses.
 */
class UsageError extends Error {}

type Values = Record<string, string | string[] | boolean | undefined>;

interface Command {
  summary: string;
  options: Record<string, { multiple?: boolean; required?: boolean; description: string }>;
  run(services: Services, values: Values, database: DatabaseHandle): Promise<unknown>;
  /** The process exit code for a result (default 0). */
  exitCode?(result: unknown): number;
}

function text(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

function optionalText(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function password(values: Values): string {
  const value = text(values, 'password');
  if (value.length < 8) throw new UsageError('--password must have at least 8 characters');
  return value;
}

function id(values: Values, name: string): number {
  const raw = text(values, name);
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw new UsageError(`--${name} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

function optionalId(values: Values, name: string): number | undefined {
  return values[name] === undefined ? undefined : id(values, name);
}

/** The values of a repeatable option, as given. */
function repeated(values: Values, name: string): string[] {
  const raw = values[name];
  return Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
}

function ids(values: Values, name: string): number[] {
  return repeated(values, name)
    .flatMap((item) => item.split(','))
    .map((item) => {
      if (!/^[1-9]\d{0,9}$/.test(item.trim()))
        throw new UsageError(`--${name} must be positive integers, got "${item}"`);
      return Number(item.trim());
    });
}

function rules(values: Values): { parameter: number; value: number }[] {
  return repeated(values, 'rule').map((item) => {
    const m = /^(\d+):(\d+(?:\.\d{1,2})?)$/.exec(item.trim());
    if (!m) throw new UsageError(`--rule must be parameter:value (e.g. 3:10 or 0:2.5), got "${item}"`);
    return { parameter: Number(m[1]), value: Number(m[2]) };
  });
}

/** A referral part: `10%` is a percent, `100` an amount (at most 2 decimals either way). */
function referralPart(values: Values, name: string): { value: string; value_unit_id: number } {
  const raw = text(values, name);
  const m = /^(\d+(?:\.\d{1,2})?)(%?)$/.exec(raw);
  if (!m) {
    throw new UsageError(
      `--${name} must be a percent (10%) or an amount (100), at most 2 decimals, got "${raw}"`,
    );
  }
  return { value: m[1]!, value_unit_id: m[2] ? 1 : 2 };
}

const many = (description: string) => ({ multiple: true, description });
const req = (description: string) => ({ required: true, description });
const opt = (description: string) => ({ description });

/** A command on one partner or user (`--partner`, `--user` id); prints what `run` answers as `key`. */
const onOne = (
  summary: string,
  option: 'partner' | 'user',
  key: string,
  run: (services: Services, id: number) => Promise<unknown>,
): Command => ({
  summary,
  options: { [option]: req(`${option} id`) },
  run: async (s, v) => ({ [key]: await run(s, id(v, option)) }),
});

/** `<entity>:list`: the rows of a setup table. */
const listing = (summary: string, entity: SetupEntity): Command => ({
  summary,
  options: {},
  run: (s) => s.setup.list(entity),
});

/** `<entity>:list` of rows a location owns: `--location` keeps one location's. */
const listingAt = (summary: string, entity: LocationEntity): Command => ({
  summary,
  options: { location: opt('only this location') },
  run: (s, v) => s.setup.list(entity, optionalId(v, 'location')),
});

/**
 * A `referral:*` command on the referral program of `--chain`: `input` reads the other options
 * (a usage error before the database is touched), `act` runs in the chain's transaction (an
 * unknown chain is refused there).
 */
const onReferral = <I>(
  summary: string,
  options: Command['options'],
  input: (values: Values) => I,
  act: (programs: Services['referralPrograms'], trx: Executor, chainId: number, input: I) => Promise<unknown>,
): Command => ({
  summary,
  options: { chain: req('chain id'), ...options },
  run: (s, v) => {
    const chainId = id(v, 'chain');
    const given = input(v);
    return s.referralPrograms.inChain(chainId, (trx) => act(s.referralPrograms, trx, chainId, given));
  },
});

const commands: Record<string, Command> = {
  'chain:create': {
    summary: 'create a chain',
    options: { title: req('chain title') },
    run: async (s, v) => ({ id: await s.setup.createChain(text(v, 'title')) }),
  },
  'chain:list': listing('list chains', 'chains'),
  'location:create': {
    summary: 'create a location in a chain',
    options: { chain: req('chain id'), title: req('location title') },
    run: async (s, v) => ({ id: await s.setup.createLocation(id(v, 'chain'), text(v, 'title')) }),
  },
  'location:list': listing('list locations', 'locations'),
  'partner:create': {
    summary: 'create a partner; prints its token once',
    options: { name: req('partner name'), location: many('connect to this location (repeatable)') },
    run: async (s, v) => {
      const locations = ids(v, 'location');
      const partner = await s.setup.createPartner(text(v, 'name'));
      for (const locationId of locations) await s.setup.connectPartner(partner.id, locationId);
      return { id: partner.id, token: partner.token, note: 'the token is shown only now' };
    },
  },
  'partner:list': listing('list partners', 'partners'),
  'partner:connect': {
    summary: 'connect a partner to a location',
    options: { partner: req('partner id'), location: req('location id') },
    run: async (s, v) => {
      await s.setup.connectPartner(id(v, 'partner'), id(v, 'location'));
      return { connected: true };
    },
  },
  'partner:rotate-token': onOne(
    "replace a partner's token; prints the new one once",
    'partner',
    'token',
    (s, partnerId) => s.setup.rotatePartnerToken(partnerId),
  ),
  'user:create': {
    summary: 'create a user; prints its token once',
    options: {
      login: req('email or phone'),
      password: req('password'),
      name: opt('name'),
      phone: opt('phone'),
      email: opt('email'),
      location: many('grant this location (repeatable)'),
      chain: many('grant this chain (repeatable)'),
    },
    run: async (s, v) => {
      const secret = password(v);
      const user = await s.setup.createUser({
        login: text(v, 'login'),
        password: secret,
        name: optionalText(v, 'name'),
        phone: optionalText(v, 'phone'),
        email: optionalText(v, 'email'),
        locationIds: ids(v, 'location'),
        chainIds: ids(v, 'chain'),
      });
      return { id: user.id, token: user.token, note: 'the token is shown only now' };
    },
  },
  'user:list': listing('list users', 'users'),
  'user:grant': {
    summary: 'grant a user a location and/or a chain',
    options: { user: req('user id'), location: opt('location id'), chain: opt('chain id') },
    run: async (s, v) => {
      const locationId = v.location ? id(v, 'location') : undefined;
      const chainId = v.chain ? id(v, 'chain') : undefined;
      if (!locationId && !chainId) throw new UsageError('give --location and/or --chain');
      await s.setup.grantUser(id(v, 'user'), { locationId, chainId });
      return { granted: true };
    },
  },
  'user:set-password': {
    summary: "change a user's password (revokes its tokens; prints the new token once)",
    options: { user: req('user id'), password: req('new password') },
    run: async (s, v) => ({ token: await s.auth.changePassword(id(v, 'user'), password(v)) }),
  },
  'user:unlock': onOne(
    "forget a user's failed logins, so a throttled user (429) can log in at once",
    'user',
    'cleared',
    (s, userId) => s.auth.unlockUser(userId),
  ),
  'user:rotate-token': onOne(
    "revoke a user's tokens and issue a new one (printed once)",
    'user',
    'token',
    (s, userId) => s.auth.rotateUserToken(userId),
  ),
  'client:create': {
    summary: 'create a client at a location',
    options: { location: req('location id'), phone: req('phone'), name: req('name') },
    run: async (s, v) => ({
      id: await s.setup.createClient(id(v, 'location'), text(v, 'phone'), text(v, 'name')),
    }),
  },
  'client:list': listing('list clients', 'clients'),
  'card-type:create': {
    summary: 'create a card type in a chain',
    options: {
      chain: req('chain id'),
      title: req('title'),
      location: many('issuable at this location (repeatable)'),
      program: many('linked program (repeatable)'),
    },
    run: async (s, v) => ({
      id: await s.setup.createCardType({
        chainId: id(v, 'chain'),
        title: text(v, 'title'),
        locationIds: ids(v, 'location'),
        programIds: ids(v, 'program'),
      }),
    }),
  },
  'card-type:list': listing('list card types', 'card_types'),
  'program:create': {
    summary: 'create a loyalty program (promotion) in a chain',
    options: {
      chain: req('chain id'),
      title: req('title'),
      type: req(`loyalty type: 1-13 or one of ${LOYALTY_TYPE_CODES.join(', ')}`),
      unit: opt('percent (default) or amount'),
      'item-type': opt('item_type_id (default 0)'),
      rule: many('rule parameter:value, e.g. 3:10 (repeatable)'),
      location: many('active at this location (repeatable)'),
      'card-type': many('linked card type (repeatable)'),
    },
    run: async (s, v) => {
      const type = text(v, 'type');
      const loyaltyTypeId = /^\d+$/.test(type) ? Number(type) : loyaltyTypeByCode(type)?.id;
      if (!loyaltyTypeId || loyaltyTypeId < 1 || loyaltyTypeId > 13) {
        throw new UsageError(`--type must be 1-13 or one of ${LOYALTY_TYPE_CODES.join(', ')}`);
      }
      const unit = optionalText(v, 'unit') ?? 'percent';
      if (unit !== 'percent' && unit !== 'amount') throw new UsageError('--unit must be percent or amount');
      const itemType = optionalText(v, 'item-type') ?? '0';
      if (!/^\d+$/.test(itemType)) throw new UsageError('--item-type must be an integer');
      return {
        id: await s.setup.createProgram({
          chainId: id(v, 'chain'),
          title: text(v, 'title'),
          loyaltyTypeId,
          valueUnitId: unit === 'percent' ? 1 : 2,
          itemTypeId: Number(itemType),
          rules: rules(v),
          locationIds: ids(v, 'location'),
          cardTypeIds: ids(v, 'card-type'),
        }),
      };
    },
  },
  'program:list': listing('list programs', 'programs'),
  'referral:create': onReferral(
    "create the chain's referral program (one per chain)",
    {
      title: req('title'),
      invited: req("the invited client's discount on the first visit: a percent (10%) or an amount (100)"),
      referrer: req("the referrer's accrual when that visit closes: a percent (5%) or an amount (100)"),
    },
    (v) => ({
      title: text(v, 'title'),
      invited: referralPart(v, 'invited'),
      referrer: referralPart(v, 'referrer'),
    }),
    (programs, trx, chainId, input) => programs.create(trx, chainId, input),
  ),
  'referral:show': onReferral(
    "show the chain's referral program",
    {},
    () => null,
    (programs, trx, chainId) => programs.get(chainId, trx),
  ),
  'referral:update': onReferral(
    "change the chain's referral program (only the options given)",
    {
      title: opt('title'),
      invited: opt('a percent (10%) or an amount (100)'),
      referrer: opt('a percent (5%) or an amount (100)'),
    },
    (v) => {
      if (v.title === undefined && v.invited === undefined && v.referrer === undefined) {
        throw new UsageError('give --title, --invited and/or --referrer');
      }
      return {
        ...(v.title === undefined ? {} : { title: text(v, 'title') }),
        ...(v.invited === undefined ? {} : { invited: referralPart(v, 'invited') }),
        ...(v.referrer === undefined ? {} : { referrer: referralPart(v, 'referrer') }),
      };
    },
    (programs, trx, chainId, input) => programs.update(trx, chainId, input),
  ),
  'referral:remove': onReferral(
    "delete the chain's referral program (visits that applied it keep their rows)",
    {},
    () => null,
    async (programs, trx, chainId) => {
      await programs.remove(trx, chainId);
      return { removed: true };
    },
  ),
  'service:create': {
    summary: 'create a service at a location (prices in currency units, durations in seconds)',
    options: {
      location: req('location id'),
      title: req('title'),
      price: opt('price (price_min, and price_max unless --price-max), e.g. 15 or 15.50; default 0'),
      'price-max': opt('highest price, when it differs from --price'),
      duration: opt('duration in seconds (default 3600)'),
      category: opt('category id (default 0)'),
      staff: many('team member who provides it (repeatable)'),
    },
    run: async (s, v) => ({
      id: await s.setup.createService(id(v, 'location'), {
        title: text(v, 'title'),
        price_min: optionalText(v, 'price'),
        price_max: optionalText(v, 'price-max') ?? optionalText(v, 'price'),
        duration: optionalText(v, 'duration'),
        category_id: optionalText(v, 'category'),
        staff: ids(v, 'staff').map((staffId) => ({ id: staffId })),
      }),
    }),
  },
  'service:list': listingAt('list services (deleted ones left out; prices in minor units)', 'services'),
  'staff:create': {
    summary: 'create a team member at a location',
    options: { location: req('location id'), name: req('name'), specialization: opt('specialization') },
    run: async (s, v) => ({
      id: await s.setup.createStaff(id(v, 'location'), {
        name: text(v, 'name'),
        specialization: optionalText(v, 'specialization'),
      }),
    }),
  },
  'staff:list': listingAt('list team members (deleted ones left out)', 'staff'),
  'account:list': listingAt(
    'list accounts (checkouts; type 0 cash, 1 non-cash; is_default 1 for the defaults)',
    'accounts',
  ),
  'idempotency:purge': {
    summary: 'delete expired idempotency keys',
    options: {},
    run: async (s) => ({ purged: await s.idempotency.purgeExpired() }),
  },
  verify: {
    summary: "recompute every card's balance from its transactions, check every row; exit 1 on any finding",
    options: {},
    run: async (s) => {
      const report = await s.ledger.verify();
      return { ok: report.mismatches.length === 0 && report.rows.length === 0, ...report };
    },
    exitCode: (result) => ((result as { ok: boolean }).ok ? 0 : 1),
  },
};

function usage(): string {
  const lines = ['usage: npm run admin -- <command> [options]', '', 'commands:'];
  for (const [name, command] of Object.entries(commands)) {
    const options = Object.entries(command.options)
      .map(([o, spec]) => (spec.required ? `--${o} <…>` : `[--${o} <…>${spec.multiple ? ' …' : ''}]`))
      .join(' ');
    lines.push(`  ${name.padEnd(22)} ${command.summary}${options ? `\n  ${''.padEnd(22)} ${options}` : ''}`);
  }
  lines.push('', 'The database is the one DATABASE_URL names (default: the SQLite file under ./data/).');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`error: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  let values: Values;
  try {
    values = parseArgs({
      args: rest,
      options: Object.fromEntries(
        Object.entries(command.options).map(([o, spec]) => [
          o,
          { type: 'string' as const, multiple: spec.multiple ?? false },
        ]),
      ),
      strict: true,
      allowPositionals: false,
    }).values as Values;
    for (const [o, spec] of Object.entries(command.options)) {
      if (spec.required && values[o] === undefined) throw new UsageError(`--${o} is required`);
    }
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 2;
  }
  let database: DatabaseHandle | null = null;
  try {
    const config = loadConfig();
    database = createDatabase(config.databaseUrl);
    await migrate(database.db, database.kind);
    const result = await command.run(createServices(database), values, database);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return command.exitCode?.(result) ?? 0;
  } catch (error) {
    const known =
      error instanceof UsageError ||
      error instanceof AppError ||
      error instanceof ConfigError ||
      error instanceof PhoneFormatError;
    process.stderr.write(
      `error: ${known ? (error as Error).message : `unexpected failure: ${(error as Error).message}`}\n`,
    );
    return error instanceof UsageError ? 2 : 1;
  } finally {
    await database?.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
