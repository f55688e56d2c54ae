import type { Kysely } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';

interface Link {
  table: keyof Database;
  from: string;
  to: string;
  /** The linked entity's table. */
  live: keyof Database;
}

function linkTable(table: keyof Database, from: string, to: string, live: keyof Database): Link {
  return { table, from, to, live };
}

/**
 * SQL for the link tables (two ids each, no other columns): which locations a card type is issued
 * at, which programs it carries, where a program is active, which locations a partner is connected
 * to, which locations and chains a user is granted. Each link is named from one side: `from` is
 * the owner's column, `to` the linked entity's. No business rules here.
 */
export const LINKS = {
  cardTypeLocations: linkTable('card_type_locations', 'card_type_id', 'location_id', 'locations'),
  cardTypePrograms: linkTable('card_type_programs', 'card_type_id', 'program_id', 'programs'),
  programLocations: linkTable('program_locations', 'program_id', 'location_id', 'locations'),
  programCardTypes: linkTable('card_type_programs', 'program_id', 'card_type_id', 'card_types'),
  partnerLocations: linkTable('partner_locations', 'partner_id', 'location_id', 'locations'),
  userLocations: linkTable('user_locations', 'user_id', 'location_id', 'locations'),
  userChains: linkTable('user_chains', 'user_id', 'chain_id', 'chains'),
};

// The table and its columns vary with the link, which Kysely cannot type: each link above must name
// real columns of its table (a wrong one fails the first query that uses it).
const untyped = (db: Executor) => db as unknown as Kysely<any>;

/** Replaces the owner's links with these ids, in this order. */
export async function replaceLinks(db: Executor, link: Link, from: number, ids: number[]): Promise<void> {
  await untyped(db).deleteFrom(link.table).where(link.from, '=', from).execute();
  for (const to of ids) await insertLink(db, link, from, to);
}

/** Adds one link; a link that already exists is an error (a unique violation). */
export async function insertLink(db: Executor, link: Link, from: number, to: number): Promise<void> {
  await untyped(db)
    .insertInto(link.table)
    .values({ [link.from]: from, [link.to]: to })
    .execute();
}

/** Adds one link unless it exists. */
export async function ensureLink(db: Executor, link: Link, from: number, to: number): Promise<void> {
  await untyped(db)
    .insertInto(link.table)
    .values({ [link.from]: from, [link.to]: to })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function hasLink(db: Executor, link: Link, from: number, to: number): Promise<boolean> {
  const row = await untyped(db)
    .selectFrom(link.table)
    .select(link.to)
    .where(link.from, '=', from)
    .where(link.to, '=', to)
    .executeTakeFirst();
  return row !== undefined;
}

/** The ids the owner links to whose entity is live (not deleted), in id order. */
export async function liveLinkedIds(db: Executor, link: Link, from: number): Promise<number[]> {
  const rows: Record<string, number>[] = await untyped(db)
    .selectFrom(`${link.table} as k`)
    .innerJoin(`${link.live} as e`, 'e.id', `k.${link.to}`)
    .select(`k.${link.to} as id`)
    .where(`k.${link.from}`, '=', from)
    .where('e.deleted_at', 'is', null)
    .orderBy(`k.${link.to}`)
    .execute();
  return rows.map((row) => row.id!);
}
