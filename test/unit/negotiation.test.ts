import { describe, expect, it } from 'vitest';
import { acceptsJson } from '../../src/http/negotiation.js';
import { parseAuthorization } from '../../src/modules/auth/auth.service.js';

describe('Accept negotiation (SPEC §1)', () => {
  it.each([
    undefined,
    'application/vnd.api.v2+json',
    'application/vnd.yclients.v2+json',
    'application/json',
    '*/*',
    'string',
    'text/html, application/json;q=0.5',
    'application/*',
  ])('answers JSON to %j', (accept) => expect(acceptsJson(accept)).toBe(true));

  it.each(['text/html', 'text/html, image/png', 'application/json;q=0', 'application/xml'])(
    'refuses %j',
    (accept) => expect(acceptsJson(accept)).toBe(false),
  );
});

describe('Authorization header (SPEC §1)', () => {
  it.each([
    ['Bearer p', { partner: 'p', user: null }],
    ['bearer p, User u', { partner: 'p', user: 'u' }],
    ['BEARER p,USER u', { partner: 'p', user: 'u' }],
    ['Bearer p ,  user u', { partner: 'p', user: 'u' }],
    ['  Bearer   p  ', { partner: 'p', user: null }],
  ])('parses %j', (header, parsed) => expect(parseAuthorization(header)).toEqual(parsed));

  it.each([undefined, '', 'Bearer', 'Basic abc', 'Bearer p, Token u', 'Bearer p u', 'Bearer p, User'])(
    'rejects %j',
    (header) => expect(parseAuthorization(header)).toBeNull(),
  );
});
