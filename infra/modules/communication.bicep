// Azure Communication Services e-mail: an Email Communication Service with an Azure-managed domain (ready to
// send at once, 5 mails a minute / 10 an hour), optionally a custom domain, both linked to a Communication
// Services resource whose endpoint the app sends to with the managed identity (ACS_ENDPOINT). No access key
// leaves this module: the identity gets a role that can send but cannot list keys.
param emailServiceName string
param communicationServiceName string
param tags object

@description('Data location of both resources (same geography), e.g. "United States" or "Europe".')
param dataLocation string

@description('Custom sender domain; empty for none.')
param customDomainName string

@description('True once the custom domain is verified: only then can it be linked and used as sender.')
param customDomainVerified bool

@description('"custom": a least-privilege role for sending; "builtin": Communication and Email Service Owner.')
@allowed([
  'custom'
  'builtin'
])
param senderRole string

@description('Object id of the managed identity that sends the mail.')
param principalId string

var hasCustomDomain = !empty(customDomainName)
var useCustomDomain = hasCustomDomain && customDomainVerified
var communicationAndEmailServiceOwnerRoleId = '09976791-48a7-449e-bb21-39d1a415f350'

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// Azure-managed subdomain (<guid>.azurecomm.net): verified by Azure, with the DoNotReply sender built in.
resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

// Customer-managed domain: created unverified; its DNS records (domain TXT, SPF, DKIM, DKIM2) are in the
// verificationRecords output until the owner adds them and verifies the domain.
resource customDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = if (hasCustomDomain) {
  parent: emailService
  name: hasCustomDomain ? customDomainName : 'unused'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'CustomerManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource customSender 'Microsoft.Communication/emailServices/domains/senderUsernames@2023-04-01' = if (hasCustomDomain) {
  parent: customDomain
  name: 'donotreply'
  properties: {
    username: 'DoNotReply'
    displayName: 'Admin MFA monitor'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: useCustomDomain ? [managedDomain.id, '${emailService.id}/domains/${customDomainName}'] : [managedDomain.id]
  }
  dependsOn: [
    customSender
  ]
}

// The documented minimum for sending with Entra ID authentication (the same three operations the ACS docs
// give for SMTP with an Entra application): read and write on the Communication Services resource, write on
// Email services. Unlike the built-in Communication and Email Service Owner it cannot list or regenerate
// the access keys. It is assignable only in this resource group.
resource senderRoleDefinition 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (senderRole == 'custom') {
  name: customRoleDefinitionGuid
  properties: {
    roleName: 'Admin MFA monitor e-mail sender (${resourceGroup().name}, ${uniqueString(resourceGroup().id)})'
    description: 'Send e-mail through Azure Communication Services with Microsoft Entra ID; no key access.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read'
          'Microsoft.Communication/CommunicationServices/Write'
          'Microsoft.Communication/EmailServices/write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

var customRoleDefinitionGuid = guid(resourceGroup().id, 'admin-mfa-monitor-email-sender')
var senderRoleDefinitionGuid = senderRole == 'custom' ? customRoleDefinitionGuid : communicationAndEmailServiceOwnerRoleId

resource senderRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, principalId, senderRoleDefinitionGuid)
  scope: communicationService
  properties: {
    description: 'Send alert mail for admin-mfa-monitor'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', senderRoleDefinitionGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
  dependsOn: [
    senderRoleDefinition
  ]
}

output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = useCustomDomain ? 'DoNotReply@${customDomainName}' : 'DoNotReply@${managedDomain.properties.fromSenderDomain}'
output customDomainVerificationRecords object = hasCustomDomain ? customDomain.properties.verificationRecords : {}
output senderRoleDefinitionId string = senderRole == 'custom' ? subscriptionResourceId('Microsoft.Authorization/roleDefinitions', customRoleDefinitionGuid) : ''
