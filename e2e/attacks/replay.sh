#!/usr/bin/env bash
# Replays the security review's attacks (../shared/security-review.md) with
# curl and jq against a fresh `gatehouse dev`, as the reviewers ran them,
# and exits non-zero if any of them works again. Every request goes to
# 127.0.0.1; the server is stopped at the end.
#   e2e/attacks/replay.sh            build ./cmd/gatehouse and replay
#   GATEHOUSE=path e2e/attacks/replay.sh   use that binary
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

work=$(mktemp -d)
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

bin=${GATEHOUSE:-}
if [[ -z $bin ]]; then
	go build -o "$work/gatehouse" ./cmd/gatehouse
	bin=$work/gatehouse
fi
"$bin" dev --data "$work/data" --http-addr 127.0.0.1:0 --https-addr 127.0.0.1:0 \
	--portal-addr "" --admin-addr 127.0.0.1:0 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	[[ -s $work/data/dev.json ]] && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; echo "gatehouse dev exited"; exit 1; }
	sleep 0.2
done
D=$work/data/dev.json
[[ -s $D ]] || { cat "$work/server.log"; echo "no dev.json after 20 s"; exit 1; }

B=$(jq -r .http_base_url "$D"); T=$(jq -r .tenant_id "$D"); CID=$(jq -r .client_id "$D"); CS=$(jq -r .client_secret "$D")
ADELE=$(jq -r '.users[0].userPrincipalName' "$D"); ADELE_PW=$(jq -r '.users[0].password' "$D")
ALEX=$(jq -r '.users[1].userPrincipalName' "$D"); ALEX_PW=$(jq -r '.users[1].password' "$D")
ALEX_ID=$(jq -r '.users[1].id' "$D"); GSP=$(jq -r .graph_service_principal_id "$D")
G=$B/v1.0
GRAPH_APP=00000003-0000-0000-c000-000000000000
ACCESS_AS_USER=0e263e50-5827-48a4-b97c-d940288653c7
ADMIN_CENTRE_APP=0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a

# c: curl, quiet, never following redirects.
c() { curl -sS --max-time 20 "$@"; }
token() { c "$B/$T/oauth2/v2.0/token" "$@"; }
apptoken() {
	token -d grant_type=client_credentials --data-urlencode "client_id=$1" --data-urlencode "client_secret=$2" \
		--data-urlencode scope=https://graph.microsoft.com/.default | jq -r .access_token
}
jwt() { cut -d. -f2 | tr '_-' '/+' | awk '{l=length($0)%4; if(l==2)$0=$0"=="; else if(l==3)$0=$0"="; print}' | base64 -d 2>/dev/null; echo; }
# graph METHOD PATH TOKEN [BODY]: prints the status, then the body on the next line.
graph() {
	local args=(-X "$1" "$G/$2" -H "Authorization: Bearer $3" -w '\n%{http_code}')
	[[ $# -ge 4 ]] && args+=(-H 'Content-Type: application/json' -d "$4")
	local out
	out=$(c "${args[@]}")
	printf '%s\n%s\n' "${out##*$'\n'}" "${out%$'\n'*}"
}
status() { graph "$@" | head -n1; }
field() { sed -n 1,2p | tail -n1 | jq -r "$1"; }
form_field() { grep -o "name=\"$1\" value=\"[^\"]*\"" | head -n1 | sed 's/.*value="//;s/"$//'; }

AT=$(apptoken "$CID" "$CS")
[[ $AT == ey* ]] || { echo "no app-only token for the demo app"; exit 1; }

# register NAME BODY: an app through Graph with the demo app's
# Application.ReadWrite.All, its service principal and a secret; prints
# "appId objectId spId secret".
register() {
	local app appid oid sp secret
	app=$(graph POST applications "$AT" "$1" | sed -n 2p)
	appid=$(jq -r .appId <<<"$app"); oid=$(jq -r .id <<<"$app")
	sp=$(graph POST servicePrincipals "$AT" "{\"appId\":\"$appid\"}" | sed -n 2p | jq -r .id)
	secret=$(graph POST "applications/$oid/addPassword" "$AT" '{}' | sed -n 2p | jq -r .secretText)
	echo "$appid $oid $sp $secret"
}

failed=0
defended() { echo "defended      $1"; }
worked() { echo "ATTACK WORKED $1: $2"; failed=$((failed + 1)); }
check() { # check NAME DESCRIPTION-OF-SUCCESSFUL-ATTACK COMMAND...: the command succeeds when the attack failed
	local name=$1 what=$2; shift 2
	if "$@"; then defended "$name"; else worked "$name" "$what"; fi
}

# control: requires that the replay itself works, so a broken replay never passes as "defended".
control() { # control WHAT COMMAND...
	local what=$1; shift
	"$@" || { echo "control failed: $what (the replay is broken, not the server)"; exit 1; }
}
control "the demo app reads users" test "$(status GET users "$AT")" = 200

# --- F1: a GA's session gives an app that declares Directory.AccessAsUser.All a code without a page.
read -r EVIL_APPID EVIL_OID EVIL_SP EVIL_SECRET < <(register '{"displayName":"evil","web":{"redirectUris":["https://attacker.example/cb"]},
 "requiredResourceAccess":[{"resourceAppId":"'$GRAPH_APP'","resourceAccess":[{"id":"'$ACCESS_AS_USER'","type":"Scope"}]}]}')
J=$work/jar.txt
P=$(c -c "$J" -b "$J" "$B/$T/oauth2/v2.0/authorize?client_id=$CID&response_type=code&redirect_uri=http://localhost:8000&scope=openid")
ACTION=$(grep -o '<form method="post" action="[^"]*"' <<<"$P" | head -n1 | sed 's/.*action="//;s/"$//')
c -o /dev/null -c "$J" -b "$J" "$B$ACTION" --data-urlencode "csrf_token=$(form_field csrf_token <<<"$P")" \
	--data-urlencode "request_id=$(form_field request_id <<<"$P")" --data-urlencode "username=$ADELE" --data-urlencode "password=$ADELE_PW"
silent_code() { # silent_code CLIENT REDIRECT ENDPOINT QUERY: the code a silent authorize returns, if any
	c -o /dev/null -w '%{redirect_url}' -b "$J" "$B/$T/oauth2/$3?client_id=$1&response_type=code&redirect_uri=$2&prompt=none&$4" |
		{ grep -o '[?&]code=[^&]*' || true; } | cut -d= -f2
}
no_silent_code() { [[ -z $(silent_code "$EVIL_APPID" https://attacker.example/cb "$@") ]]; }
control "the consented demo app gets a silent code" test -n "$(silent_code "$CID" http://localhost:8000 v2.0/authorize scope=openid)"
check "F1 scope=openid" "a Global Administrator's code without consent" no_silent_code v2.0/authorize scope=openid
check "F1 canary host" "a Graph code through canary.graph.microsoft.com" no_silent_code v2.0/authorize scope=https://canary.graph.microsoft.com/.default
check "F1 upper case" "a Graph code through an upper-case spelling" no_silent_code v2.0/authorize scope=HTTPS://GRAPH.MICROSOFT.COM/.default
check "F1 appId form" "a Graph code through Graph's appId" no_silent_code v2.0/authorize "scope=$GRAPH_APP/.default"
check "F1 v1 resource" "a Graph code through the v1 endpoint" no_silent_code authorize resource=https://graph.microsoft.com
# consent_code SCOPE [org]: adele's code for evil after the consent page (accepted, on behalf of the
# organization when org is given); a server that shows no page answers with the code at once.
consent_code() {
	local loc page action
	loc=$(c -o "$work/page.html" -w '%{redirect_url}' -b "$J" -c "$J" \
		"$B/$T/oauth2/v2.0/authorize?client_id=$EVIL_APPID&response_type=code&redirect_uri=https://attacker.example/cb&scope=$1")
	if [[ -z $loc ]]; then
		page=$(cat "$work/page.html")
		action=$(grep -o '<form method="post" action="[^"]*"' <<<"$page" | tail -n1 | sed 's/.*action="//;s/"$//')
		loc=$(c -o /dev/null -w '%{redirect_url}' -b "$J" -c "$J" "$B$action" --data-urlencode "csrf_token=$(form_field csrf_token <<<"$page")" \
			--data-urlencode "request_id=$(form_field request_id <<<"$page")" ${2:+-d on_behalf_of_org=1} -d decision=accept)
	fi
	{ grep -o '[?&]code=[^&]*' <<<"$loc" || true; } | cut -d= -f2
}
refresh_upgrade_refused() { # adele consents to User.Read only; the refresh token cannot be widened
	local code rt
	code=$(consent_code "User.Read%20offline_access")
	rt=$(token -d grant_type=authorization_code --data-urlencode "client_id=$EVIL_APPID" --data-urlencode "client_secret=$EVIL_SECRET" \
		--data-urlencode "code=$code" --data-urlencode redirect_uri=https://attacker.example/cb | jq -r .refresh_token)
	[[ $rt != null && -n $rt ]] || { echo "control failed: no refresh token after adele's consent"; exit 1; }
	token -d grant_type=refresh_token --data-urlencode "client_id=$EVIL_APPID" --data-urlencode "client_secret=$EVIL_SECRET" --data-urlencode "refresh_token=$rt" \
		--data-urlencode scope=https://graph.microsoft.com/Directory.AccessAsUser.All | jq -r '.access_token // ""' | jwt | grep -vq AccessAsUser
}
check "F1 refresh upgrade" "a refresh widened to Directory.AccessAsUser.All" refresh_upgrade_refused
self_grant_refused() { # the app-only escalation: AppRoleAssignment.ReadWrite.All to itself
	[[ $(status POST "servicePrincipals/$EVIL_SP/appRoleAssignments" "$AT" \
		"{\"principalId\":\"$EVIL_SP\",\"resourceId\":\"$GSP\",\"appRoleId\":\"06b708a9-e830-4db3-a914-8e69da51d44f\"}") == 403 ]]
}
check "F1 app role grant" "Application.ReadWrite.All granted a Graph app role" self_grant_refused

# --- F2: a second app claims the victim API's App ID URI.
read -r _ V_OID _ _ < <(register '{"displayName":"orders-api","identifierUris":["https://orders.contoso.example"]}')
squat_refused() { [[ $(status POST applications "$AT" '{"displayName":"squatter","identifierUris":["https://orders.contoso.example"]}') == 400 ]]; }
control "the victim API holds its URI" test "$(status GET "applications/$V_OID" "$AT")" = 200
check "F2 squatting" "a second app took https://orders.contoso.example" squat_refused

# --- F3: a claims mapping policy on Microsoft Graph's service principal.
POL=$(graph POST policies/claimsMappingPolicies "$AT" '{"displayName":"x","definition":["{\"ClaimsMappingPolicy\":{\"Version\":1,\"IncludeBasicClaimSet\":\"true\",\"ClaimsSchema\":[{\"Source\":\"user\",\"ID\":\"displayname\",\"JwtClaimType\":\"dn\"}]}}"]}' | sed -n 2p | jq -r .id)
f3_refused() {
	[[ $(status POST "servicePrincipals/$GSP/claimsMappingPolicies/\$ref" "$AT" "{\"@odata.id\":\"$G/policies/claimsMappingPolicies/$POL\"}") == 403 ]] &&
		token -d grant_type=password --data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CS" --data-urlencode "username=$ADELE" \
			--data-urlencode "password=$ADELE_PW" --data-urlencode "scope=openid profile" | jq -e '.id_token != null' >/dev/null
}
check "F3 Graph policy" "a policy on Microsoft Graph broke sign-in" f3_refused

# --- F6: alex takes the Global Administrator's mail; the GA's own mail changed by an app.
check "F6 duplicate mail" "alex took adele's mail" \
	test "$(status PATCH "users/$ALEX_ID" "$AT" "{\"mail\":\"$ADELE\"}")" = 400
check "F6 GA mail" "an app changed the Global Administrator's mail" \
	test "$(status PATCH "users/$ADELE" "$AT" '{"mail":"attacker@contoso.example"}')" = 403

# --- F9: appRoleAssignmentRequired and accountEnabled on creation.
f9_kept() {
	local app out
	app=$(graph POST applications "$AT" '{"displayName":"restricted"}' | sed -n 2p | jq -r .appId)
	out=$(graph POST servicePrincipals "$AT" "{\"appId\":\"$app\",\"appRoleAssignmentRequired\":true,\"accountEnabled\":false}" | sed -n 2p)
	jq -e '.appRoleAssignmentRequired == true and .accountEnabled == false' >/dev/null <<<"$out"
}
check "F9 SP settings" "the service principal settings were ignored" f9_kept

# --- S1: app-only User.ReadWrite.All resets a non-administrator's password.
check "S1 password reset" "an app-only token set alex's password" \
	test "$(status PATCH "users/$ALEX_ID" "$AT" '{"passwordProfile":{"password":"Attacker-Chosen-77!"}}')" = 403

# --- S3: the admin centre's registration deleted through Graph.
check "S3 admin centre SP" "the admin centre's service principal was deleted" \
	test "$(status DELETE "servicePrincipals(appId='$ADMIN_CENTRE_APP')" "$AT")" = 403
check "S3 admin centre app" "the admin centre's redirect URIs were emptied" \
	test "$(status PATCH "applications(appId='$ADMIN_CENTRE_APP')" "$AT" '{"publicClient":{"redirectUris":[]}}')" = 403

# --- S4: a bloated registration.
s4_refused() {
	local body
	body=$(jq -nc --arg g "$GRAPH_APP" '{displayName:"fat",requiredResourceAccess:[{resourceAppId:$g,resourceAccess:[range(0;1000)|{id:"00000000-0000-4000-8000-\(100000000000+.)",type:"Scope"}]}]}')
	[[ $(status POST applications "$AT" "$body") == 400 ]]
}
check "S4 bloated app" "a registration with 1000 permissions was stored" s4_refused

# --- S5 and S6: an app holding Directory.ReadWrite.All, then deleted.
ropc_ga() { # adele's Graph token for evil by the password grant, with scope $1
	token -d grant_type=password --data-urlencode "client_id=$EVIL_APPID" --data-urlencode "client_secret=$EVIL_SECRET" \
		--data-urlencode "username=$ADELE" --data-urlencode "password=$ADELE_PW" --data-urlencode "scope=$1" | jq -r '.access_token // ""'
}
ropc_refused() { [[ -z $(ropc_ga "$1") || $(ropc_ga "$1" | jwt) != *AccessAsUser* ]]; }
check "F1 ROPC openid" "the password grant issued Directory.AccessAsUser.All for scope=openid" ropc_refused openid
check "F1 ROPC named" "the password grant issued Directory.AccessAsUser.All without consent" ropc_refused https://graph.microsoft.com/Directory.AccessAsUser.All
# Adele, a Global Administrator, now consents for the organization on the consent page, as she
# would for a tool she trusts; her delegated token grants the Graph app role.
consent_code https://graph.microsoft.com/Directory.AccessAsUser.All org >/dev/null
control "the consent page named Directory.AccessAsUser.All" grep -q "Directory.AccessAsUser.All" "$work/page.html"
GA_TOKEN=$(ropc_ga https://graph.microsoft.com/Directory.AccessAsUser.All)
[[ $GA_TOKEN == ey* ]] || { echo "control failed: no Global Administrator token after her consent"; exit 1; }
read -r DRW_APPID DRW_OID DRW_SP DRW_SECRET < <(register '{"displayName":"dirrw"}')
[[ $(status POST "servicePrincipals/$DRW_SP/appRoleAssignments" "$GA_TOKEN" \
	"{\"principalId\":\"$DRW_SP\",\"resourceId\":\"$GSP\",\"appRoleId\":\"19dbc75e-c2e2-444c-a770-ec69d8559fc7\"}") == 201 ]] ||
	{ echo "the Global Administrator could not grant Directory.ReadWrite.All"; exit 1; }
DRW=$(apptoken "$DRW_APPID" "$DRW_SECRET")
control "Directory.ReadWrite.All updates a user" test "$(status PATCH "users/$ALEX_ID" "$DRW" '{"jobTitle":"Engineer"}')" = 204
check "S5 delete user" "Directory.ReadWrite.All deleted a user" \
	test "$(status DELETE "users/$ALEX_ID" "$DRW")" = 403
check "S5 password" "Directory.ReadWrite.All reset a password" \
	test "$(status PATCH "users/$ALEX_ID" "$DRW" '{"passwordProfile":{"password":"Attacker-Chosen-78!"}}')" = 403
s6_dead() {
	graph DELETE "applications/$DRW_OID" "$AT" >/dev/null
	[[ $(status GET users "$DRW") == 401 ]]
}
check "S6 deleted app's token" "a deleted app's token still reads users" s6_dead

# --- S8: the issuer echoes the tenant segment's spelling.
s8_canonical() {
	local iss
	iss=$(c "$B/CONTOSO.EXAMPLE/v2.0/.well-known/openid-configuration" | jq -r .issuer)
	[[ $iss == "$B/contoso.example/v2.0" || $iss == "$B/$T/v2.0" ]]
}
check "S8 issuer" "the issuer echoed CONTOSO.EXAMPLE" s8_canonical

if ((failed)); then
	echo "$failed attack(s) worked"
	exit 1
fi
echo "every replayed attack was refused"
