#!/usr/bin/env pwsh
# Post-provision hook (azure.yaml, Windows): the PowerShell twin of grant-graph-permissions.sh. Grants the
# monitor's managed identity exactly the Microsoft Graph application permissions listed in GRAPH_APP_ROLES
# (an output of infra/main.bicep, which the tests hold equal to GRAPH_PERMISSIONS in
# src/collect/context.ts), and revokes any other Microsoft Graph permission the identity holds. Assigning an
# application permission to a service principal is the admin consent.
#
# Needs the Azure CLI signed in (az login --tenant <AZURE_TENANT_ID>) as a Privileged Role Administrator or
# Global Administrator of the tenant the identity lives in.
#
# Onboarding a customer tenant (docs/tenants.md) is the same grant to another principal: with
# CUSTOMER_TENANT_ID set, the hook works in that tenant on the multi-tenant app registration
# MULTITENANT_CLIENT_ID — it creates the app's service principal there if the tenant has none yet, then grants
# it exactly GRAPH_APP_ROLES. It then needs the CLI signed in to that tenant by one of the same roles.
#
# Environment (azd passes its environment to hooks):
#   MONITOR_IDENTITY_PRINCIPAL_ID  object id of the identity's service principal (required, unless CUSTOMER_TENANT_ID)
#   GRAPH_APP_ROLES                comma-separated permission names (required)
#   AZURE_TENANT_ID                tenant the identity lives in (checked against the signed-in account)
#   CUSTOMER_TENANT_ID             a customer tenant to onboard instead (checked against the signed-in account)
#   MULTITENANT_CLIENT_ID          the multi-tenant app's application (client) id (required with CUSTOMER_TENANT_ID)
#   GRAPH_BASE_URL                 Graph endpoint (default: the one of the Azure CLI's cloud)
#   GRAPH_GRANT_STRICT             "true": fail (and stop azd) when the grant cannot be made; default: warn
#   GRAPH_GRANT_WAIT_SECONDS       how long to wait for a new identity to appear in Microsoft Graph (180)
#   GRAPH_GRANT_RETRY_SECONDS      pause between retries while Microsoft Graph catches up (10)
# Run it again at any time; it only changes what differs.
$ErrorActionPreference = 'Stop'

$GraphAppId = '00000003-0000-0000-c000-000000000000'
$principal = "$env:MONITOR_IDENTITY_PRINCIPAL_ID".Trim()
$customer = "$env:CUSTOMER_TENANT_ID".Trim()
$clientId = "$env:MULTITENANT_CLIENT_ID".Trim()
$wantedCsv = "$env:GRAPH_APP_ROLES".Trim()
$strict = "$env:GRAPH_GRANT_STRICT" -eq 'true'
$waitSeconds = if ($env:GRAPH_GRANT_WAIT_SECONDS) { [int]$env:GRAPH_GRANT_WAIT_SECONDS } else { 180 }
$retrySeconds = if ($env:GRAPH_GRANT_RETRY_SECONDS) { [int]$env:GRAPH_GRANT_RETRY_SECONDS } else { 10 }

function Say([string]$Message) {
  Write-Host "grant-graph-permissions: $Message"
}

# Stops here. Without GRAPH_GRANT_STRICT=true the deployment goes on: the monitor then reports each dataset
# it cannot read as unavailable, naming the missing permission, until the grant is made.
function Stop-Grant([string]$Reason) {
  Say $Reason
  if ($customer) {
    Say "Tenant $customer stays without consent ('tenants test' answers noConsent) until an administrator grants the"
    Say 'permissions. Sign in as a Privileged Role Administrator or Global Administrator of that tenant and run:'
    Say "  az login --tenant $customer"
    Say "  `$env:CUSTOMER_TENANT_ID='$customer'; `$env:MULTITENANT_CLIENT_ID='$clientId'; `$env:GRAPH_APP_ROLES='$wantedCsv'; ./infra/hooks/grant-graph-permissions.ps1"
    Say "or have that administrator open https://login.microsoftonline.com/$customer/adminconsent?client_id=$clientId"
    if ($strict) { exit 1 }
    exit 0
  }
  $tenant = if ($env:AZURE_TENANT_ID) { $env:AZURE_TENANT_ID } else { '<tenant id>' }
  Say "The monitor's datasets stay 'unavailable' until an administrator grants the permissions. To do it, sign in"
  Say 'as a Privileged Role Administrator or Global Administrator and run from the project directory:'
  Say "  az login --tenant $tenant"
  Say '  azd hooks run postprovision'
  Say 'or, without azd:'
  Say "  `$env:MONITOR_IDENTITY_PRINCIPAL_ID='$principal'; `$env:GRAPH_APP_ROLES='$wantedCsv'; ./infra/hooks/grant-graph-permissions.ps1"
  if ($strict) { exit 1 }
  exit 0
}

# Runs az; returns its standard output (JSON parsed when asked) and error text without throwing.
function Invoke-Az([string[]]$AzArgs, [switch]$Json) {
  $ErrorActionPreference = 'Continue' # a failing az is an answer here, not an exception
  $errorFile = [System.IO.Path]::GetTempFileName()
  try {
    $output = & az @AzArgs 2> $errorFile
    $ok = $LASTEXITCODE -eq 0
    $errorText = Get-Content -Raw -Path $errorFile -ErrorAction SilentlyContinue
  }
  finally {
    Remove-Item -Path $errorFile -ErrorAction SilentlyContinue
  }
  $text = ($output | Out-String).Trim()
  $value = $null
  if ($ok -and $Json -and $text) { $value = $text | ConvertFrom-Json }
  [pscustomobject]@{ Ok = $ok; Text = $text; Value = $value; Error = "$errorText" }
}

function Test-Denied([string]$Text) {
  $Text -match 'Authorization_RequestDenied|Forbidden|Insufficient'
}

if ($customer) {
  if (-not $clientId -or -not $wantedCsv) {
    Say 'with CUSTOMER_TENANT_ID, MULTITENANT_CLIENT_ID and GRAPH_APP_ROLES must be set (azd env get-value GRAPH_APP_ROLES).'
    exit 1
  }
}
elseif (-not $principal -or -not $wantedCsv) {
  Say "MONITOR_IDENTITY_PRINCIPAL_ID and GRAPH_APP_ROLES must be set (azd sets both from the infra outputs; run 'azd provision' first)."
  exit 1
}

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  Stop-Grant 'the Azure CLI (az) is not installed: it is needed to grant Microsoft Graph permissions.'
}

$account = Invoke-Az @('account', 'show', '-o', 'json') -Json
if (-not $account.Ok -or -not $account.Value) {
  Stop-Grant 'the Azure CLI is not signed in.'
}
if ($customer -and $account.Value.tenantId -ne $customer) {
  Stop-Grant "the Azure CLI is signed in to tenant $($account.Value.tenantId), not to the customer tenant $customer."
}
if (-not $customer -and $env:AZURE_TENANT_ID -and $account.Value.tenantId -ne $env:AZURE_TENANT_ID) {
  Stop-Grant "the Azure CLI is signed in to tenant $($account.Value.tenantId), but the identity lives in $env:AZURE_TENANT_ID."
}

$graph = "$env:GRAPH_BASE_URL".Trim()
if (-not $graph) {
  $cloud = Invoke-Az @('cloud', 'show', '-o', 'json') -Json
  if ($cloud.Ok -and $cloud.Value) { $graph = "$($cloud.Value.endpoints.microsoftGraphResourceId)" }
}
if (-not $graph) { $graph = 'https://graph.microsoft.com' }
$graph = $graph.TrimEnd('/')

# A customer tenant: the multi-tenant app's service principal there, created if the tenant has none yet.
if ($customer) {
  $found = Invoke-Az @('rest', '--method', 'get', '--url', "$graph/v1.0/servicePrincipals(appId='$clientId')?`$select=id", '-o', 'json') -Json
  if ($found.Ok -and $found.Value.id) { $principal = $found.Value.id }
  else {
    if (Test-Denied $found.Error) { Stop-Grant "not allowed to read service principals in $($customer): $($found.Error)" }
    $bodyFile = [System.IO.Path]::GetTempFileName()
    try {
      @{ appId = $clientId } | ConvertTo-Json -Compress | Set-Content -Path $bodyFile -Encoding utf8NoBOM
      $created = Invoke-Az @('rest', '--method', 'post', '--url', "$graph/v1.0/servicePrincipals", '--headers', 'Content-Type=application/json', '--body', "@$bodyFile", '-o', 'json') -Json
    }
    finally {
      Remove-Item -Path $bodyFile -ErrorAction SilentlyContinue
    }
    if (-not $created.Ok -or -not $created.Value.id) { Stop-Grant "could not create the service principal of app $clientId in tenant $($customer): $($created.Error)" }
    $principal = $created.Value.id
    Say "created the service principal of app $clientId in tenant $customer"
  }
}

# A just-created identity can take a little while to appear in Microsoft Graph.
$deadline = (Get-Date).AddSeconds($waitSeconds)
while ($true) {
  $sp = Invoke-Az @('rest', '--method', 'get', '--url', "$graph/v1.0/servicePrincipals/$($principal)?`$select=id", '-o', 'json') -Json
  if ($sp.Ok -and $sp.Value.id -eq $principal) { break }
  if (-not $sp.Ok -and (Test-Denied $sp.Error)) { Stop-Grant "not allowed to read service principals: $($sp.Error)" }
  if ((Get-Date) -ge $deadline) { Stop-Grant "service principal $principal was not found in Microsoft Graph after $($waitSeconds)s." }
  Start-Sleep -Seconds $retrySeconds
}

$graphSp = Invoke-Az @('rest', '--method', 'get', '--url', "$graph/v1.0/servicePrincipals(appId='$GraphAppId')?`$select=id,appRoles", '-o', 'json') -Json
if (-not $graphSp.Ok -or -not $graphSp.Value.id) {
  Stop-Grant "could not read the Microsoft Graph service principal (appId $GraphAppId)."
}
$graphSpId = $graphSp.Value.id
# Application permissions Microsoft Graph offers, by name.
$roleIdByName = @{}
$roleNameById = @{}
foreach ($role in $graphSp.Value.appRoles) {
  if ($role.allowedMemberTypes -contains 'Application') {
    $roleIdByName[$role.value] = $role.id
    $roleNameById[$role.id] = $role.value
  }
}

$assignedResult = Invoke-Az @('rest', '--method', 'get', '--url', "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments", '-o', 'json') -Json
if (-not $assignedResult.Ok) {
  Stop-Grant "could not list the identity's current app role assignments: $($assignedResult.Error)"
}
$assigned = @($assignedResult.Value.value | Where-Object { $_.resourceId -eq $graphSpId })

$wantedIds = @()
$failed = $false
foreach ($raw in $wantedCsv.Split(',')) {
  $name = $raw.Trim()
  if (-not $name) { continue }
  $id = $roleIdByName[$name]
  if (-not $id) {
    Say "Microsoft Graph has no application permission named '$name'."
    $failed = $true
    continue
  }
  $wantedIds += $id
  if ($assigned | Where-Object { $_.appRoleId -eq $id }) {
    Say "$($name): already granted"
    continue
  }
  # The body goes through a file: PowerShell's quoting of native arguments differs between versions.
  $bodyFile = [System.IO.Path]::GetTempFileName()
  @{ principalId = $principal; resourceId = $graphSpId; appRoleId = $id } | ConvertTo-Json -Compress | Set-Content -Path $bodyFile -Encoding utf8NoBOM
  $granted = $false
  $lastError = ''
  try {
    for ($attempt = 1; $attempt -le 6; $attempt++) {
      $post = Invoke-Az @('rest', '--method', 'post', '--url', "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments", '--headers', 'Content-Type=application/json', '--body', "@$bodyFile", '-o', 'none')
      if ($post.Ok) { $granted = $true; break }
      $lastError = $post.Error
      if (Test-Denied $lastError) { Stop-Grant "not allowed to grant '$name': $lastError" }
      # "Not a valid reference update" and similar: the new identity is not replicated yet.
      Start-Sleep -Seconds $retrySeconds
    }
  }
  finally {
    Remove-Item -Path $bodyFile -ErrorAction SilentlyContinue
  }
  if ($granted) { Say "$($name): granted" } else { Say "$($name): grant failed: $lastError"; $failed = $true }
}

# Anything else this identity holds on Microsoft Graph is not needed by the collectors: revoke it.
foreach ($assignment in $assigned) {
  if ($wantedIds -contains $assignment.appRoleId) { continue }
  $extra = if ($roleNameById[$assignment.appRoleId]) { $roleNameById[$assignment.appRoleId] } else { $assignment.appRoleId }
  $delete = Invoke-Az @('rest', '--method', 'delete', '--url', "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments/$($assignment.id)", '-o', 'none')
  if ($delete.Ok) { Say "$($extra): revoked (not in GRAPH_APP_ROLES)" } else { Say "$($extra): could not revoke"; $failed = $true }
}

if ($failed) { Stop-Grant 'some permissions could not be granted or revoked (see above).' }
if ($customer) { Say "app $clientId holds exactly in tenant $($customer): $wantedCsv" }
else { Say "the identity holds exactly: $wantedCsv" }
