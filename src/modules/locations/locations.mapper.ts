import { formatPhone } from '../../lib/phone.js';
import type { LocationWithChain } from './locations.repository.js';
import { ACCESS_FLAGS, type AccessWire, type LocationWire } from './locations.schemas.js';

/** The one place location rows become wire objects. */

/** The zone's offset from UTC now, in hours (Altegio's `timezone`); 0 for an unknown zone. */
function utcOffsetHours(timeZone: string, at = new Date()): number {
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
    if (!m) return 0;
    const hours = Number(m[2]) + Number(m[3]) / 60;
    return m[1] === '-' ? -hours : hours;
  } catch {
    return 0;
  }
}

export function accessWire(granted: boolean): AccessWire {
  return Object.fromEntries(ACCESS_FLAGS.map((f) => [f, granted ? 1 : 0])) as AccessWire;
}

function parsed<T>(json: string, fallback: T): T {
  try {
    return (JSON.parse(json) as T | null) ?? fallback;
  } catch {
    return fallback;
  }
}

export function toLocationWire(
  row: LocationWithChain,
  extra: { access?: AccessWire; showGroups?: boolean } = {},
): LocationWire {
  const stored = parsed<string[]>(row.phones, []);
  const phones = (stored.length > 0 ? stored : row.phone ? [row.phone] : []).map(formatPhone);
  const social = parsed<Record<string, string>>(row.social, {});
  const chain = { id: row.chain_id, title: row.chain_title };
  return {
    id: row.id,
    title: row.title,
    public_title: row.public_title || row.title,
    short_descr: row.short_descr,
    description: row.description,
    address: row.address,
    city: row.city,
    city_id: row.city_id,
    country: row.country,
    country_id: row.country_id,
    coordinate_lat: row.coordinate_lat,
    coordinate_lon: row.coordinate_lon,
    timezone: utcOffsetHours(row.timezone_name),
    timezone_name: row.timezone_name,
    phone: phones[0] ?? '',
    phones,
    email: row.email,
    site: row.site,
    zip: row.zip,
    social: {
      facebook: social.facebook ?? '',
      instagram: social.instagram ?? '',
      telegram: social.telegram ?? '',
      viber: social.viber ?? '',
      vk: social.vk ?? '',
      whatsapp: social.whatsapp ?? '',
    },
    business_type_id: row.business_type_id,
    active: row.deleted_at === null ? row.active : 0,
    main_group_id: row.chain_id,
    main_group: chain,
    group_priority: 0,
    active_staff_count: 0,
    logo: '',
    currency_short_title: '',
    schedule: '',
    phone_confirmation: false,
    app_ios: '',
    app_android: '',
    ...(extra.access ? { access: extra.access } : {}),
    ...(extra.showGroups ? { groups: { [String(row.chain_id)]: chain } } : {}),
  };
}
