#!/usr/bin/env bash
# Post-provision hook (azure.yaml): grants the monitor's managed identity exactly the Microsoft Graph
# application permissions listed in GRAPH_APP_ROLES (an output of infra/main.bicep, which the tests hold
# equal to GRAPH_PERMISSIONS in src/collect/context.ts), and revokes any other Microsoft Graph permission the
# identity holds. Assigning an application permission to a service principal is the admin consent.
#
# Needs the Azure CLI signed in (az login --tenant <AZURE_TENANT_ID>) as a Privileged Role Administrator or
# Global Administrator of the tenant the identity lives in: granting Microsoft Graph application permissions
# is reserved to those roles.
#
# Onboarding a customer tenant (docs/tenants.md) is the same grant to another principal: with
# CUSTOMER_TENANT_ID set, the hook works in that tenant on the multi-tenant app registration
# MULTITENANT_CLIENT_ID — it creates the app's service principal there if the tenant has none yet, then grants
# it exactly GRAPH_APP_ROLES (the admin consent of those application permissions, and nothing more). It then
# needs the CLI signed in to that tenant (az login --tenant <CUSTOMER_TENANT_ID>) by one of the same roles.
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
# Run it again at any time; it only changes what differs. Written for bash 3.2 (macOS) and later.
set -o pipefail

GRAPH_APP_ID='00000003-0000-0000-c000-000000000000'
principal="${MONITOR_IDENTITY_PRINCIPAL_ID:-}"
customer="${CUSTOMER_TENANT_ID:-}"
client_id="${MULTITENANT_CLIENT_ID:-}"
wanted_csv="${GRAPH_APP_ROLES:-}"
strict="${GRAPH_GRANT_STRICT:-false}"
wait_seconds="${GRAPH_GRANT_WAIT_SECONDS:-180}"
retry_seconds="${GRAPH_GRANT_RETRY_SECONDS:-10}"

say() { printf '%s\n' "grant-graph-permissions: $*"; }

# Stops here. Without GRAPH_GRANT_STRICT=true the deployment goes on: the monitor then reports each dataset
# it cannot read as unavailable, naming the missing permission, until the grant is made.
give_up() {
  say "$1"
  if [ -n "$customer" ]; then
    say "Tenant $customer stays without consent ('tenants test' answers noConsent) until an administrator grants the"
    say "permissions. Sign in as a Privileged Role Administrator or Global Administrator of that tenant and run:"
    say "  az login --tenant $customer"
    say "  CUSTOMER_TENANT_ID=$customer MULTITENANT_CLIENT_ID=$client_id GRAPH_APP_ROLES=$wanted_csv bash infra/hooks/grant-graph-permissions.sh"
    say "or have that administrator open https://login.microsoftonline.com/$customer/adminconsent?client_id=$client_id"
    if [ "$strict" = "true" ]; then exit 1; fi
    exit 0
  fi
  say "The monitor's datasets stay 'unavailable' until an administrator grants the permissions. To do it, sign in"
  say "as a Privileged Role Administrator or Global Administrator and run from the project directory:"
  say "  az login --tenant ${AZURE_TENANT_ID:-<tenant id>}"
  say "  azd hooks run postprovision"
  say "or, without azd:"
  say "  MONITOR_IDENTITY_PRINCIPAL_ID=$principal GRAPH_APP_ROLES=$wanted_csv bash infra/hooks/grant-graph-permissions.sh"
  if [ "$strict" = "true" ]; then exit 1; fi
  exit 0
}

if [ -n "$customer" ]; then
  if [ -z "$client_id" ] || [ -z "$wanted_csv" ]; then
    say "with CUSTOMER_TENANT_ID, MULTITENANT_CLIENT_ID and GRAPH_APP_ROLES must be set (azd env get-value GRAPH_APP_ROLES)."
    exit 1
  fi
elif [ -z "$principal" ] || [ -z "$wanted_csv" ]; then
  say "MONITOR_IDENTITY_PRINCIPAL_ID and GRAPH_APP_ROLES must be set (azd sets both from the infra outputs; run 'azd provision' first)."
  exit 1
fi

if ! command -v az >/dev/null 2>&1; then
  give_up "the Azure CLI (az) is not installed: it is needed to grant Microsoft Graph permissions."
fi

signed_in_tenant="$(az account show --query tenantId -o tsv 2>/dev/null | tr -d '\r')"
if [ -z "$signed_in_tenant" ]; then
  give_up "the Azure CLI is not signed in."
fi
if [ -n "$customer" ] && [ "$signed_in_tenant" != "$customer" ]; then
  give_up "the Azure CLI is signed in to tenant $signed_in_tenant, not to the customer tenant $customer."
fi
if [ -z "$customer" ] && [ -n "${AZURE_TENANT_ID:-}" ] && [ "$signed_in_tenant" != "$AZURE_TENANT_ID" ]; then
  give_up "the Azure CLI is signed in to tenant $signed_in_tenant, but the identity lives in $AZURE_TENANT_ID."
fi

graph="${GRAPH_BASE_URL:-}"
if [ -z "$graph" ]; then
  graph="$(az cloud show --query endpoints.microsoftGraphResourceId -o tsv 2>/dev/null | tr -d '\r')"
fi
graph="${graph:-https://graph.microsoft.com}"
graph="${graph%/}"

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT

# A customer tenant: the multi-tenant app's service principal there, created if the tenant has none yet.
if [ -n "$customer" ]; then
  principal="$(az rest --method get --url "$graph/v1.0/servicePrincipals(appId='$client_id')?\$select=id" --query id -o tsv 2>"$errors" | tr -d '\r')"
  if [ -z "$principal" ]; then
    case "$(cat "$errors")" in
      *Authorization_RequestDenied* | *Forbidden*) give_up "not allowed to read service principals in $customer: $(cat "$errors")" ;;
    esac
    principal="$(az rest --method post --url "$graph/v1.0/servicePrincipals" --headers "Content-Type=application/json" \
      --body "{\"appId\":\"$client_id\"}" --query id -o tsv 2>"$errors" | tr -d '\r')"
    [ -n "$principal" ] || give_up "could not create the service principal of app $client_id in tenant $customer: $(cat "$errors")"
    say "created the service principal of app $client_id in tenant $customer"
  fi
fi

# A just-created identity can take a little while to appear in Microsoft Graph.
deadline=$(( $(date +%s) + wait_seconds ))
while :; do
  if found="$(az rest --method get --url "$graph/v1.0/servicePrincipals/$principal?\$select=id" --query id -o tsv 2>"$errors")"; then
    [ "$(printf '%s' "$found" | tr -d '\r')" = "$principal" ] && break
  else
    case "$(cat "$errors")" in
      *Authorization_RequestDenied* | *Forbidden*) give_up "not allowed to read service principals: $(cat "$errors")" ;;
    esac
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    give_up "service principal $principal was not found in Microsoft Graph after ${wait_seconds}s."
  fi
  sleep "$retry_seconds"
done

graph_sp="$(az rest --method get --url "$graph/v1.0/servicePrincipals(appId='$GRAPH_APP_ID')?\$select=id" --query id -o tsv 2>/dev/null | tr -d '\r')"
if [ -z "$graph_sp" ]; then
  give_up "could not read the Microsoft Graph service principal (appId $GRAPH_APP_ID)."
fi

# Application permissions Microsoft Graph offers: "<value>\t<id>" lines.
roles_tsv="$(az rest --method get --url "$graph/v1.0/servicePrincipals/$graph_sp?\$select=appRoles" \
  --query "appRoles[?contains(allowedMemberTypes, 'Application')].[value, id]" -o tsv 2>/dev/null | tr -d '\r')"
# Current assignments of the identity on Microsoft Graph: "<appRoleId>\t<assignmentId>" lines.
assigned_tsv="$(az rest --method get --url "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments" \
  --query "value[?resourceId=='$graph_sp'].[appRoleId, id]" -o tsv 2>/dev/null)"
if [ $? -ne 0 ]; then
  give_up "could not list the identity's current app role assignments."
fi
assigned_tsv="$(printf '%s' "$assigned_tsv" | tr -d '\r')"

role_id_of() { printf '%s\n' "$roles_tsv" | awk -F'\t' -v v="$1" '$1 == v { print $2; exit }'; }
role_name_of() { printf '%s\n' "$roles_tsv" | awk -F'\t' -v i="$1" '$2 == i { print $1; exit }'; }

wanted_ids=()
failed=0
IFS=',' read -r -a wanted <<<"$wanted_csv"
for name in "${wanted[@]}"; do
  name="$(printf '%s' "$name" | tr -d '[:space:]')"
  [ -n "$name" ] || continue
  id="$(role_id_of "$name")"
  if [ -z "$id" ]; then
    say "Microsoft Graph has no application permission named '$name'."
    failed=1
    continue
  fi
  wanted_ids+=("$id")
  if printf '%s\n' "$assigned_tsv" | awk -F'\t' -v i="$id" '$1 == i { found = 1 } END { exit !found }'; then
    say "$name: already granted"
    continue
  fi
  body="{\"principalId\":\"$principal\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$id\"}"
  granted=0
  for attempt in 1 2 3 4 5 6; do
    if output="$(az rest --method post --url "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments" \
      --headers "Content-Type=application/json" --body "$body" -o none 2>&1)"; then
      granted=1
      break
    fi
    case "$output" in
      *Authorization_RequestDenied* | *Forbidden* | *Insufficient*)
        give_up "not allowed to grant '$name': $output" ;;
    esac
    # "Not a valid reference update" and similar: the new identity is not replicated yet.
    sleep "$retry_seconds"
  done
  if [ "$granted" -eq 1 ]; then
    say "$name: granted"
  else
    say "$name: grant failed: $output"
    failed=1
  fi
done

# Anything else this identity holds on Microsoft Graph is not needed by the collectors: revoke it.
while IFS=$'\t' read -r role_id assignment_id; do
  [ -n "$role_id" ] || continue
  keep=0
  for id in ${wanted_ids[@]+"${wanted_ids[@]}"}; do
    if [ "$id" = "$role_id" ]; then keep=1; break; fi
  done
  [ "$keep" -eq 1 ] && continue
  extra="$(role_name_of "$role_id")"
  if az rest --method delete --url "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments/$assignment_id" -o none >/dev/null 2>&1; then
    say "${extra:-$role_id}: revoked (not in GRAPH_APP_ROLES)"
  else
    say "${extra:-$role_id}: could not revoke"
    failed=1
  fi
done <<<"$assigned_tsv"

if [ "$failed" -ne 0 ]; then
  give_up "some permissions could not be granted or revoked (see above)."
fi
if [ -n "$customer" ]; then
  say "app $client_id holds exactly in tenant $customer: $wanted_csv"
else
  say "the identity holds exactly: $wanted_csv"
fi
