// admin-mfa-monitor: everything `azd up` provisions. One resource group holding a Function App on the Flex
// Consumption plan, its storage account, Log Analytics + Application Insights, Azure Communication Services
// e-mail, and the user-assigned managed identity the app uses for all of them (and for Microsoft Graph).
//
// The Microsoft Graph application permissions are granted to that identity by the post-provision hook
// (infra/hooks/grant-graph-permissions.sh / .ps1) from the GRAPH_APP_ROLES output below; docs/deploy.md
// says why a hook and not the Microsoft Graph Bicep extension.
//
// test/infra/infra.test.ts cross-checks this file against the code: the app settings against SETTINGS in
// src/app/settings.ts (names and defaults), graphAppRoles against GRAPH_PERMISSIONS in
// src/collect/context.ts, and the %SCHEDULE_*% references in src/functions/*.ts.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: used for the resource group, the resource name suffix and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of the resource group and of every regional resource. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or reuse. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

// ---------------------------------------------------------------------------------------------------------
// Function App sizing
// ---------------------------------------------------------------------------------------------------------

@description('Memory of each Flex Consumption instance in MB. Execution is billed in GB-seconds of this size; 512 is the cheapest and enough for small tenants, 2048 (the Flex default) gives a full vCPU.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of Flex Consumption instances (40 is the lowest value the plan accepts). The own tenant needs one at a time; registered tenants scale out to queued messages / host.json batchSize (docs/tenants.md).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// ---------------------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------------------

@description('Days Log Analytics keeps the monitor\'s logs (30 and 31 cost nothing extra).')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Daily ingestion cap of the Log Analytics workspace in GB (-1: no cap). The monitor writes a few MB a day; the cap only stops a runaway.')
param logDailyCapGb int = 1

// ---------------------------------------------------------------------------------------------------------
// E-mail (Azure Communication Services)
// ---------------------------------------------------------------------------------------------------------

@description('Where Communication Services and the Email service keep data at rest (both must be in the same geography), e.g. "United States", "Europe", "UK", "Australia".')
param emailDataLocation string = 'United States'

@description('Optional custom sender domain (e.g. alerts.contoso.com). It is created unverified; add the DNS records of the EMAIL_CUSTOM_DOMAIN_VERIFICATION_RECORDS output, verify it, then set emailCustomDomainVerified. Empty: only the Azure-managed domain.')
param emailCustomDomain string = ''

@description('Set after the custom domain is verified: links it to Communication Services and sends from DoNotReply@<emailCustomDomain>. Unverified domains cannot be linked.')
param emailCustomDomainVerified bool = false

@description('Role that lets the identity send mail: "custom" (a role with only CommunicationServices/Read, CommunicationServices/Write and EmailServices/write; needs Owner or User Access Administrator to create) or "builtin" (Communication and Email Service Owner, which can also list the resource\'s access keys).')
@allowed([
  'custom'
  'builtin'
])
param emailSenderRole string = 'custom'

// ---------------------------------------------------------------------------------------------------------
// Monitor settings: each becomes the app setting of the same name (main.parameters.json reads each from the
// azd environment variable of that name). The defaults equal the defaults in src/app/settings.ts.
// ---------------------------------------------------------------------------------------------------------

@description('Microsoft Graph endpoint.')
param graphBaseUrl string = 'https://graph.microsoft.com'

@description('Monitored roles: core, privileged, or comma-separated role template ids.')
param monitorAdminRoles string = 'core'

@description('Break-glass / service accounts reported apart: object ids, UPNs or group ids, comma-separated.')
param monitorExcludedAccounts string = ''

@description('Fewer Global Administrators than this raises global-admin-count.')
param monitorGlobalAdminMin string = '2'

@description('More Global Administrators than this raises global-admin-count.')
param monitorGlobalAdminMax string = '8'

@description('NCRONTAB schedule (six fields, UTC) of the change feed (audit log and delta queries since its last run).')
param scheduleChangeFeed string = '0 */2 * * * *'

@description('Minutes before its watermark each change-feed read of the audit log starts (late audit events).')
param changeFeedOverlapMinutes string = '15'

@description('NCRONTAB schedule of the full role collection (reconciliation).')
param scheduleRoles string = '0 0 */6 * * *'

@description('NCRONTAB schedule of the full policy collection (reconciliation).')
param schedulePolicies string = '0 0 */6 * * *'

@description('NCRONTAB schedule of the full PIM activation collection.')
param scheduleActivations string = '0 0 */6 * * *'

@description('NCRONTAB schedule of the sign-in collector.')
param scheduleSignIns string = '0 */10 * * * *'

@description('NCRONTAB schedule of the daily secure score collector (Microsoft Secure Score, recommendation, licences, per-user MFA).')
param scheduleSecureScore string = '0 30 6 * * *'

@description('NCRONTAB schedule of evaluation, diff and alerts (after the collectors).')
param scheduleEvaluate string = '0 5-59/15 * * * *'

@description('Sign-in error codes collected as interrupted.')
param signInInterruptCodes string = '50074,500121,50076,50079,50072,50097,50155,50158,50125,50140,50199,16000'

@description('Minutes before the watermark each sign-in read starts.')
param signInOverlapMinutes string = '30'

@description('Hours the first sign-in read goes back.')
param signInInitialLookbackHours string = '24'

@description('Read the non-interactive sign-ins of the monitored accounts too (true or false).')
param signInNonInteractive string = 'true'

@description('Days of sign-ins held against the verdicts.')
param signInEvidenceDays string = '7'

@description('Days of sign-ins the readiness of a report-only policy is judged on.')
param signInRolloutDays string = '14'

@description('Days stored sign-ins and digests are kept.')
param signInRetentionDays string = '30'

@description('Minutes within which a success completes an interrupted sign-in.')
param signInCompletionMinutes string = '10'

@description('Per-user registration lookups per run.')
param registrationLookupsPerRun string = '20'

@description('Graph requests in flight at once.')
param graphMaxConcurrency string = '4'

@description('Seconds before a Graph request is retried.')
param graphTimeoutSeconds string = '60'

@description('Retries of one Graph request.')
param graphMaxRetries string = '6'

@description('Comma-separated addresses that receive the alert digest (at most 50). Empty: alerts are only recorded.')
param alertRecipients string = ''

@description('Sender address. Empty: DoNotReply@ the linked domain (the custom domain once verified, else the Azure-managed one).')
param alertSender string = ''

@description('Lowest severity that is mailed: high, medium or low.')
param alertMinSeverity string = 'medium'

@description('Hours after which unresolved high findings are mailed again (0: never).')
param alertRenotifyHours string = '24'

@description('Data older than this many minutes raises monitor-unhealthy.')
param monitorStaleAfterMinutes string = '90'

@description('Public URL of the report page, linked from alert mails.')
param reportUrl string = ''

@description('Days an accepted risk lasts when no until is given.')
param acceptedRiskDefaultDays string = '30'

@description('The furthest until an accepted risk may have, in days.')
param acceptedRiskMaxDays string = '90'

@description('Second alert channel: https URL the digest is POSTed to (Teams Workflows / Power Automate trigger, Slack incoming webhook, or your own endpoint). Empty: e-mail only.')
param webhookUrl string = ''

@description('Webhook body: json, teams (Adaptive Card message) or slack.')
param webhookFormat string = 'json'

@description('Webhook signing secret (at least 32 characters): HMAC-SHA256 in X-Admin-Mfa-Monitor-Signature. Empty: unsigned.')
@secure()
param webhookSecret string = ''

@description('POST /api/check runs at most once per this many seconds.')
param checkMinIntervalSeconds string = '60'

@description('Prefix of the Table Storage tables.')
param monitorTablePrefix string = 'mfamon'

// ---------------------------------------------------------------------------------------------------------
// Many tenants (docs/tenants.md)
// ---------------------------------------------------------------------------------------------------------

@description('Storage queue of the registered tenants\' work (one message per tenant and due step); `<name>-poison` holds work given up.')
param monitorWorkQueue string = 'mfamon-work'

@description('NCRONTAB schedule of the fan-out timer that enqueues the registered tenants\' due steps.')
param scheduleFanOut string = '0 * * * * *'

@description('Application (client) id of the multi-tenant app registration consented in each registered tenant. Empty: only this deployment\'s own tenant is read.')
param multitenantClientId string = ''

@description('PEM file (certificate and key) the multi-tenant app proves itself with, e.g. a Key Vault certificate loaded by the platform. Empty: a federated credential trusting the managed identity (no secret).')
param multitenantCertificatePath string = ''

@description('Operator addresses of the daily digest over every tenant. Empty: none is sent.')
param mspDigestRecipients string = ''

@description('NCRONTAB schedule of the operator\'s digest over every tenant.')
param scheduleMspDigest string = '0 0 7 * * *'

// ---------------------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'admin-mfa-monitor'
}
var deploymentContainerName = 'app-package'

// The Microsoft Graph application permissions of the monitor's identity, granted (and nothing else) by the
// post-provision hook. Must equal GRAPH_PERMISSIONS in src/collect/context.ts; docs/deploy.md lists what
// each one is for.
var graphAppRoles = [
  'RoleManagement.Read.Directory'
  'PrivilegedEligibilitySchedule.Read.AzureADGroup'
  'PrivilegedAssignmentSchedule.Read.AzureADGroup'
  'RoleManagementPolicy.Read.AzureADGroup'
  'GroupMember.Read.All'
  'User.Read.All'
  'Policy.Read.All'
  'AuditLog.Read.All'
  'SecurityEvents.Read.All'
  'DirectoryRecommendations.Read.All'
  'LicenseAssignment.Read.All'
  'Application.Read.All'
  'AdministrativeUnit.Read.All'
  'Directory.Read.All'
]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-mfamon-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stmfamon${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    principalId: identity.outputs.principalId
    workQueueName: monitorWorkQueue
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-mfamon-${resourceToken}'
    appInsightsName: 'appi-mfamon-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
    dailyCapGb: logDailyCapGb
    principalId: identity.outputs.principalId
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    emailServiceName: 'ecs-mfamon-${resourceToken}'
    communicationServiceName: 'acs-mfamon-${resourceToken}'
    tags: tags
    dataLocation: emailDataLocation
    customDomainName: emailCustomDomain
    customDomainVerified: emailCustomDomainVerified
    senderRole: emailSenderRole
    principalId: identity.outputs.principalId
  }
}

// Every app setting of the Function App, name → value. Scope 'app' and 'storage' settings of
// src/app/settings.ts, less the two kept out of Azure on purpose (AzureWebJobsStorage and
// ACS_CONNECTION_STRING carry keys; the identity replaces both), plus the Application Insights settings of
// the platform. FUNCTIONS_EXTENSION_VERSION and FUNCTIONS_WORKER_RUNTIME are not app settings on Flex
// Consumption: functionAppConfig.runtime sets them.
var appSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  GRAPH_BASE_URL: graphBaseUrl
  AZURE_CLIENT_ID: identity.outputs.clientId
  MONITOR_ADMIN_ROLES: monitorAdminRoles
  MONITOR_EXCLUDED_ACCOUNTS: monitorExcludedAccounts
  MONITOR_GLOBAL_ADMIN_MIN: monitorGlobalAdminMin
  MONITOR_GLOBAL_ADMIN_MAX: monitorGlobalAdminMax
  SCHEDULE_CHANGEFEED: scheduleChangeFeed
  CHANGEFEED_OVERLAP_MINUTES: changeFeedOverlapMinutes
  SCHEDULE_ROLES: scheduleRoles
  SCHEDULE_POLICIES: schedulePolicies
  SCHEDULE_ACTIVATIONS: scheduleActivations
  SCHEDULE_SIGNINS: scheduleSignIns
  SCHEDULE_SECURE_SCORE: scheduleSecureScore
  SCHEDULE_EVALUATE: scheduleEvaluate
  SIGNIN_INTERRUPT_CODES: signInInterruptCodes
  SIGNIN_OVERLAP_MINUTES: signInOverlapMinutes
  SIGNIN_INITIAL_LOOKBACK_HOURS: signInInitialLookbackHours
  SIGNIN_NON_INTERACTIVE: signInNonInteractive
  SIGNIN_EVIDENCE_DAYS: signInEvidenceDays
  SIGNIN_ROLLOUT_DAYS: signInRolloutDays
  SIGNIN_RETENTION_DAYS: signInRetentionDays
  SIGNIN_COMPLETION_MINUTES: signInCompletionMinutes
  REGISTRATION_LOOKUPS_PER_RUN: registrationLookupsPerRun
  GRAPH_MAX_CONCURRENCY: graphMaxConcurrency
  GRAPH_TIMEOUT_SECONDS: graphTimeoutSeconds
  GRAPH_MAX_RETRIES: graphMaxRetries
  ALERT_RECIPIENTS: alertRecipients
  ALERT_SENDER: !empty(alertSender) ? alertSender : communication.outputs.senderAddress
  ACS_ENDPOINT: communication.outputs.endpoint
  ALERT_MIN_SEVERITY: alertMinSeverity
  ALERT_RENOTIFY_HOURS: alertRenotifyHours
  MONITOR_STALE_AFTER_MINUTES: monitorStaleAfterMinutes
  ACCEPTED_RISK_DEFAULT_DAYS: acceptedRiskDefaultDays
  ACCEPTED_RISK_MAX_DAYS: acceptedRiskMaxDays
  WEBHOOK_URL: webhookUrl
  WEBHOOK_FORMAT: webhookFormat
  WEBHOOK_SECRET: webhookSecret
  REPORT_URL: reportUrl
  CHECK_MIN_INTERVAL_SECONDS: checkMinIntervalSeconds
  MONITOR_TABLE_PREFIX: monitorTablePrefix
  MONITOR_WORK_QUEUE: monitorWorkQueue
  SCHEDULE_FANOUT: scheduleFanOut
  MULTITENANT_CLIENT_ID: multitenantClientId
  MULTITENANT_CERTIFICATE_PATH: multitenantCertificatePath
  MSP_DIGEST_RECIPIENTS: mspDigestRecipients
  SCHEDULE_MSP_DIGEST: scheduleMspDigest
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: 'func-mfamon-${resourceToken}'
    planName: 'plan-mfamon-${resourceToken}'
    location: location
    tags: tags
    serviceName: 'monitor'
    identityId: identity.outputs.id
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    // The settings use outputs of the storage, monitoring and communication modules, so the app is created
    // after them, and so after their role assignments: the host finds its roles in place when it starts.
    appSettings: appSettings
  }
}

// ---------------------------------------------------------------------------------------------------------
// Outputs: azd stores them in .azure/<env>/.env, where the hooks and docs/deploy.md read them.
// ---------------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = functionApp.outputs.url
output MONITOR_IDENTITY_NAME string = identity.outputs.name
output MONITOR_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output MONITOR_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output GRAPH_APP_ROLES string = join(graphAppRoles, ',')
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
output LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.workspaceCustomerId
output COMMUNICATION_SERVICES_ENDPOINT string = communication.outputs.endpoint
output EMAIL_SENDER_ADDRESS string = !empty(alertSender) ? alertSender : communication.outputs.senderAddress
output EMAIL_CUSTOM_DOMAIN_VERIFICATION_RECORDS object = communication.outputs.customDomainVerificationRecords
output EMAIL_SENDER_ROLE_DEFINITION_ID string = communication.outputs.senderRoleDefinitionId
