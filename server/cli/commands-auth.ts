// Operator commands for people and sign-in (admin create, user invite|list|disable).
import { z } from "zod";
import { ROLES } from "@/db/schema";
import { createAdminSetupLink, emailSchema, inviteUser, inviteUserInput } from "../auth/setup-links";
import { disableUser, disableUserInput, listUsers } from "../auth/users";
import { INVITE_DEFAULT_HOURS } from "../auth/settings";
import { define, table, type Command } from "./command-kit";

const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, "Z") : "");

export const AUTH_COMMANDS: Command[] = [
  define({
    name: "admin create",
    summary: "print a one-time link (valid 1 hour) that creates an admin account",
    usage: "admin create --email <email>",
    options: { email: { type: "string" } },
    input: z.object({ email: emailSchema }),
    toInput: ({ values }) => ({ email: values.email }),
    run: async (ctx, input) => {
      const link = await createAdminSetupLink(ctx, input);
      return {
        output: [`Open this link within 1 hour to create the admin account ${link.email} (it works once):`, "", `  ${link.url}`],
      };
    },
  }),
  define({
    name: "user invite",
    summary: "print a one-time link where a new user sets their password",
    usage: `user invite --email <email> --role ${ROLES.join("|")} [--team <team>] [--expires-in-hours ${INVITE_DEFAULT_HOURS}]`,
    options: {
      email: { type: "string" },
      role: { type: "string" },
      team: { type: "string" },
      "expires-in-hours": { type: "string" },
    },
    input: inviteUserInput,
    toInput: ({ values }) => ({
      email: values.email,
      role: values.role,
      team: values.team,
      expiresInHours: typeof values["expires-in-hours"] === "string" ? Number(values["expires-in-hours"]) : undefined,
    }),
    run: async (ctx, input) => {
      const link = await inviteUser(ctx, input);
      return {
        output: [
          `Invitation for ${link.email} (${link.role}${input.team ? `, team ${input.team}` : ""}), valid until ${when(link.expiresAt)}, usable once:`,
          "",
          `  ${link.url}`,
        ],
      };
    },
  }),
  define({
    name: "user list",
    summary: "list users, their roles and teams",
    usage: "user list [--json]",
    options: { json: { type: "boolean" } },
    input: z.object({ json: z.boolean().default(false) }),
    toInput: ({ values }) => ({ json: values.json === true }),
    run: async (ctx, input) => {
      const rows = await listUsers(ctx);
      if (input.json) return { output: [JSON.stringify(rows)] };
      if (!rows.length) return { output: ["No users yet. Create the first admin with: gatehouse admin create --email <email>"] };
      return {
        output: table(
          rows.map((u) => ({
            email: u.email,
            name: u.name ?? "",
            role: u.role,
            teams: u.teams.join(","),
            status: u.status,
            "last sign-in": when(u.lastSignInAt),
          })),
          ["email", "name", "role", "teams", "status", "last sign-in"],
        ),
      };
    },
  }),
  define({
    name: "user disable",
    summary: "disable a user and end their sessions",
    usage: "user disable --email <email>",
    options: { email: { type: "string" } },
    input: disableUserInput,
    toInput: ({ values }) => ({ email: values.email }),
    run: async (ctx, input) => {
      await disableUser(ctx, input);
      return { output: [`Disabled ${input.email}; their sessions have ended.`] };
    },
  }),
];
