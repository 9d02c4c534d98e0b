import { identityFromClaims, readClaim, rolesFromClaim } from './claims.js';

const settings = {
  issuer: 'i',
  audiences: ['a'],
  algorithms: ['RS256' as const],
  rolesClaim: 'roles',
  roleMap: new Map(),
  regionClaim: 'region',
  clockToleranceSec: 5,
  type: undefined,
};

describe('readClaim', () => {
  it('reads a whole namespaced key before a dotted path', () => {
    expect(readClaim({ 'https://example.com/roles': ['admin'] }, 'https://example.com/roles')).toEqual(['admin']);
    expect(readClaim({ realm_access: { roles: ['sales'] } }, 'realm_access.roles')).toEqual(['sales']);
    expect(readClaim({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
  });

  it('never follows inherited properties', () => {
    expect(readClaim({}, 'constructor.name')).toBeUndefined();
    expect(readClaim({ a: [] }, 'a.length')).toBeUndefined();
    expect(readClaim({ a: 'text' }, 'a.length')).toBeUndefined();
  });
});

describe('rolesFromClaim', () => {
  const map = new Map([['Sales-EU', 'sales' as const], ['Admins', 'admin' as const]]);

  it('accepts an array of strings or a space-separated string', () => {
    expect(rolesFromClaim(['sales', 'auditor'], new Map())).toEqual(['sales', 'auditor']);
    expect(rolesFromClaim('sales  auditor', new Map())).toEqual(['sales', 'auditor']);
  });

  it('maps identity provider names and drops unknown roles and non-strings', () => {
    expect(rolesFromClaim(['Sales-EU', 'Admins', 'root', 42, null, 'sales'], map)).toEqual(['sales', 'admin']);
  });

  it('counts only mapped names once a map is set, so a group called "admin" grants nothing', () => {
    expect(rolesFromClaim(['admin', 'auditor'], map)).toEqual([]);
    expect(rolesFromClaim(['admin', 'auditor'], new Map())).toEqual(['admin', 'auditor']);
  });

  it.each([[{ admin: true }], [42], [null], [true]])('gives no roles for %p', (value) => {
    expect(rolesFromClaim(value, map)).toEqual([]);
  });
});

describe('identityFromClaims', () => {
  it('takes sub, name, email, roles and region', () => {
    expect(identityFromClaims({ sub: 'u1', name: 'U', email: 'u@x', roles: ['support'], region: 'na' }, settings)).toEqual({
      sub: 'u1',
      name: 'U',
      email: 'u@x',
      roles: ['support'],
      region: 'NA',
      clientId: null,
    });
  });

  it("takes the client from azp, else client_id (RFC 9068), when it is storable text", () => {
    expect(identityFromClaims({ sub: 'u1', azp: 'gpt-1', client_id: 'other' }, settings).clientId).toBe('gpt-1');
    expect(identityFromClaims({ sub: 'u1', client_id: 'svc-2' }, settings).clientId).toBe('svc-2');
    expect(identityFromClaims({ sub: 'u1', azp: 42, client_id: 'x'.repeat(256) }, settings).clientId).toBeNull();
  });

  it('leaves the region undefined when the claim is absent, null when it is not a known region', () => {
    expect(identityFromClaims({ sub: 'u1' }, settings).region).toBeUndefined();
    expect(identityFromClaims({ sub: 'u1', region: 'Mars' }, settings).region).toBeNull();
  });

  it.each([[''], ['x'.repeat(256)], [42], ['a\u0000b'], ['lone\ud800surrogate'], ['tab\there']])('refuses sub %p', (sub) => {
    expect(() => identityFromClaims({ sub } as never, settings)).toThrow(/"sub" claim must be/);
  });
});
