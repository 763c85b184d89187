// The identity the monitor reads Graph and sends mail with: DefaultAzureCredential. In Azure AZURE_CLIENT_ID
// selects the user-assigned managed identity; locally the usual chain applies (environment, az login, …).
import { ClientAssertionCredential, ClientCertificateCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';

export function liveCredential(): TokenCredential {
  const clientId = process.env.AZURE_CLIENT_ID?.trim();
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

/** The audience of a managed identity's token that a federated credential on an app registration accepts. */
export const TOKEN_EXCHANGE_SCOPE = 'api://AzureADTokenExchange/.default';

export type TenantCredentialKind = 'federated' | 'certificate';

/**
 * How the deployment reads a registered (customer) tenant: as the multi-tenant app registration, consented in
 * that tenant, with a token issued BY that tenant. No secret in settings: the app proves itself either with a
 * certificate (a PEM file the platform loads, e.g. from Key Vault) or — the default — with a federated
 * credential whose assertion is the deployment's managed identity's token for api://AzureADTokenExchange
 * (Learn: "Configure an application to trust a managed identity"). docs/tenants.md has the onboarding.
 */
export function tenantCredentialChoice(options: { tenantId: string; clientId: string; certificatePath?: string; managedIdentity?: TokenCredential }): { kind: TenantCredentialKind; credential: TokenCredential } {
  if (!options.clientId) throw new Error('MULTITENANT_CLIENT_ID: not set; a registered tenant is read as the multi-tenant app registration consented in it (docs/tenants.md)');
  if (options.certificatePath) {
    return { kind: 'certificate', credential: new ClientCertificateCredential(options.tenantId, options.clientId, { certificatePath: options.certificatePath }) };
  }
  const identity = options.managedIdentity ?? liveCredential();
  return { kind: 'federated', credential: new ClientAssertionCredential(options.tenantId, options.clientId, federatedAssertion(identity)) };
}

/** The client assertion of the federated credential: the managed identity's token for the exchange audience. */
export function federatedAssertion(identity: TokenCredential): () => Promise<string> {
  return async () => {
    const token = await identity.getToken(TOKEN_EXCHANGE_SCOPE);
    if (!token) throw new Error('the managed identity gave no token for api://AzureADTokenExchange (is AZURE_CLIENT_ID the identity named in the federated credential?)');
    return token.token;
  };
}
