import type { ProgramRow, RuleRow } from '../../db/schema.js';
import { loyaltyTypeById, VALUE_UNITS } from '../../lib/loyalty-types.js';
import { toMajor } from '../../lib/money.js';
import { formatPhone } from '../../lib/phone.js';
import type { LocationWithChain } from '../locations/locations.repository.js';
import type { ProgramItems } from './programs.repository.js';
import type { LocationProgramWire, ProgramDetailWire } from './programs.schemas.js';

/** The one place program rows become the promotion wire objects (L-19…L-24). */

function common(program: ProgramRow) {
  return {
    id: program.id,
    title: program.title,
    type: loyaltyTypeById(program.loyalty_type_id).code,
    loyalty_type_id: program.loyalty_type_id,
    value_unit: VALUE_UNITS[program.value_unit_id] ?? 'percent',
    value_unit_id: program.value_unit_id,
    item_type_id: program.item_type_id,
    group_id: program.chain_id,
    service_item_type: program.service_item_type,
    good_item_type: program.good_item_type,
    expiration_timeout: program.expiration_timeout,
    expiration_timeout_unit: program.expiration_timeout_unit,
    expiration_notification_timeout: program.expiration_notification_timeout,
    history_start_date: program.history_start_date || null,
    params_source_type: program.params_source_type,
    sold_items_multiplicity: program.sold_items_multiplicity,
    usage_limit: program.usage_limit,
    visit_multiplicity: program.visit_multiplicity,
    on_changed_notification_template_id: 0,
    on_expiration_notification_template_id: 0,
  };
}

interface ProgramParts {
  rules?: RuleRow[];
  companies?: LocationWithChain[];
  cardTypes?: { id: number; title: string }[];
  items?: ProgramItems;
  /** Templates asked for: none are stored, so they come as null. */
  changedTemplate?: boolean;
  expirationTemplate?: boolean;
}

export function toProgramDetailWire(program: ProgramRow, parts: ProgramParts = {}): ProgramDetailWire {
  const wire: ProgramDetailWire = common(program);
  if (parts.rules) {
    wire.rules = parts.rules.map((rule) => ({
      id: rule.id,
      loyalty_program_id: program.id,
      loyalty_type_id: program.loyalty_type_id,
      parameter: rule.parameter,
      service_id: rule.service_id,
      value: toMajor(rule.value_hundredths),
    }));
  }
  if (parts.companies) {
    wire.companies = parts.companies.map((l) => ({
      id: l.id,
      title: l.title,
      address: l.address,
      city: l.city,
      country: l.country,
      phone: formatPhone(l.phone),
      timezone: l.timezone_name,
      city_id: l.city_id,
      country_id: l.country_id,
      coordinate_lat: l.coordinate_lat,
      coordinate_lng: l.coordinate_lon,
    }));
  }
  if (parts.cardTypes) wire.loyalty_card_types = parts.cardTypes.map(({ id, title }) => ({ id, title }));
  if (parts.items) {
    const item = (is_service: boolean, is_category: boolean) => (id: number) => ({
      id,
      is_category,
      is_service,
      title: '',
    });
    wire.applicable_items = [
      ...parts.items.services.map(item(true, false)),
      ...parts.items.goods.map(item(false, false)),
      ...parts.items.goodCategories.map(item(false, true)),
    ];
  }
  if (parts.changedTemplate) wire.on_changed_notification_template = null;
  if (parts.expirationTemplate) wire.on_expiration_notification_template = null;
  return wire;
}

/** L-24. The package figures are per client; with no client in play they are 0. */
export function toLocationProgramWire(
  program: ProgramRow,
  firstTransaction?: string | null,
): LocationProgramWire {
  return {
    ...common(program),
    allowed_usages_amount: 0,
    current_package_progress: 0,
    ...(firstTransaction === undefined ? {} : { first_transaction_date: firstTransaction }),
  };
}
