// Narrowing conditions: applications, client app types, platforms, locations, risk, authentication flows,
// device filters. Each leaves the contexts outside it uncovered unless another policy covers them.
import { describe, expect, it } from 'vitest';
import { BLOCK, type Case, activeAdmin, runCase } from './helpers.js';

const APPS = 'Learn: concept-conditional-access-cloud-apps';
const CONDITIONS = 'Learn: concept-conditional-access-conditions';
const NETWORK = 'Learn: concept-assignment-network';
const DEVICES = 'Learn: concept-condition-filters-for-devices';
const EXCHANGE_ONLINE = '00000002-0000-0ff1-ce00-000000000000';

const applicationCases: Case[] = [
  {
    name: `R-APP-1 a policy on Microsoft Admin Portals only leaves every other app without MFA (${APPS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Portals MFA', { applications: { includeApplications: ['MicrosoftAdminPortals'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ['no MFA when signing in to any app other than Microsoft Admin Portals', "policy 'Portals MFA' applies only to Microsoft Admin Portals"],
    findings: ['admin-partially-protected'],
  },
  {
    name: `R-APP-2 an excluded application is a gap naming the app and the policy (${APPS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admins MFA', { applications: { includeApplications: ['All'], excludeApplications: [EXCHANGE_ONLINE] } });
      return id;
    },
    verdict: 'partial',
    gaps: ['no MFA when signing in to Office 365 Exchange Online', "policy 'Admins MFA' excludes Office 365 Exchange Online"],
  },
  {
    name: `R-APP-1 two policies that split the apps (Office 365 / all but Office 365) cover everything (${APPS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('O365 MFA', { applications: { includeApplications: ['Office365'] } });
      t.policy('Others MFA', { applications: { includeApplications: ['All'], excludeApplications: ['Office365'] } });
      return id;
    },
    verdict: 'protected',
    gapCount: 0,
  },
  {
    name: `R-APP-1 excluding the Office 365 group excludes its member apps: no false cover for Exchange Online (Learn: reference-office-365-application-contents)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Non-Office MFA', { applications: { includeApplications: ['All'], excludeApplications: ['Office365'] } });
      t.policy('Office but mail MFA', { applications: { includeApplications: ['Office365'], excludeApplications: [EXCHANGE_ONLINE] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ['no MFA when signing in to Office 365 Exchange Online'],
  },
  {
    name: `R-APP-1 including the Office 365 group covers its member apps (Learn: reference-office-365-application-contents)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Office MFA', { applications: { includeApplications: ['Office365'] } });
      t.policy('All but mail MFA', { applications: { includeApplications: ['All'], excludeApplications: [EXCHANGE_ONLINE] } });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-APP-1 the Azure portal belongs to both Microsoft Admin Portals and Windows Azure Service Management API (${APPS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('All but portals', { applications: { includeApplications: ['All'], excludeApplications: ['MicrosoftAdminPortals'] } });
      t.policy('All but ARM', { applications: { includeApplications: ['All'], excludeApplications: ['797f4846-ba00-4fd7-ba43-dac1f8f63013'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ['no MFA when signing in to Azure portal'],
  },
  {
    name: `R-APP-3 a policy on a user action only never covers resource access (${APPS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Register security info', { applications: { includeApplications: [], includeUserActions: ['urn:user:registersecurityinfo'] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["policy 'Register security info' applies only to user action 'urn:user:registersecurityinfo'"],
  },
  {
    name: `R-APP-3 a policy on an authentication context only never covers resource access (${APPS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('PIM context', { applications: { includeApplications: [], includeAuthenticationContextClassReferences: ['c1'] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["policy 'PIM context' applies only to authentication context c1"],
  },
  {
    name: `R-APP-1 includeApplications None applies to nothing (Graph: conditionalAccessApplications)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Nothing', { applications: { includeApplications: ['None'] } });
      return id;
    },
    verdict: 'unprotected',
  },
  {
    name: `R-APP-2 an application filter in exclude mode leaves the matching apps uncovered (Learn: concept-filter-for-applications)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Filtered apps', { applications: { includeApplications: ['All'], applicationFilter: { mode: 'exclude', rule: 'CustomSecurityAttribute.Eng_Tier -eq "low"' } } });
      return id;
    },
    verdict: 'partial',
    gaps: ["from apps matching filter 'CustomSecurityAttribute.Eng_Tier -eq \"low\"'"],
  },
  {
    name: `R-APP-2 "Select resources" with only an include-mode application filter covers the matching apps (Learn: concept-filter-for-applications)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Tagged apps MFA', { applications: { includeApplications: [], applicationFilter: { mode: 'include', rule: 'CustomSecurityAttribute.ConditionalAccessTest_policyRequirement -contains "requireMFA"' } } });
      return id;
    },
    verdict: 'partial',
    gaps: ["from apps not matching filter 'CustomSecurityAttribute.ConditionalAccessTest_policyRequirement -contains \"requireMFA\"'"],
  },
  {
    name: `R-APP-4 a policy on the Azure management apps only (where mandatory MFA also applies) is not all-apps coverage (${APPS}; Learn: mandatory-multifactor-authentication)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Azure management MFA', { applications: { includeApplications: ['797f4846-ba00-4fd7-ba43-dac1f8f63013'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ['to any app other than Windows Azure Service Management API'],
  },
];

const clientCases: Case[] = [
  {
    name: `R-CLIENT-1 a browser-only policy leaves desktop, mobile and legacy clients uncovered (${CONDITIONS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Browser MFA', { clientAppTypes: ['browser'] });
      return id;
    },
    verdict: 'partial',
    gaps: ['with mobile apps and desktop clients, Exchange ActiveSync clients or other legacy clients', "policy 'Browser MFA' applies only to browser"],
  },
  {
    name: `R-CLIENT-1 block legacy clients + MFA for modern clients covers every client (${CONDITIONS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Block legacy', { clientAppTypes: ['exchangeActiveSync', 'other'], grantControls: BLOCK });
      t.policy('MFA modern', { clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'] });
      return id;
    },
    verdict: 'protected',
    gapCount: 0,
    check: (_r, admin) => expect(admin.coveringPolicyIds).toHaveLength(2),
  },
  {
    name: `R-CLIENT-1 easSupported counts as Exchange ActiveSync (Graph: conditionalAccessClientApp)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Block legacy', { clientAppTypes: ['easSupported', 'other'], grantControls: BLOCK });
      t.policy('MFA modern', { clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'] });
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-CLIENT-1 MFA for modern clients without a legacy block leaves legacy clients open (${CONDITIONS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('MFA modern', { clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'] });
      return id;
    },
    verdict: 'partial',
    gaps: ['with Exchange ActiveSync clients or other legacy clients'],
  },
];

const platformCases: Case[] = [
  {
    name: `R-PLATFORM-1 an iOS-only policy leaves every other platform uncovered (${CONDITIONS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('iOS MFA', { platforms: { includePlatforms: ['iOS'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ['on Android, Windows, Windows Phone, macOS, Linux or unknown platforms', "policy 'iOS MFA' applies only to iOS"],
  },
  {
    name: `R-PLATFORM-1 listing every platform without "all" still leaves unknown platforms out (${CONDITIONS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Named platforms', { platforms: { includePlatforms: ['android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ['no MFA when signing in on unknown platforms'],
  },
  {
    name: `R-PLATFORM-1 all platforms minus an excluded one is a gap on that platform (${CONDITIONS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Not on Mac', { platforms: { includePlatforms: ['all'], excludePlatforms: ['macOS'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ['no MFA when signing in on macOS', "policy 'Not on Mac' excludes macOS"],
  },
];

const locationCases: Case[] = [
  {
    name: `R-LOCATION-1 excluding trusted locations is a gap naming the location and the policy (${NETWORK})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.location('HQ', true);
      t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["no MFA when signing in from trusted location 'HQ'", "policy 'Admins MFA' excludes all trusted locations (AllTrusted)"],
  },
  {
    name: `R-LOCATION-2 two location-split policies (trusted / everything else) cover every location (${NETWORK})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.location('HQ', true);
      t.location('Branch', true);
      t.policy('MFA at the office', { locations: { includeLocations: ['AllTrusted'] } });
      t.policy('MFA elsewhere', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      return id;
    },
    verdict: 'protected',
    gapCount: 0,
  },
  {
    name: `R-LOCATION-2 excluding one named (untrusted) location is a gap there (${NETWORK})`,
    build: (t) => {
      const id = activeAdmin(t);
      const branch = t.location('Branch', false);
      t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: [branch] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["from location 'Branch'", "policy 'Admins MFA' excludes location 'Branch'"],
  },
  {
    name: `R-LOCATION-2 a policy only for selected locations leaves the rest of the internet uncovered (${NETWORK})`,
    build: (t) => {
      const id = activeAdmin(t);
      const blocked = t.location('Risky countries', false);
      t.policy('Only from risky countries', { locations: { includeLocations: [blocked] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["no MFA when signing in from anywhere except location 'Risky countries'", "policy 'Only from risky countries' applies only from location 'Risky countries'"],
  },
  {
    name: `R-LOCATION-3 excluding AllTrusted is a gap even without trusted named locations: the legacy MFA trusted IPs are trusted too and Graph cannot read them (${NETWORK})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.location('Partner network', false);
      t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      return id;
    },
    verdict: 'partial',
    gaps: ["no MFA when signing in from the legacy MFA trusted IPs (if any: Graph cannot read them) (policy 'Admins MFA' excludes all trusted locations (AllTrusted))"],
  },
  {
    name: `R-LOCATION-3 a policy for all locations covers the legacy MFA trusted IPs too (${NETWORK})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Admins MFA', { locations: { includeLocations: ['All'] } });
      return id;
    },
    verdict: 'protected',
  },
];

const riskFlowDeviceCases: Case[] = [
  {
    name: `R-RISK-1 a sign-in-risk-only policy leaves lower risk levels uncovered (${CONDITIONS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Risky sign-ins', { signInRiskLevels: ['high'] });
      return id;
    },
    verdict: 'partial',
    gaps: ['at sign-in risk none, low or medium', "policy 'Risky sign-ins' applies only at sign-in risk high"],
  },
  {
    name: `R-RISK-1 a user-risk-only policy leaves lower user risk uncovered (${CONDITIONS})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Risky users', { userRiskLevels: ['medium', 'high'] });
      return id;
    },
    verdict: 'partial',
    gaps: ['at user risk none or low'],
  },
  {
    name: `R-RISK-1 an insider-risk-only policy leaves other insider risk levels uncovered (Learn: how-to-policy-insider-risk)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Insider risk', { insiderRiskLevels: 'elevated' });
      return id;
    },
    verdict: 'partial',
    gaps: ['at insider risk none, minor or moderate'],
  },
  {
    name: `R-RISK-1 a risk condition with only unrecognised levels (hidden) narrows the policy to nothing, never widens it (Graph: riskLevel)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Hidden risk', { signInRiskLevels: ['hidden'] });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["policy 'Hidden risk' applies only at sign-in risk hidden"],
    check: (_r, admin) => expect(admin.coveringPolicyIds).toEqual([]),
  },
  {
    name: `R-FLOW-1 a device-code-flow-only policy covers only that flow (Learn: concept-authentication-flows)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Device code MFA', { authenticationFlows: { transferMethods: 'deviceCodeFlow' } });
      return id;
    },
    verdict: 'partial',
    gaps: ['using an ordinary sign-in flow or the authenticationTransfer flow'],
  },
  {
    name: `R-FLOW-1 blocking device code flow plus MFA everywhere is protected (Learn: concept-authentication-flows)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Block device code', { authenticationFlows: { transferMethods: 'deviceCodeFlow,authenticationTransfer' }, grantControls: BLOCK });
      t.policy('Admins MFA');
      return id;
    },
    verdict: 'protected',
  },
  {
    name: `R-DEVICE-1 a device filter in include mode leaves non-matching devices uncovered (${DEVICES})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('SAW only', { devices: { deviceFilter: { mode: 'include', rule: 'device.extensionAttribute1 -eq "SAW"' } } });
      return id;
    },
    verdict: 'partial',
    gaps: ["from devices not matching filter 'device.extensionAttribute1 -eq \"SAW\"'", "policy 'SAW only' applies only to devices matching filter"],
  },
  {
    name: `R-DEVICE-1 complementary include/exclude filters with the same rule cover every device (${DEVICES})`,
    build: (t) => {
      const id = activeAdmin(t);
      const rule = 'device.trustType -eq "AzureAD"';
      t.policy('Joined devices', { devices: { deviceFilter: { mode: 'include', rule } } });
      t.policy('Other devices', { devices: { deviceFilter: { mode: 'exclude', rule } } });
      return id;
    },
    verdict: 'protected',
    gapCount: 0,
  },
  {
    name: `R-DEVICE-3 rules that differ in text but are complements (-eq / -ne on one property) are recognised by meaning (${DEVICES})`,
    build: (t) => {
      const id = activeAdmin(t);
      t.policy('Joined devices', { devices: { deviceFilter: { mode: 'include', rule: 'device.trustType -eq "AzureAD"' } } });
      t.policy('Other devices', { devices: { deviceFilter: { mode: 'include', rule: 'device.trustType -ne "AzureAD"' } } });
      return id;
    },
    verdict: 'protected',
    gapCount: 0,
  },
];

const combinedCases: Case[] = [
  {
    name: `R-COVER-1 a gap is the product of the conditions no policy reaches: iOS from a trusted location (Learn: concept-conditional-access-policies)`,
    build: (t) => {
      const id = activeAdmin(t);
      t.location('HQ', true);
      t.policy('MFA off-site', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
      t.policy('MFA on mobile at HQ', { platforms: { includePlatforms: ['android'] } });
      t.policy('MFA on desktops', { platforms: { includePlatforms: ['all'], excludePlatforms: ['iOS', 'android'] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ["no MFA when signing in on iOS from trusted location 'HQ'"],
  },
];

describe('applications (R-APP)', () => {
  it.each(applicationCases)('$name', (c) => {
    runCase(c);
  });
});

describe('client app types (R-CLIENT)', () => {
  it.each(clientCases)('$name', (c) => {
    runCase(c);
  });
});

describe('device platforms (R-PLATFORM)', () => {
  it.each(platformCases)('$name', (c) => {
    runCase(c);
  });
});

describe('locations (R-LOCATION)', () => {
  it.each(locationCases)('$name', (c) => {
    runCase(c);
  });
});

describe('risk, authentication flows, device filters (R-RISK, R-FLOW, R-DEVICE)', () => {
  it.each(riskFlowDeviceCases)('$name', (c) => {
    runCase(c);
  });
});

describe('union of policies (R-COVER)', () => {
  it.each(combinedCases)('$name', (c) => {
    runCase(c);
  });
});
