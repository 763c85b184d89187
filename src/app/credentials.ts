// The identity the monitor reads Graph and sends mail with: DefaultAzureCredential. In Azure AZURE_CLIENT_ID
// selects the user-assigned managed identity; locally the usual chain applies (environment, az login, …).
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';

export function liveCredential(): TokenCredential {
  const clientId = process.env.AZURE_CLIENT_ID?.trim();
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}
