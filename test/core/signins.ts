// Sign-ins for the engine's unit tests: Graph-shaped sign-ins (as the log returns them), read and folded into
// daily digests exactly as the collector does, then handed to the evaluation on the snapshot.
import { DEFAULT_INTERRUPT_ERROR_CODES } from '../../src/core/catalog.js';
import { type SignIn, signInSchema } from '../../src/core/graph-types.js';
import { observeSignIn } from '../../src/core/observed.js';
import { type SignInDigest, buildDigest, dayOf } from '../../src/core/signin-digest.js';
import type { ActivationWindow, TenantSnapshot } from '../../src/core/snapshot.js';
import { CAPTURED_AT } from './helpers.js';

export const CODES: ReadonlySet<number> = new Set(DEFAULT_INTERRUPT_ERROR_CODES);
export const EXCHANGE = '00000002-0000-0ff1-ce00-000000000000';
export const AZURE_PORTAL = 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c';
export const SERVICE_MANAGEMENT = '797f4846-ba00-4fd7-ba43-dac1f8f63013';

let counter = 0;

/** A successful, interactive, single-factor browser sign-in to Exchange from outside any named location, an hour before capture; override anything. */
export function signIn(userId: string, overrides: Record<string, unknown> = {}): SignIn {
  counter++;
  return signInSchema.parse({
    id: `5191e000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    createdDateTime: new Date(Date.parse(CAPTURED_AT) - 3_600_000).toISOString(),
    userId,
    userPrincipalName: `${userId}@contoso.test`,
    appId: EXCHANGE,
    appDisplayName: 'Outlook',
    resourceId: EXCHANGE,
    resourceDisplayName: 'Office 365 Exchange Online',
    ipAddress: '198.51.100.7',
    clientAppUsed: 'Browser',
    correlationId: `c0000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    isInteractive: true,
    authenticationRequirement: 'singleFactorAuthentication',
    riskLevelDuringSignIn: 'none',
    originalTransferMethod: 'none',
    status: { errorCode: 0 },
    location: { city: 'Dublin', countryOrRegion: 'IE' },
    networkLocationDetails: [],
    deviceDetail: { operatingSystem: 'Windows 10', isCompliant: false, isManaged: false, trustType: '' },
    appliedConditionalAccessPolicies: [],
    ...overrides,
  });
}

/** Minutes before the capture time, as an ISO time. */
export function ago(minutes: number): string {
  return new Date(Date.parse(CAPTURED_AT) - minutes * 60_000).toISOString();
}

/** The digests the collector would build from these sign-ins (per user and day). */
export function digests(signIns: readonly SignIn[], completionMinutes = 10, dataEnd = CAPTURED_AT): SignInDigest[] {
  const observed = signIns.map((s) => observeSignIn(s, CODES));
  const keys = new Set(observed.map((s) => `${dayOf(s.at)}|${s.userId}`));
  return [...keys].map((key) => {
    const [day, userId] = key.split('|') as [string, string];
    return buildDigest(userId, day, observed.filter((s) => s.userId === userId), completionMinutes, Date.parse(dataEnd));
  });
}

/** A snapshot mutation that hands the evaluation these sign-ins (read completely at capture time). */
export function withSignIns(signIns: readonly SignIn[], activations: ActivationWindow[] = [], state: 'ok' | 'stale' | 'unavailable' = 'ok', asOf = CAPTURED_AT): (s: TenantSnapshot) => void {
  return (snapshot) => {
    snapshot.signInEvidence = { digests: digests(signIns), activations };
    snapshot.dataSources.signIns = { state, asOf: state === 'unavailable' ? null : asOf };
  };
}
