import { CodeBlock } from "@/components/ui/code-block";

/** What a new installation does first, as commands to copy. */
export function GetStartedNoServices({ url }: { url: string }) {
  return (
    <ol className="list-decimal space-y-3 pl-5 text-sm text-slate-700">
      <li>
        Create a team and register a service (on the Gatehouse host):
        <CodeBlock
          code={[
            "npm run gatehouse -- team create payments",
            "npm run gatehouse -- service create checkout --team payments --repo https://github.com/acme/checkout --criticality high",
          ].join("\n")}
        />
      </li>
      <li>
        Give the pipeline a token (shown once):
        <CodeBlock code="npm run gatehouse -- token create --team payments --scopes scans:write,gate:evaluate,deployments:write" />
      </li>
      <li>
        In the pipeline, post the reports your scanners already write, then ask the gate:
        <CodeBlock code={pipelineCommands(url, "checkout")} />
      </li>
      <li>
        Or load realistic demo data to look around:
        <CodeBlock code="npm run gatehouse -- demo" />
      </li>
    </ol>
  );
}

export function pipelineCommands(url: string, service: string): string {
  return [
    `export GATEHOUSE_URL=${url}`,
    "export GATEHOUSE_TOKEN=…   # from token create",
    `gatehouse scan upload trivy.json --service ${service}`,
    `gatehouse scan upload semgrep.sarif --service ${service}`,
    `gatehouse scan upload gitleaks.json --service ${service}`,
    `gatehouse gate --service ${service} --stage test`,
  ].join("\n");
}

export function curlUpload(url: string, service: string): string {
  return [
    `curl -sS -X POST "${url}/api/v1/scans?service=${service}&commit=$(git rev-parse HEAD)&branch=$(git branch --show-current)" \\`,
    '  -H "Authorization: Bearer $GATEHOUSE_TOKEN" \\',
    "  --data-binary @trivy.json",
  ].join("\n");
}

/** A service that has never reported: how to send its first scan. */
export function GetStartedService({ url, service, team }: { url: string; service: string; team: string }) {
  return (
    <div className="space-y-3 text-sm text-slate-700">
      <p>
        <strong>{service}</strong> has not sent any scan yet. Create a token for team {team}, then post the reports from its
        pipeline:
      </p>
      <CodeBlock
        code={`npm run gatehouse -- token create --team ${team} --service ${service} --scopes scans:write,gate:evaluate,deployments:write`}
      />
      <CodeBlock code={pipelineCommands(url, service)} />
      <p>Or with curl, from any CI:</p>
      <CodeBlock code={curlUpload(url, service)} />
    </div>
  );
}
