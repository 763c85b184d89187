// The simulated tenant serves Microsoft's own verdict, the licences and per-user MFA with Graph's documented
// shapes and errors: secureScores (newest first, $top=1 the latest), secureScoreControlProfiles/{id},
// beta directory/recommendations (filterable; impactedResources on their own path), subscribedSkus, and beta
// users/{id}/authentication/requirements (disabled unless the fixture says otherwise).
import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTenantFixture } from '../../devkit/fixture/format.js';
import { type GraphSimulator, startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { errorOf, graphClient } from './helpers.js';

const ALICE = '00000000-0000-4000-8000-00000000a11c';
const BOB = '00000000-0000-4000-8000-000000000b0b';
const REC = 't1_Microsoft.Identity.IAM.Insights.AdminMFAV2';

function fixture() {
  const control = (day: string, score: number) => ({ controlName: 'AdminMFAV2', controlCategory: 'Identity', score, implementationStatus: `You have 1 out of 2 users with administrative roles that aren't registered and protected with MFA.`, count: '1', total: '2', lastSynced: `${day}T16:00:00Z` });
  return parseTenantFixture({
    tenantId: 't1',
    users: [
      { id: ALICE, userPrincipalName: 'alice@contoso.test' },
      { id: BOB, userPrincipalName: 'bob@contoso.test' },
    ],
    secureScores: [
      { id: 't1_2026-05-30', createdDateTime: '2026-05-30T00:00:00Z', currentScore: 40, maxScore: 100, controlScores: [control('2026-05-29', 0), { controlName: 'OneAdmin', score: 1 }] },
      { id: 't1_2026-05-31', createdDateTime: '2026-05-31T00:00:00Z', currentScore: 45, maxScore: 100, controlScores: [control('2026-05-30', 5), { controlName: 'OneAdmin', score: 1 }] },
    ],
    directoryRecommendations: [
      { id: REC, recommendationType: 'adminMFAV2', status: 'active', impactedResources: [{ id: ALICE, subjectId: ALICE, resourceType: 'user', displayName: 'Alice', status: 'active' }] },
      { id: 't1_Microsoft.Identity.IAM.Insights.TurnOffPerUserMFA', recommendationType: 'turnOffPerUserMFA', status: 'active', impactedResources: [] },
    ],
    subscribedSkus: [{ skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06', skuPartNumber: 'SPE_E5', capabilityStatus: 'Enabled', consumedUnits: 2, servicePlans: [{ servicePlanId: 'eec0eb4f-6444-4f95-aba0-50c24d67f998', servicePlanName: 'AAD_PREMIUM_P2', provisioningStatus: 'Success' }] }],
    authenticationRequirements: { [ALICE]: { perUserMfaState: 'enforced' } },
  });
}

let sim: GraphSimulator;
let client: Client;

beforeAll(async () => {
  sim = await startGraphSimulator({ fixture: fixture() });
  client = graphClient(sim);
});
afterEach(() => {
  sim.setFaults([]);
  sim.setFixture(fixture());
});
afterAll(() => sim.close());

describe('simulated Secure Score', () => {
  it('lists scores newest first; $top=1 is the latest day with its controlScores', async () => {
    const page = (await client.api('/security/secureScores?$top=1').get()) as { value: Array<{ id: string; controlScores: Array<{ controlName: string; score: number }> }> };
    expect(page.value.map((s) => s.id)).toEqual(['t1_2026-05-31']);
    expect(page.value[0]?.controlScores.find((c) => c.controlName === 'AdminMFAV2')?.score).toBe(5);
  });

  it('serves the AdminMFAV2 control profile (built in when the fixture has none) and 404 for an unknown control', async () => {
    const profile = (await client.api('/security/secureScoreControlProfiles/AdminMFAV2').get()) as { maxScore: number; controlName: string };
    expect(profile).toMatchObject({ controlName: 'AdminMFAV2', maxScore: 10 });
    expect((await errorOf(client.api('/security/secureScoreControlProfiles/NoSuchControl').get())).statusCode).toBe(404);
  });

  it('answers an empty list for a tenant the fixture gives no Secure Score', async () => {
    sim.setFixture(parseTenantFixture({ tenantId: 't2' }));
    expect(((await client.api('/security/secureScores?$top=1').get()) as { value: unknown[] }).value).toEqual([]);
  });
});

describe('simulated recommendations (beta)', () => {
  it('filters by recommendationType and leaves impactedResources to their own path', async () => {
    const page = (await client.api("/directory/recommendations?$filter=recommendationType eq 'adminMFAV2'").version('beta').get()) as { value: Array<Record<string, unknown>> };
    expect(page.value.map((r) => r.id)).toEqual([REC]);
    expect(page.value[0]).not.toHaveProperty('impactedResources');
    const impacted = (await client.api(`/directory/recommendations/${REC}/impactedResources`).version('beta').get()) as { value: Array<Record<string, unknown>> };
    expect(impacted.value).toEqual([expect.objectContaining({ subjectId: ALICE, recommendationId: REC, status: 'active' })]);
  });

  it('is beta only, and an unknown recommendation is a 404', async () => {
    expect((await errorOf(client.api('/directory/recommendations').get())).statusCode).toBe(400);
    expect((await errorOf(client.api('/directory/recommendations/nope/impactedResources').version('beta').get())).statusCode).toBe(404);
  });

  it('refuses without DirectoryRecommendations.Read.All, or with a licence error, when a fault says so', async () => {
    sim.setFaults([{ kind: 'forbidden403', endpoint: 'directoryRecommendations' }]);
    const denied = await errorOf(client.api('/directory/recommendations').version('beta').get());
    expect(denied.statusCode).toBe(403);
    expect(denied.message).toContain('DirectoryRecommendations.Read.All');
    sim.setFaults([{ kind: 'licenseError', endpoint: 'directoryRecommendations' }]);
    expect((await errorOf(client.api('/directory/recommendations').version('beta').get())).code).toBe('AadPremiumLicenseRequired');
  });
});

describe('simulated SKUs and per-user MFA', () => {
  it('lists subscribed SKUs with their service plans; $select keeps what is named', async () => {
    const page = (await client.api('/subscribedSkus?$select=skuPartNumber,servicePlans').get()) as { value: Array<Record<string, unknown>> };
    expect(page.value).toEqual([{ skuPartNumber: 'SPE_E5', servicePlans: [expect.objectContaining({ servicePlanName: 'AAD_PREMIUM_P2' })] }]);
  });

  it('serves a user\u2019s per-user MFA state (beta), disabled when the fixture does not list the user, 404 for an unknown user', async () => {
    const get = (id: string) => client.api(`/users/${id}/authentication/requirements`).version('beta').get() as Promise<{ perUserMfaState: string }>;
    expect((await get(ALICE)).perUserMfaState).toBe('enforced');
    expect((await get(BOB)).perUserMfaState).toBe('disabled');
    expect((await errorOf(get('00000000-0000-4000-8000-0000000000ff'))).statusCode).toBe(404);
    expect((await errorOf(client.api(`/users/${ALICE}/authentication/requirements`).get())).statusCode).toBe(400);
  });

  it('answers per-user states inside a beta $batch, and names Policy.Read.All when refused', async () => {
    const answer = (await client.api('/$batch').version('beta').post({ requests: [ALICE, BOB].map((id) => ({ id, method: 'GET', url: `/users/${id}/authentication/requirements` })) })) as { responses: Array<{ id: string; status: number; body: { perUserMfaState?: string } }> };
    expect(Object.fromEntries(answer.responses.map((r) => [r.id, r.body.perUserMfaState]))).toEqual({ [ALICE]: 'enforced', [BOB]: 'disabled' });
    sim.setFaults([{ kind: 'forbidden403', endpoint: 'userAuthenticationRequirements' }]);
    const denied = await errorOf(client.api(`/users/${ALICE}/authentication/requirements`).version('beta').get());
    expect(denied.message).toContain('Policy.Read.All');
  });
});
