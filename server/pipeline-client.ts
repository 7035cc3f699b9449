// The pipeline client (bin/gatehouse.mjs) as served at GET /gatehouse.mjs: one self-contained file that needs only
// Node 20, read once and hashed once, so a pipeline can check what it downloaded against the sha256 we announce.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";

export type PipelineClient = {
  body: Buffer;
  version: string;
  /** lowercase hex SHA-256 of body */
  sha256: string;
  /** strong ETag: the hash itself */
  etag: string;
  /** RFC 9530 Repr-Digest */
  reprDigest: string;
};

/** The client's own VERSION constant: what `node gatehouse.mjs --version` prints. */
export function clientVersion(source: string): string {
  const m = /^const VERSION = "([^"]+)";$/m.exec(source);
  if (!m) throw new Error("bin/gatehouse.mjs declares no VERSION");
  return m[1]!;
}

/** A client file that imports anything but node: built-ins would not run on its own in a pipeline. */
export function assertSelfContained(source: string): void {
  const imports = [...source.matchAll(/^\s*import\s[^;]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]!);
  const foreign = imports.filter((s) => !s.startsWith("node:"));
  if (foreign.length) throw new Error(`bin/gatehouse.mjs imports ${foreign.join(", ")}: it must stay self-contained`);
}

export function describeClient(body: Buffer): PipelineClient {
  const source = body.toString("utf8");
  assertSelfContained(source);
  const digest = createHash("sha256").update(body).digest();
  const sha256 = digest.toString("hex");
  return {
    body,
    version: clientVersion(source),
    sha256,
    etag: `"sha256-${sha256}"`,
    reprDigest: `sha-256=:${digest.toString("base64")}:`,
  };
}

let loaded: Promise<PipelineClient> | undefined;

/** Read and hashed at the first request; the file ships with the installation and does not change under it. */
export function pipelineClient(): Promise<PipelineClient> {
  loaded ??= readFile(path.join(/* turbopackIgnore: true */ process.cwd(), "bin", "gatehouse.mjs")).then(describeClient);
  // A failed read is retried by the next request rather than cached.
  loaded.catch(() => (loaded = undefined));
  return loaded;
}
