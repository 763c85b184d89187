// Placing an observed sign-in in the engine's context space (R-OBS-11..15, R-OBS-20, R-OBS-21; docs/evaluation.md §14).
import { describe, expect, it } from 'vitest';
import { APP_ID } from '../../src/core/catalog.js';
import { DIM, ELSEWHERE, LEGACY_TRUSTED_IPS, OTHER_APPS, compilePolicies } from '../../src/core/conditions.js';
import { observeSignIn } from '../../src/core/observed.js';
import { placeSignIn } from '../../src/core/signin-context.js';
import { CODES, SERVICE_MANAGEMENT, signIn } from './signins.js';

const U = 'a0000000-0000-0000-0000-000000000001';
const HQ = 'e0000000-0000-0000-0000-000000000001';
const COUNTRIES = 'e0000000-0000-0000-0000-000000000002';
const GPS = 'e0000000-0000-0000-0000-000000000003';
const EXO = APP_ID.exchangeOnline;

const policy = (id: string, conditions: Record<string, unknown>) => ({ id, displayName: id, state: 'enabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, ...conditions }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
const LOCATIONS = [
  { '@odata.type': '#microsoft.graph.ipNamedLocation', id: HQ, displayName: 'HQ', isTrusted: true, ipRanges: [{ cidrAddress: '203.0.113.0/24' }, { cidrAddress: '2001:db8::/32' }] },
  { '@odata.type': '#microsoft.graph.countryNamedLocation', id: COUNTRIES, displayName: 'Allowed', countriesAndRegions: ['US', 'IE'], includeUnknownCountriesAndRegions: false, countryLookupMethod: 'clientIpAddress' },
  { '@odata.type': '#microsoft.graph.countryNamedLocation', id: GPS, displayName: 'GPS', countriesAndRegions: ['DE'], countryLookupMethod: 'authenticatorAppGps' },
];
const compile = (locations: string[]) =>
  compilePolicies(
    [
      policy('p-o365', { applications: { includeApplications: ['Office365'] } }),
      policy('p-portals', { applications: { includeApplications: ['MicrosoftAdminPortals'] } }),
      policy('p-countries', { locations: { includeLocations: locations } }),
    ],
    LOCATIONS,
    [],
  );
const set = compile([COUNTRIES]);
const withGps = compile([COUNTRIES, GPS]);

function place(overrides: Record<string, unknown>, policies = set) {
  const placed = placeSignIn(policies, observeSignIn(signIn(U, overrides), CODES).context);
  return { atoms: (dim: number) => policies.space.atomsOf(dim, policies.space.get(placed.box, dim)), unplaced: placed.unplaced };
}

describe('placing a sign-in (R-OBS-11..15, R-OBS-20)', () => {
  it.each([
    ['R-OBS-11 a resource inside a named app group is that group (Exchange Online in Office 365; CA O365 suite)', { resourceId: EXO, appId: 'ffffffff-0000-0000-0000-000000000001' }, ['Office365']],
    ['R-OBS-11 a resource no policy names is "any other app"', { resourceId: '00000003-0000-0000-c000-000000000000', appId: 'ffffffff-0000-0000-0000-000000000001' }, [OTHER_APPS]],
    ['R-OBS-11 the Azure portal as client adds Microsoft Admin Portals (CA apps)', { resourceId: SERVICE_MANAGEMENT, appId: APP_ID.azurePortal }, ['MicrosoftAdminPortals', OTHER_APPS]],
  ])('%s', (_name, fields, atoms) => {
    expect(place(fields).atoms(DIM.app).sort()).toEqual([...atoms].sort());
  });

  it('R-OBS-11 no resource and no app: not placed', () => {
    expect(place({ resourceId: null, appId: null }).unplaced).toContain('app');
  });

  it.each([
    ['Browser', 'browser'],
    ['Mobile Apps and Desktop clients', 'mobileAppsAndDesktopClients'],
    ['Exchange ActiveSync', 'exchangeActiveSync'],
    ['IMAP4', 'other'],
    ['Authenticated SMTP', 'other'],
    ['Other clients', 'other'],
  ])('R-OBS-12 clientAppUsed %s is %s (CA conditions, client apps)', (value, atom) => {
    expect(place({ clientAppUsed: value }).atoms(DIM.clientApp)).toEqual([atom]);
  });

  it('R-OBS-12 an unknown client value is not placed', () => {
    expect(place({ clientAppUsed: 'Quantum client' }).unplaced).toContain('client app type');
  });

  it.each([
    ['Windows 10', 'windows'],
    ['Windows10', 'windows'],
    ['Windows Phone 10', 'windowsPhone'],
    ['iOS 17', 'iOS'],
    ['Android 14', 'android'],
    ['MacOs', 'macOS'],
    ['Linux', 'linux'],
    ['ChromeOS', 'unknown'],
  ])('R-OBS-13 operatingSystem %s is %s (CA conditions, device platforms)', (os, atom) => {
    expect(place({ deviceDetail: { operatingSystem: os } }).atoms(DIM.platform)).toEqual([atom]);
  });

  it('R-OBS-13 no operating system: not placed', () => {
    expect(place({ deviceDetail: null }).unplaced).toContain('platform');
  });

  it.each([
    ['R-OBS-14 an address in an IP range is that location, even in an included country', { ipAddress: '203.0.113.9', location: { countryOrRegion: 'US' }, networkLocationDetails: [] }, [HQ]],
    ['R-OBS-14 IPv6 ranges too', { ipAddress: '2001:db8:1::5', location: { countryOrRegion: 'US' }, networkLocationDetails: [] }, [HQ]],
    ['R-OBS-14 outside every range: the country location', { ipAddress: '198.51.100.7', location: { countryOrRegion: 'IE' }, networkLocationDetails: [] }, [COUNTRIES]],
    ['R-OBS-14 in no named location: anywhere else', { ipAddress: '198.51.100.7', location: { countryOrRegion: 'FR' }, networkLocationDetails: [] }, [ELSEWHERE]],
    ['R-OBS-15 networkType "trusted": the legacy MFA trusted IPs (Graph networkLocationDetail)', { ipAddress: '198.51.100.7', location: { countryOrRegion: 'FR' }, networkLocationDetails: [{ networkType: 'trusted' }] }, [LEGACY_TRUSTED_IPS]],
    ['R-OBS-15 no network details: may be the legacy trusted IPs too', { ipAddress: '198.51.100.7', location: { countryOrRegion: 'FR' }, networkLocationDetails: null }, [ELSEWHERE, LEGACY_TRUSTED_IPS]],
  ])('%s', (_name, fields, atoms) => {
    expect(place(fields).atoms(DIM.location).sort()).toEqual([...atoms].sort());
  });

  it('R-OBS-14 a GPS-based country location cannot be decided from the log: not placed', () => {
    expect(place({ ipAddress: '198.51.100.7', location: { countryOrRegion: 'DE' } }, withGps).unplaced).toContain('location');
    // Inside an IP range it is that range's location whatever the GPS says (R-OBS-14: ranges first).
    expect(place({ ipAddress: '203.0.113.9', location: { countryOrRegion: 'DE' } }, withGps).unplaced).not.toContain('location');
  });

  it.each([
    [{ riskLevelDuringSignIn: 'medium' }, 'signInRisk', ['medium']],
    [{ originalTransferMethod: 'deviceCodeFlow' }, 'authFlow', ['deviceCodeFlow']],
    [{ originalTransferMethod: null, authenticationProtocol: 'deviceCode' }, 'authFlow', ['deviceCodeFlow']],
  ])('R-OBS-20 %o', (fields, dim, atoms) => {
    expect(place(fields).atoms(DIM[dim as 'signInRisk'])).toEqual(atoms);
  });

  it('R-OBS-20 hidden risk and an unrecorded flow are not placed; user risk is never placed', () => {
    const p = place({ riskLevelDuringSignIn: 'hidden', originalTransferMethod: null });
    expect(p.unplaced).toEqual(expect.arrayContaining(['sign-in risk', 'authentication flow']));
    expect(p.atoms(DIM.userRisk)).toEqual(['none', 'low', 'medium', 'high']);
  });
});
