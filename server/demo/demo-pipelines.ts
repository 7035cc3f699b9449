// Pipeline definitions the demo services upload: realistic GitHub Actions and GitLab CI files, some hardened with the
// gate wired in, some with the problems Gatehouse's pipeline checks find (docs/rules/pipeline-posture.md).

const CHECKOUT = "actions/checkout@08eba0b27e820071cde6df949e0beb9ba4906955 # v4.3.0";
const SETUP_NODE = "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0";

/** A hardened GitHub workflow: SHA-pinned, least privilege, gate before the deploy, the deploy recorded. */
function hardenedGithub(service: string): string {
  return `name: ship
on:
  push:
    branches: [main]
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - uses: ${SETUP_NODE}
        with:
          node-version: 20
      - run: npm ci && npm test
      - name: Upload the reports and this workflow
        run: |
          node .ci/gatehouse.mjs scan upload semgrep.sarif
          node .ci/gatehouse.mjs scan upload .github/workflows/ship.yml
        env:
          GATEHOUSE_SERVICE: ${service}
          GATEHOUSE_TOKEN: \${{ secrets.GATEHOUSE_TOKEN }}
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    permissions:
      contents: read
      id-token: write
    steps:
      - name: Gate
        run: node .ci/gatehouse.mjs gate --stage production --artifact "$DIGEST"
        env:
          GATEHOUSE_SERVICE: ${service}
          GATEHOUSE_TOKEN: \${{ secrets.GATEHOUSE_TOKEN }}
      - name: Roll out
        run: kubectl set image deployment/${service} ${service}="registry.acme.dev/${service}@$DIGEST"
      - name: Record the deployment
        run: node .ci/gatehouse.mjs deploy --stage production --artifact "$DIGEST"
        env:
          GATEHOUSE_SERVICE: ${service}
          GATEHOUSE_TOKEN: \${{ secrets.GATEHOUSE_TOKEN }}
`;
}

/** Gated, but with tag-pinned third-party actions handed a secret. */
function looseGithub(service: string): string {
  return hardenedGithub(service)
    .replace(
      "      - run: npm ci && npm test\n",
      "      - uses: docker/login-action@v3\n        with:\n          username: acme\n          password: ${{ secrets.GITHUB_TOKEN }}\n      - run: npm ci && npm test\n",
    )
    .replace("permissions: {}\n", "")
    .replace(
      "    permissions:\n      contents: read\n    steps:\n      - uses: " + CHECKOUT,
      "    steps:\n      - uses: " + CHECKOUT,
    );
}

/** The gate never asked, a title run as shell, a write-all token: what a neglected pipeline looks like. */
function neglectedGithub(service: string): string {
  return `name: deploy
on:
  push:
    branches: [main]
  issues:
    types: [opened]
permissions: write-all
jobs:
  triage:
    if: github.event_name == 'issues'
    runs-on: ubuntu-latest
    steps:
      - name: Label
        run: echo "Triaging \${{ github.event.issue.title }}"
  deploy:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: azure/setup-kubectl@v4
      - name: Install the CLI
        run: curl -fsSL https://get.example-cli.dev/install.sh | sh
      - name: Deploy
        run: kubectl apply -f k8s/${service}.yaml
`;
}

/** A GitLab pipeline with the gate in its own stage and the deploy recorded. */
function gatedGitlab(service: string): string {
  return `stages: [build, test, gate, deploy]
include:
  - template: Security/SAST.gitlab-ci.yml
variables:
  GATEHOUSE_SERVICE: ${service}
semgrep-sast:
  allow_failure: false
build:
  stage: build
  image: node:20.18.0-bookworm@sha256:${"4f".repeat(32)}
  script:
    - npm ci
    - npm run build
gate:
  stage: gate
  image: node:20.18.0-bookworm@sha256:${"4f".repeat(32)}
  script:
    - node .ci/gatehouse.mjs scan upload .gitlab-ci.yml
    - node .ci/gatehouse.mjs gate --stage production
deploy:
  stage: deploy
  image: registry.acme.dev/tools/deployer:2.4
  environment:
    name: production
    url: https://${service}.acme.dev
  script:
    - helm upgrade --install ${service} ./chart --set image.digest=$DIGEST
    - node .ci/gatehouse.mjs deploy --stage production
`;
}

/** A GitLab pipeline whose gate cannot stop anything, and a deploy it never asked about. */
function failOpenGitlab(service: string): string {
  return `stages: [build, deploy]
image: node:latest
build:
  stage: build
  script:
    - curl -sSL https://install.example.dev | bash
    - npm ci && npm run build
gate:
  stage: build
  allow_failure: true
  script:
    - node .ci/gatehouse.mjs gate --stage production || true
pages:
  stage: deploy
  environment: production
  script:
    - npx netlify deploy --prod --dir public --site ${service}
`;
}

export type DemoPipeline = { path: string; text: string };

/** The pipeline file a demo service uploads, by how well it is cared for. */
export function demoPipeline(service: string, platform: "github" | "gitlab", care: number): DemoPipeline {
  if (platform === "gitlab")
    return { path: ".gitlab-ci.yml", text: care >= 0.5 ? gatedGitlab(service) : failOpenGitlab(service) };
  const text = care >= 0.7 ? hardenedGithub(service) : care >= 0.45 ? looseGithub(service) : neglectedGithub(service);
  return { path: ".github/workflows/ship.yml", text };
}
