// Operator commands for the keys that sign gate decisions (keys list|rotate).
import { z } from "zod";
import { listSigningKeys, rotateSigningKey } from "../attestation/signing-keys";
import { signingKeySource } from "../attestation/signing-key";
import { define, table, type Command } from "./command-kit";

export const KEY_COMMANDS: Command[] = [
  define({
    name: "keys list",
    summary: "list the public keys that verify signed decisions (current and retired, with validity)",
    usage: "keys list [--json]",
    options: { json: { type: "boolean" } },
    input: z.object({ json: z.boolean().default(false) }),
    toInput: ({ values }) => ({ json: values.json === true }),
    run: async (ctx, input) => {
      const keys = await listSigningKeys(ctx);
      if (input.json) return { output: [JSON.stringify({ keys })] };
      if (!keys.length) return { output: ["No signing key yet: the server creates one at its first start."] };
      return {
        output: table(
          keys.map((k) => ({ keyid: k.keyId, status: k.status, from: k.validFrom, until: k.validUntil ?? "" })),
          ["keyid", "status", "from", "until"],
        ),
      };
    },
  }),
  define({
    name: "keys rotate",
    summary: "sign new decisions with a new key; the old public key stays published, valid until now",
    usage: "keys rotate",
    options: {},
    input: z.object({}),
    toInput: () => ({}),
    run: async (ctx) => {
      const { previous, current } = await rotateSigningKey(ctx);
      const source = signingKeySource();
      return {
        output: [
          `Rotated the signing key in ${source.file}.`,
          `  new key ${current.keyId} (valid from ${current.validFrom})`,
          `  old key ${previous.keyId} (valid ${previous.validFrom} – ${previous.validUntil ?? "?"}), still published for verification`,
          source.shared
            ? "Instances sharing this file sign with the new key from their next decision."
            : "Other instances with their own key file keep theirs: rotate there too.",
          "Give verifiers the new public key: GET /api/v1/keys?format=pem",
        ],
      };
    },
  }),
];
