// The storage account of the Functions host and of the monitor's tables. Shared keys are disabled: the
// host, the deployment and the monitor reach it only through the managed identity.
param name string
param location string
param tags object

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Object id of the managed identity that gets the data roles below.')
param principalId string

@description('The registered tenants\' work queue (MONITOR_WORK_QUEUE); the runtime moves work given up to `<name>-poison`.')
param workQueueName string

// Built-in data roles (role definition ids are the same in every tenant):
// - Storage Blob Data Owner: host keys, timer schedule status and singleton leases, and the Flex
//   deployment package (Flex Consumption requires Owner on the deployment container's account).
// - Storage Queue Data Contributor: the host's internal queues, and the tenant work queue and its poison queue
//   (the fan-out timer sends, the queue triggers receive and delete).
// - Storage Table Data Contributor: the monitor's tables (created on first run; src/storage/tables.ts).
var dataRoles = [
  {
    name: 'Storage Blob Data Owner'
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  }
  {
    name: 'Storage Queue Data Contributor'
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  }
  {
    name: 'Storage Table Data Contributor'
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  }
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// Created here so the queue triggers find them at start-up; the app also creates them if missing.
resource workQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queueName in [workQueueName, '${workQueueName}-poison']: {
    parent: queueService
    name: queueName
  }
]

resource dataRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in dataRoles: {
    name: guid(storage.id, principalId, role.id)
    scope: storage
    properties: {
      description: '${role.name} for the admin-mfa-monitor identity'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
      principalId: principalId
      // Set so a just-created identity is not looked up (and not reported missing) while Entra replicates it.
      principalType: 'ServicePrincipal'
    }
  }
]

output name string = storage.name
output workQueues array = [workQueueName, '${workQueueName}-poison']
output blobEndpoint string = storage.properties.primaryEndpoints.blob
