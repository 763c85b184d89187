// The user-assigned managed identity of the monitor. The Function App runs as it (AZURE_CLIENT_ID) for
// Microsoft Graph, Communication Services and Application Insights, and the Functions host uses it for its
// storage (AzureWebJobsStorage__clientId) and to pull the deployment package.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
