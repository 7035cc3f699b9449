// The shared format contract for the two pipeline-definition formats, with real workflow files from
// ../shared/pipeline-samples as examples (the scan-sample corpus has none): registered, claiming no scanner report,
// and parsing each example into a well-formed report.
import { readdirSync } from "node:fs";
import path from "node:path";
import { decodeDocument } from "@/server/ingest/decode";
import { githubActionsFormat } from "@/server/ingest/formats/github-actions";
import { gitlabCiFormat } from "@/server/ingest/formats/gitlab-ci";
import type { Document } from "@/server/ingest/types";
import { describeFormatContract } from "@/tests/helpers/format-contract";
import { pipelineSampleText, pipelineSamplesDir } from "@/tests/helpers/pipeline-samples";

const examples = (...folders: string[]): Record<string, Document> =>
  Object.fromEntries(
    folders.flatMap((folder) =>
      readdirSync(path.join(pipelineSamplesDir, folder))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => [`${folder}/${f}`, decodeDocument(pipelineSampleText(`${folder}/${f}`))]),
    ),
  );

describeFormatContract(githubActionsFormat, { folders: [], examples: examples("gha-clean", "gha-vulnerable") });
describeFormatContract(gitlabCiFormat, { folders: [], examples: examples("gitlab") });
