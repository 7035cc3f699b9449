import { z } from "zod";
import { inviteUser, inviteUserInput } from "../../../auth/setup-links";
import { changeUserRole, changeUserRoleInput, disableUser, disableUserInput, listUsers } from "../../../auth/users";
import { addTeamMember, removeTeamMember, teamMemberInput } from "../../../teams/members";
import { createTeam, createTeamInput, getTeamDetail, listVisibleTeams } from "../../../teams/teams";
import { slugSchema } from "../../../validation";
import { adminProcedure, protectedProcedure, router } from "../init";

// Everyone reads the teams they belong to (security and admin: all); only admins change teams and people.
export const teamsRouter = router({
  list: protectedProcedure.query(({ ctx }) => listVisibleTeams(ctx.svc)),
  get: protectedProcedure.input(z.object({ team: slugSchema })).query(({ ctx, input }) => getTeamDetail(ctx.svc, input.team)),

  users: adminProcedure.query(({ ctx }) => listUsers(ctx.svc)),
  create: adminProcedure.input(createTeamInput).mutation(({ ctx, input }) => createTeam(ctx.svc, input)),
  addMember: adminProcedure.input(teamMemberInput).mutation(({ ctx, input }) => addTeamMember(ctx.svc, input)),
  removeMember: adminProcedure.input(teamMemberInput).mutation(({ ctx, input }) => removeTeamMember(ctx.svc, input)),
  changeRole: adminProcedure.input(changeUserRoleInput).mutation(({ ctx, input }) => changeUserRole(ctx.svc, input)),
  /** The one-time setup link, shown once: only its hash is kept. */
  invite: adminProcedure.input(inviteUserInput).mutation(async ({ ctx, input }) => {
    const link = await inviteUser(ctx.svc, input);
    return { url: link.url, email: link.email, role: link.role, expiresAt: link.expiresAt };
  }),
  disableUser: adminProcedure.input(disableUserInput).mutation(({ ctx, input }) => disableUser(ctx.svc, input)),
});
