#!/usr/bin/env bash
# Dogfooding: Gatehouse gates its own repository, with real scanners from the npm registry.
#
# Starts a throw-away Gatehouse (embedded database, temp data dir, free port), scans this repo with
#   ESLint + eslint-plugin-security, SARIF (SAST) · secretlint, SARIF (secrets) · cyclonedx-npm (SBOM) · npm audit,
# uploads every report with the pipeline client (bin/gatehouse.mjs) and asks the `test` gate, then checks that
# the answers are the ones this script expects:
#
#   1. HEAD, with all the real evidence                                    → ALLOW (exit 0), and a clean deploy.
#      The repo has no critical finding and no secret (the fake credentials in parser tests are marked
#      `secretlint-disable-line`); ESLint's security warnings are medium and do not block at test.
#   2. a synthetic commit with SAST + secrets + the failed npm audit only   → BLOCK (exit 1): on these machines
#      npm audit gets a 405 from the registry; its error output is stored as a FAILED scan, closes nothing
#      and is no SCA evidence, so `sca-or-sbom` is missing.
#   3. a synthetic commit with all the real evidence plus a planted fake AWS key (gitleaks JSON) and a planted
#      critical finding (Gatehouse generic JSON)                            → BLOCK (exit 1); deploying it
#      anyway is recorded as a GATE BYPASS (exit 1 with --fail-on-bypass).
#
# Any other answer fails the script. Needs node_modules (npm ci); builds the app first if there is no build.
set -euo pipefail
cd "$(dirname "$0")/.."

unset DATABASE_URL # the embedded database, for the server and the operator CLI alike
export NEXT_TELEMETRY_DISABLED=1 NO_COLOR=1

say() { printf '\n--- [%3ss] %s\n' "$SECONDS" "$*"; }
fail() {
  printf '\nDOGFOOD FAILED: %s\n' "$*" >&2
  exit 1
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-dogfood.XXXXXX")"
REPORTS="$WORK/reports"
mkdir -p "$REPORTS"
SERVER_PGID=""

cleanup() {
  local rc=$?
  if [ -n "$SERVER_PGID" ]; then
    kill -TERM -- "-$SERVER_PGID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 -- "-$SERVER_PGID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$SERVER_PGID" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ] && [ -f "$WORK/server.log" ]; then
    echo "--- server log (last 40 lines)" >&2
    tail -n 40 "$WORK/server.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'printf "\nDOGFOOD FAILED at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# ---- a throw-away Gatehouse ----------------------------------------------------------------------------------
PORT="$(node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export GATEHOUSE_DATA_DIR="$WORK/data" GATEHOUSE_URL="http://127.0.0.1:$PORT"
say "starting Gatehouse on port $PORT (embedded database in $GATEHOUSE_DATA_DIR)"
# setsid: the server (and anything it spawns) gets its own process group, stopped as a whole by cleanup().
# It boots while the scanners run.
PORT="$PORT" GATEHOUSE_LOG_LEVEL=warn setsid node scripts/start.mjs >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
for _ in $(seq 1 50); do # setsid makes the server a group leader once it has exec'd
  [ "$(ps -o pgid= -p "$SERVER_PID" | tr -d ' ')" = "$SERVER_PID" ] && SERVER_PGID=$SERVER_PID && break
  sleep 0.1
done
[ -n "$SERVER_PGID" ] || fail "the server did not get its own process group"

# ---- the scanners, on this repository ------------------------------------------------------------------------
say "SAST: ESLint (project rules + eslint-plugin-security) → SARIF"
# Same files and ignores as `npm run lint` (node_modules, .next, test results…). Exit 1 means findings: the gate
# judges them; exit 2 is a crash.
rc=0
npx --no-install eslint --config .ci/eslint-security.config.mjs --format @microsoft/eslint-formatter-sarif \
  --output-file "$REPORTS/eslint.sarif" . || rc=$?
[ "$rc" -le 1 ] && [ -s "$REPORTS/eslint.sarif" ] || fail "eslint exited $rc"

say "secrets: secretlint (preset recommend) → SARIF, over the files git would commit"
# Tracked and untracked-but-not-ignored files; secretlint honours `secretlint-disable-line` comments.
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done >"$WORK/files.lst"
rc=0
xargs -0 npx --no-install secretlint --secretlintrc .ci/secretlintrc.json \
  --format @secretlint/secretlint-formatter-sarif --output "$REPORTS/secretlint.sarif" <"$WORK/files.lst" || rc=$?
[ "$rc" -eq 0 ] && [ -s "$REPORTS/secretlint.sarif" ] || fail "secretlint exited $rc"

say "SBOM: cyclonedx-npm → CycloneDX JSON (whole dependency tree, dev included: it is all supply chain)"
# --ignore-npm-errors: `npm ls` flags two version-spec oddities that do not change the tree (see the README of
# @cyclonedx/cyclonedx-npm): jschardet "latest" (a dist-tag spec in @microsoft/eslint-formatter-sarif) and the
# optional esbuild peer of vite.
npx --no-install cyclonedx-npm --ignore-npm-errors --output-format JSON --output-file "$REPORTS/sbom.cdx.json" \
  2>"$WORK/cyclonedx.log" || fail "cyclonedx-npm failed: $(tail -n 5 "$WORK/cyclonedx.log")"

say "SCA: npm audit --json (the registry's advisory endpoint answers 405 from these machines)"
rc=0
npm audit --json >"$REPORTS/npm-audit.json" 2>"$WORK/npm-audit.log" || rc=$?
AUDIT_FAILED=0
if node -e 'const r=JSON.parse(require("node:fs").readFileSync(process.argv[1],"utf8"));process.exit(r.error||r.statusCode||r.code?0:1)' "$REPORTS/npm-audit.json"; then
  AUDIT_FAILED=1
  echo "npm audit exited $rc with its error object: $(head -c 200 "$REPORTS/npm-audit.json" | tr -s ' \n' ' ')…"
else
  echo "npm audit exited $rc with a real report (the advisory service answered)"
fi

# ---- the server should be up by now ------------------------------------------------------------------------
say "waiting for /api/health"
for i in $(seq 1 600); do # up to 5 minutes when start.mjs has to build first; seconds otherwise
  curl -sf "$GATEHOUSE_URL/api/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited during start-up"
  [ "$i" -lt 600 ] || fail "the server did not answer /api/health"
  sleep 0.5
done
curl -sf "$GATEHOUSE_URL/api/health"
echo

say "team, service and a pipeline token (operator CLI)"
node bin/gatehouse.mjs team create dogfood --name "Dogfood"
node bin/gatehouse.mjs service create gatehouse --team dogfood --name Gatehouse --criticality high
TOKEN_OUT="$(node bin/gatehouse.mjs token create --team dogfood --service gatehouse \
  --scopes scans:write,gate:evaluate,deployments:write,read --name dogfood-ci --expires-in-days 1)"
GATEHOUSE_TOKEN="$(printf '%s\n' "$TOKEN_OUT" | tail -n 1)"
export GATEHOUSE_TOKEN
printf '%s\n' "$TOKEN_OUT" | sed '$d'
echo "(token: last line of the output, not printed)"

HEAD_SHA="$(git rev-parse HEAD)"
BRANCH="$(git symbolic-ref --short -q HEAD || echo main)"
echo "commit $HEAD_SHA on branch $BRANCH"

upload() { # file, commit, branch, [extra args…]
  local file=$1 commit=$2 branch=$3
  shift 3
  node bin/gatehouse.mjs scan upload "$file" --service gatehouse --commit "$commit" --branch "$branch" "$@"
}

# ---- 1. HEAD, the real evidence: ALLOW ------------------------------------------------------------------------
say "1. upload the real reports for HEAD"
upload "$REPORTS/eslint.sarif" "$HEAD_SHA" "$BRANCH"
upload "$REPORTS/secretlint.sarif" "$HEAD_SHA" "$BRANCH"
upload "$REPORTS/sbom.cdx.json" "$HEAD_SHA" "$BRANCH"
AUDIT_UP="$(upload "$REPORTS/npm-audit.json" "$HEAD_SHA" "$BRANCH" --json)"
node -e '
  const r = JSON.parse(process.argv[1]);
  const s = r.statistics;
  console.log(`uploaded npm-audit.json → ${r.scan.id} (${r.scan.format}, ${r.scan.tool.name}, ${r.scan.status})`);
  if (r.scan.failureReason) console.log(`  failure: ${r.scan.failureReason}`);
  console.log(`  ${s.findings} findings, ${s.closed} closed; evidence: [${r.scan.evidence.join(", ")}]`);
  const failed = process.argv[2] === "1";
  // That it is no evidence is what the gate of case 2 checks.
  if (failed && (r.scan.status !== "failed" || s.closed !== 0 || s.findings !== 0)) {
    console.error("expected the failed npm audit to be stored as a failed scan with no findings, closing nothing");
    process.exit(1);
  }
  if (!failed && r.scan.status !== "complete") process.exit(1);
' "$AUDIT_UP" "$AUDIT_FAILED" || fail "npm audit upload: unexpected scan status"

gate() { # commit, branch, expected exit code, expected verdict word
  local commit=$1 branch=$2 want=$3 word=$4 out rc=0
  out="$(node bin/gatehouse.mjs gate --service gatehouse --stage test --commit "$commit" --branch "$branch")" || rc=$?
  printf '%s\n' "$out"
  [ "$rc" -eq "$want" ] || fail "gate for ${commit:0:12} exited $rc, expected $want"
  [[ "$out" == "$word "* ]] || fail "gate for ${commit:0:12}: expected $word"
  GATE_OUT=$out
}

say "1. gate: may HEAD enter test? expected ALLOW (exit 0)"
gate "$HEAD_SHA" "$BRANCH" 0 ALLOW
say "1. deploy HEAD to test: expected a normal deployment record, no bypass"
DEPLOY_OUT="$(node bin/gatehouse.mjs deploy --service gatehouse --stage test --commit "$HEAD_SHA" --fail-on-bypass)" ||
  fail "deploy of an allowed commit exited $?: $DEPLOY_OUT"
printf '%s\n' "$DEPLOY_OUT"
[[ "$DEPLOY_OUT" == "recorded deployment "* ]] || fail "expected a recorded deployment"

# Synthetic commits: derived from HEAD, on their own branch so HEAD's findings lifecycle is untouched.
synthetic() { printf '%s:%s' "$HEAD_SHA" "$1" | sha1sum | cut -c1-40; }

# ---- 2. a failed scan is no evidence: BLOCK --------------------------------------------------------------------
NO_SCA_SHA="$(synthetic no-sca)"
say "2. synthetic commit ${NO_SCA_SHA:0:12}: SAST + secrets + the npm audit output, no SBOM"
upload "$REPORTS/eslint.sarif" "$NO_SCA_SHA" dogfood/no-sca
upload "$REPORTS/secretlint.sarif" "$NO_SCA_SHA" dogfood/no-sca
upload "$REPORTS/npm-audit.json" "$NO_SCA_SHA" dogfood/no-sca
if [ "$AUDIT_FAILED" = 1 ]; then
  say "2. gate: expected BLOCK (exit 1), the failed npm audit does not count as SCA evidence"
  gate "$NO_SCA_SHA" dogfood/no-sca 1 BLOCK
  [[ "$GATE_OUT" == *"FAIL SCA or SBOM evidence"* ]] || fail "expected the SCA/SBOM evidence check to fail"
else
  echo "(npm audit worked here: skipping the failed-scan case)"
fi

# ---- 3. planted secret and critical finding: BLOCK, and a deploy anyway is a GATE BYPASS -------------------------
PLANTED_SHA="$(synthetic planted)"
# An obviously fake key (AWS's documentation example), assembled so that this file itself holds no key literal.
FAKE_KEY="AKIA""IOSFODNN7EXAMPLE"
cat >"$REPORTS/gitleaks.json" <<JSON
[
  {
    "Description": "AWS Access Key (planted by .ci/dogfood.sh)",
    "StartLine": 3, "EndLine": 3, "StartColumn": 21, "EndColumn": 40,
    "Match": "aws_access_key_id = $FAKE_KEY",
    "Secret": "$FAKE_KEY",
    "File": "deploy/planted.env",
    "SymlinkFile": "",
    "Commit": "$PLANTED_SHA",
    "Entropy": 3.68,
    "Author": "dogfood", "Email": "dogfood@example.invalid", "Date": "2026-01-01T00:00:00Z",
    "Message": "planted", "Tags": [],
    "RuleID": "aws-access-token",
    "Fingerprint": "$PLANTED_SHA:deploy/planted.env:aws-access-token:3"
  }
]
JSON
cat >"$REPORTS/planted-critical.json" <<'JSON'
{
  "gatehouse": "1",
  "tool": { "name": "dogfood-planted", "version": "1" },
  "evidence": ["sast"],
  "findings": [
    {
      "kind": "code",
      "ruleId": "dogfood/planted-critical",
      "title": "Planted critical finding: SQL built from request input",
      "severity": "critical",
      "cwe": [89],
      "location": { "file": "server/planted.ts", "startLine": 1 }
    }
  ]
}
JSON

say "3. synthetic commit ${PLANTED_SHA:0:12}: all the real evidence plus a fake AWS key and a critical finding"
for r in eslint.sarif secretlint.sarif sbom.cdx.json npm-audit.json gitleaks.json planted-critical.json; do
  upload "$REPORTS/$r" "$PLANTED_SHA" dogfood/planted
done
say "3. gate: expected BLOCK (exit 1) on the secret and the critical finding"
gate "$PLANTED_SHA" dogfood/planted 1 BLOCK
[[ "$GATE_OUT" == *"FAIL No exposed secrets"* ]] || fail "expected the secrets check to fail"
[[ "$GATE_OUT" == *"FAIL At most 0 critical findings"* ]] || fail "expected the critical-findings check to fail"
if [[ "$GATE_OUT" == *"$FAKE_KEY"* ]]; then fail "the gate answer shows the secret in clear"; fi

say "3. deploy the blocked commit to test anyway: expected a GATE BYPASS (exit 1 with --fail-on-bypass)"
rc=0
DEPLOY_OUT="$(node bin/gatehouse.mjs deploy --service gatehouse --stage test --commit "$PLANTED_SHA" --fail-on-bypass)" || rc=$?
printf '%s\n' "$DEPLOY_OUT"
[ "$rc" -eq 1 ] || fail "deploy of a blocked commit exited $rc, expected 1"
[[ "$DEPLOY_OUT" == "GATE BYPASS "* ]] || fail "expected a GATE BYPASS"

say "dogfood: all verdicts as expected (HEAD allowed at test; no-SCA and planted commits blocked; bypass recorded)"
