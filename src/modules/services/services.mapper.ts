import { toMajor } from '../../lib/money.js';
import type { ServiceRow, ServiceStaffLink } from './services.repository.js';
import type { ServiceWire } from './services.schemas.js';

/** The one place service rows become wire objects. */
export function toServiceWire(row: ServiceRow, staff: readonly ServiceStaffLink[]): ServiceWire {
  return {
    id: row.id,
    title: row.title,
    booking_title: row.booking_title,
    category_id: row.category_id,
    price_min: toMajor(row.price_min_minor),
    price_max: toMajor(row.price_max_minor),
    discount: row.discount_hundredths / 100,
    duration: row.duration,
    active: row.active,
    api_id: row.api_id,
    comment: row.comment,
    salon_service_id: row.id,
    technical_break_duration: row.technical_break_duration,
    weight: row.weight,
    staff: staff.map((link) => ({ id: link.staff_id, seance_length: link.seance_length })),
  };
}
